"""The exercises of every lesson; importing this package registers them all with the checker."""

from course_app.exercises import l00_start_here, l01_what_is_async  # noqa: F401
