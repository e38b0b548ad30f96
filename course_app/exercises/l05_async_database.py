"""Lesson 05's exercises: an all-or-nothing write, and counting books without the N+1 trap.

Each check runs the answer against a fresh database of its own (`fresh_database`: an emptied
scratch database on the course's PostgreSQL server, or in-memory SQLite), so the notebook's
library is never touched and every attempt starts from the same rows.
"""

from __future__ import annotations

import inspect

from tortoise.exceptions import IntegrityError

from course_app.database import (
    SAMPLE_LIBRARY,
    add_sample_library,
    count_queries,
    fresh_database,
    library_rows,
)
from course_app.exercise import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.loop_lag import LoopLagMonitor
from course_app.pitfall import describe
from course_app.solutions import l05_async_database as solutions

NEW_AUTHOR = "Iain M. Banks"
FAILING_TITLES = ["Excession", "Inversions", "Excession"]
GOOD_TITLES = ["Excession", "Inversions"]


@exercise("05.1", "all or nothing: an author and their books", expects="async function",
          solution=solutions.add_author_with_books_safely)
async def check_add_safely(add_author_with_books_safely) -> str:
    name = "add_author_with_books_safely"
    async with fresh_database():
        await add_sample_library()
        before = await library_rows()
        raised = None
        async with LoopLagMonitor() as lag:
            try:
                result = await guarded(add_author_with_books_safely(NEW_AUTHOR, FAILING_TITLES))
            except Exception as exc:  # any error reaches the caller: that is what is asked
                raised, result = exc, None
        hint_if_blocked(lag.max_lag, f"`{name}`")
        if inspect.iscoroutine(result):  # a model instance is awaitable too (it saves itself)
            hint_if_still_awaitable(result, fix="`await` each query (`await Author.create(...)`)")
        left = [row for row in await library_rows() if row not in before]
        what = ", ".join(f"{author} with {len(titles)} book(s)" for author, titles in left)
        if left and raised is not None:
            raise Hint(f"the third title is a duplicate, so the call failed, yet {what} stayed "
                       "in the database: do every step inside `async with in_transaction():` "
                       "(from `tortoise.transactions`).", decisive=True)
        if left:
            raise Hint(f"the third title is a duplicate, yet the call returned normally and "
                       f"left {what}: is every write awaited (`await Book.create(...)`)? The "
                       "duplicate must fail, and that failure must undo the other steps.")
        if raised is None:
            raise Hint("the third title is a duplicate and nothing was written (good), but the "
                       "call returned normally, so its caller cannot tell it failed: let the "
                       "IntegrityError propagate (do not catch it, or re-raise it).")
        try:  # any other error goes on to the checker core, which knows common slips
            await guarded(add_author_with_books_safely(NEW_AUTHOR, GOOD_TITLES))
        except IntegrityError as exc:
            raise Hint(f"with the valid titles {GOOD_TITLES}, your function raised "
                       f"{describe(exc)}. Raise only when a step fails.") from None
        added = [row for row in await library_rows() if row not in before]
        if added != [(NEW_AUTHOR, GOOD_TITLES)]:
            raise Hint(f"with the titles {GOOD_TITLES}, expected {NEW_AUTHOR} and those two "
                       f"books to be written; the database gained {added or 'nothing'}.")
    return ("a failing third step left nothing behind; a valid call wrote the author and "
            f"{len(GOOD_TITLES)} books.")


BIGGER_LIBRARY = {**SAMPLE_LIBRARY, "Iain M. Banks": ["Excession"], "Ann Leckie": []}
"""Six authors (one with no books), so a query per author stands out from a fixed number."""


@exercise("05.2", "count each author's books in at most two queries", expects="async function",
          solution=solutions.book_counts)
async def check_book_counts(book_counts) -> str:
    expected = {name: len(titles) for name, titles in BIGGER_LIBRARY.items()}
    async with fresh_database():
        await add_sample_library(BIGGER_LIBRARY)
        async with LoopLagMonitor() as lag:
            with count_queries() as log:
                result = await guarded(book_counts())
        hint_if_blocked(lag.max_lag, "`book_counts`")
        hint_if_still_awaitable(result, fix="`await` each query")
        if result is None:
            raise Hint("`book_counts` returned None: return a dict, author name → number of "
                       "books.")
        if not isinstance(result, dict):
            raise Hint(f"`book_counts` should return a dict, got {type(result).__name__}.")
        values = list(result.values())
        if any(inspect.isawaitable(value) for value in values):
            hint_if_still_awaitable(*values, fix="`await` each count (`await ....count()`)")
        if any(isinstance(value, float) for value in values):
            raise Hint("each value should be a whole number of books (an `int`), not a float.")
        if any(not isinstance(value, int) for value in values):
            raise Hint("each value should be a number (`len(author.books)`, or a `Count`), "
                       "not the books themselves.")
        if result != expected:
            raise Hint(f"expected {expected}; got {result}.")
        if log.count == 1 + len(expected):
            raise Hint(f"right numbers, but {log.count} queries for {len(expected)} authors: "
                       "one per author (plus one) is the N+1 trap. Fetch the books with "
                       "`Author.all().prefetch_related(\"books\")`, or let the database count "
                       "with `Author.annotate(books_written=Count(\"books\"))`.", decisive=True)
        if log.count > 2:
            raise Hint(f"right numbers, but {log.count} queries: at most two are needed, "
                       "however many authors there are.", decisive=True)
    return f"the right count for {len(expected)} authors in {log.count} quer" + (
        "y." if log.count == 1 else "ies.")
