"""Each lesson's exercises, one module per lesson: `lNN_slug.py`, named like the lesson's notebook.

Nothing is imported here: the checker (`course_app.check`) imports a lesson's module when one of
its exercises is first checked, so checking lesson 00 never loads lesson 05's database.
"""
