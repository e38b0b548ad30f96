"""Lesson 05: async database queries with Tortoise ORM, on SQLite (aiosqlite) or PostgreSQL.

`library_app` is a small CRUD API over `course_app.database`'s authors and books: `async def`
path operations that await each query, pydantic models in and out, and a clear answer for bad
input (404 unknown id, 422 invalid body, 409 duplicate name or title). The database URL comes
from the `database_settings` dependency, so the same app runs on PostgreSQL unchanged.

The comparisons the notebook shows are functions here, so the tests and the course benchmark run
them too: queries one after another versus `asyncio.gather` on one connection or a pool, a
multi-step write with and without a transaction, the N+1 trap, a script that forgets to close
its connection, and the same query in SQLAlchemy's `AsyncSession`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from course_app.database import (
    DEFAULT_DATABASE_URL,
    Author,
    Book,
    DatabaseSettings,
    add_sample_library,
    count_queries,
    database_connection,
    database_lifespan,
    database_settings,
    fresh_database,
    library_rows,
)
from course_app.loop_lag import LoopLagMonitor
from course_app.timeline import Timeline

# --- the lesson app ----------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Validator for names and titles: NFC-normalised (so "José" typed either way is one name),
    and free of control characters and lone surrogates (which a database cannot store as text).

    Raises:
        ValueError: for a control character or a lone surrogate (FastAPI answers 422).
    """
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise ValueError("must be text without control characters")
    return unicodedata.normalize("NFC", value)


def text(max_length: int):
    """A text field type: surrounding spaces stripped, 1 to `max_length` characters, clean."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=max_length), AfterValidator(clean_text)]


class AuthorIn(BaseModel):
    """Request body for creating or renaming an author."""

    name: text(100) = Field(examples=["Ursula K. Le Guin"])


class BookIn(BaseModel):
    """Request body for adding a book to an author."""

    title: text(200) = Field(examples=["The Dispossessed"])
    year: int = Field(ge=1450, le=2100, examples=[1974])


class BookOut(BaseModel):
    """A book as the API returns it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    year: int


class AuthorOut(BaseModel):
    """An author as the API returns it, without books."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


class AuthorWithBooks(AuthorOut):
    """An author with every book, oldest first."""

    books: list[BookOut]


MAX_ID = 2**31 - 1
"""The largest id an `IntField` holds on every back end (PostgreSQL's `integer`)."""


async def author_or_404(author_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> Author:
    """Dependency: the author with `author_id`, or a 404 with a message. An id outside
    1..`MAX_ID` is a 422 before any query (the database could not even compare it)."""
    author = await Author.get_or_none(id=author_id)
    if author is None:
        raise HTTPException(status_code=404, detail=f"no author with id {author_id}")
    return author


FoundAuthor = Annotated[Author, Depends(author_or_404)]


async def invalid_request(request: Request, error: RequestValidationError) -> Response:
    """FastAPI's 422 answer, safe for any input: its own handler echoes the rejected input in
    UTF-8 and fails with a 500 when that input holds a lone surrogate (`"\\ud800"` in JSON);
    here non-ASCII characters are escaped instead."""
    body = json.dumps({"detail": jsonable_encoder(error.errors())})
    return Response(body, status_code=422, media_type="application/json")


def build_library_app(lifespan=database_lifespan) -> FastAPI:
    """The lesson's CRUD API over authors and books.

    Path operations (all `async def`, every query awaited):

        GET    /database                 which back end the settings select
        POST   /authors                  create an author           201, 409 duplicate, 422
        GET    /authors                  every author with books    200 (two queries)
        GET    /authors/{id}             one author with books      200, 404
        PUT    /authors/{id}             rename                     200, 404, 409, 422
        DELETE /authors/{id}             delete, books included     204, 404
        POST   /authors/{id}/books       add a book                 201, 404, 409, 422

    The database opens and closes with the app's lifespan (`database_lifespan`), from the URL
    that the `database_settings` dependency gives (override it to point the app elsewhere).
    `lifespan=None` leaves the database to the caller (for example `fresh_database()`).
    """
    app = FastAPI(title="Library", lifespan=lifespan,
                  exception_handlers={RequestValidationError: invalid_request})

    @app.get("/database")
    async def which_database(settings: Annotated[DatabaseSettings, Depends(database_settings)]):
        return {"engine": settings.engine.rsplit(".", 1)[-1]}

    @app.post("/authors", status_code=201, response_model=AuthorOut)
    async def create_author(body: AuthorIn):
        try:
            return await Author.create(name=body.name)
        except IntegrityError:
            raise HTTPException(409, f"an author named {body.name!r} already exists") from None

    @app.get("/authors", response_model=list[AuthorWithBooks])
    async def list_authors():
        return await Author.all().prefetch_related("books")

    @app.get("/authors/{author_id}", response_model=AuthorWithBooks)
    async def read_author(author: FoundAuthor):
        await author.fetch_related("books")
        return author

    @app.put("/authors/{author_id}", response_model=AuthorOut)
    async def rename_author(author: FoundAuthor, body: AuthorIn):
        author.name = body.name
        try:
            await author.save(update_fields=["name"])
        except IntegrityError:
            raise HTTPException(409, f"an author named {body.name!r} already exists") from None
        return author

    @app.delete("/authors/{author_id}", status_code=204)
    async def delete_author(author: FoundAuthor):
        await author.delete()

    @app.post("/authors/{author_id}/books", status_code=201, response_model=BookOut)
    async def add_book(author: FoundAuthor, body: BookIn):
        try:
            return await Book.create(author=author, title=body.title, year=body.year)
        except IntegrityError:
            raise HTTPException(
                409, f"{author.name} already has a book titled {body.title!r}") from None

    return app


library_app = build_library_app()
"""The lesson app. To serve it:
`python -m course_app serve course_app.lessons.l05_async_database:library_app`
(set `COURSE_DATABASE_URL` to a file or PostgreSQL URL first: in memory, nothing is kept)."""


# --- several queries at once ---------------------------------------------------------------------

SLOW_QUERY_SECONDS = 0.1
"""How long each query in the `gather` comparison keeps the database busy, in seconds."""


async def slow_query(seconds: float = SLOW_QUERY_SECONDS) -> None:
    """One query that keeps its connection busy for `seconds`, like a slow report.

    PostgreSQL runs `SELECT pg_sleep(seconds)`. SQLite has no sleep, so the course adds one as
    an SQL function (`course_sleep`) to the connection; it runs in aiosqlite's worker thread,
    exactly where a slow SQLite query would run, so the event loop stays free either way.

    Raises:
        RuntimeError: "No TortoiseContext is currently active" when no database is open.
    """
    connection = database_connection()
    if connection.capabilities.dialect == "sqlite":
        await connection.create_connection(with_db=True)
        raw = connection._connection  # the aiosqlite.Connection behind Tortoise's client
        await raw.create_function("course_sleep", 1, time.sleep)
        await connection.execute_query("SELECT course_sleep(?)", [seconds])
    else:
        await connection.execute_query("SELECT pg_sleep($1)", [seconds])


async def queries_one_after_another_vs_gather(
    count: int = 4, seconds: float = SLOW_QUERY_SECONDS
) -> dict[str, object]:
    """Run `count` slow queries one after another, then all at once with `asyncio.gather`.

    Uses whatever database is open. Returns a dict: `engine` (sqlite or postgres),
    `one_after_another` and `gather` (each a `Timeline` of the queries), `max_lag` (seconds the
    event loop was ever late while the queries ran; small, since the queries run in the driver,
    not on the loop).

    One SQLite connection runs one query at a time, so `gather` only queues them; a PostgreSQL
    pool (Tortoise's default: up to 5 connections) runs up to 5 at once.
    """
    engine = database_connection().capabilities.dialect
    await slow_query(0)  # open the connection and add the function before timing
    sequential = Timeline("one after another")
    concurrent = Timeline("asyncio.gather")

    async def timed(timeline: Timeline, name: str) -> None:
        async with timeline.span(name):
            await slow_query(seconds)

    async with LoopLagMonitor() as lag:
        for number in range(1, count + 1):
            await timed(sequential, f"query {number}")
        await asyncio.gather(*(timed(concurrent, f"query {n}") for n in range(1, count + 1)))
    return {"engine": engine, "one_after_another": sequential, "gather": concurrent,
            "max_lag": lag.max_lag}


# --- transactions -----------------------------------------------------------------------------

async def add_author_with_books(name: str, titles: list[str], year: int = 2000) -> Author:
    """Create an author and one book per title, step by step, with no transaction.

    Raises:
        tortoise.exceptions.IntegrityError: when a step breaks a rule (a duplicate title);
            the steps before it stay written.
    """
    author = await Author.create(name=name)
    for title in titles:
        await Book.create(author=author, title=title, year=year)
    return author


async def add_author_with_books_atomically(name: str, titles: list[str],
                                           year: int = 2000) -> Author:
    """The same steps inside `in_transaction()`: all of them are written, or none.

    Raises:
        tortoise.exceptions.IntegrityError: when a step breaks a rule; every step is rolled back.
    """
    async with in_transaction():
        return await add_author_with_books(name, titles, year)


async def half_written(write, name: str = "Iain M. Banks",
                       titles: tuple[str, ...] = ("Excession", "Inversions", "Excession")
                       ) -> dict[str, object]:
    """Run `write(name, list(titles))`, whose last step fails, and compare the rows around it.

    Returns a dict: `error` (the exception's class name, or None), `before` and `after`
    (`library_rows()` before and after), and `added` (rows in `after` that were not in
    `before`). Compares rows, not ids.
    """
    before = await library_rows()
    try:
        await write(name, list(titles))
        error = None
    except IntegrityError as exc:
        error = type(exc).__name__
    after = await library_rows()
    return {"error": error, "before": before, "after": after,
            "added": [row for row in after if row not in before]}


async def remove_author(name: str) -> None:
    """Delete the author called `name` and their books, if there is one."""
    await Author.filter(name=name).delete()


# --- the N+1 trap ------------------------------------------------------------------------------

async def titles_by_author_n_plus_1() -> dict[str, list[str]]:
    """Author name → titles, fetching each author's books with its own query (1 + N queries)."""
    result = {}
    for author in await Author.all():
        result[author.name] = [book.title for book in await author.books.all()]
    return result


async def titles_by_author_prefetched() -> dict[str, list[str]]:
    """Author name → titles with `prefetch_related("books")`: two queries, however many authors."""
    authors = await Author.all().prefetch_related("books")
    return {author.name: [book.title for book in author.books] for author in authors}


async def query_counts(
    url: str = DEFAULT_DATABASE_URL,
) -> dict[str, tuple[int, dict[str, list[str]]]]:
    """Each way of reading titles by author: (number of SQL statements, the result).

    Runs on a private database at `url` holding only the sample library (`SAMPLE_LIBRARY`, 4
    authors), so the counts do not depend on what earlier cells added to the lesson's database.
    """
    counts = {}
    async with fresh_database(url):
        await add_sample_library()
        for name, way in (("one query per author", titles_by_author_n_plus_1),
                          ("prefetch_related", titles_by_author_prefetched)):
            with count_queries() as log:
                result = await way()
            counts[name] = (log.count, result)
    return counts


# --- connections must be closed ---------------------------------------------------------------

SCRIPT = """
import asyncio, sys
from tortoise import Tortoise
from course_app.database import MODELS, Author

async def main(close):
    await Tortoise.init(db_url=sys.argv[1], modules=MODELS)
    await Tortoise.generate_schemas()
    print("authors:", await Author.all().count(), flush=True)
    if close:
        await Tortoise.close_connections()

asyncio.run(main(close=sys.argv[2] == "close"))
"""
"""A script that opens a database, runs one query, and closes it only when told to."""


def script_exit(close: bool, timeout: float = 3.0) -> dict[str, object]:
    """Run `SCRIPT` in a child process on a temporary SQLite file, and see whether it exits.

    Args:
        close: whether the script calls `Tortoise.close_connections()` at the end.
        timeout: seconds to wait before giving up and killing it.

    Returns:
        A dict: `exited` (bool), `seconds` (until it exited, or `timeout`), `output` (its
        standard output lines). A script that forgets to close never exits by itself:
        aiosqlite runs each connection in a non-daemon thread, and Python waits for it.
    """
    with tempfile.TemporaryDirectory(prefix="course-l05-") as folder:
        url = f"sqlite://{Path(folder) / 'library.sqlite3'}"
        args = [sys.executable, "-c", SCRIPT, url, "close" if close else "forget"]
        started = time.perf_counter()
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) as child:
            try:
                output, _ = child.communicate(timeout=timeout)
                exited = True
            except subprocess.TimeoutExpired:
                child.kill()
                output, _ = child.communicate()
                exited = False
            seconds = time.perf_counter() - started if exited else timeout
    return {"exited": exited, "seconds": seconds, "output": output.splitlines()}


# --- the same query in SQLAlchemy's AsyncSession -----------------------------------------------

async def prolific_authors_tortoise(min_books: int = 2) -> list[str]:
    """Tortoise: names of authors with at least `min_books` books, alphabetically."""
    return await (Author.annotate(book_count=Count("books"))
                  .filter(book_count__gte=min_books)
                  .order_by("name")
                  .values_list("name", flat=True))


class SqlBase(DeclarativeBase):
    """SQLAlchemy's declarative base for the side-by-side tables."""


class SqlAuthor(SqlBase):
    """The same `author` table, declared for SQLAlchemy 2.x."""

    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[SqlBook]] = relationship(back_populates="author")


class SqlBook(SqlBase):
    """The same `book` table, declared for SQLAlchemy 2.x."""

    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[SqlAuthor] = relationship(back_populates="books")


async def prolific_authors_sqlalchemy(session: AsyncSession, min_books: int = 2) -> list[str]:
    """SQLAlchemy 2.x: the same query through an `AsyncSession`."""
    query = (select(SqlAuthor.name)
             .join(SqlAuthor.books)
             .group_by(SqlAuthor.id)
             .having(func.count(SqlBook.id) >= min_books)
             .order_by(SqlAuthor.name))
    return list(await session.scalars(query))


async def side_by_side(library: dict[str, list[str]], min_books: int = 2) -> dict[str, list[str]]:
    """Load `library` (author → titles) into two fresh in-memory SQLite databases, one through
    Tortoise and one through SQLAlchemy (`sqlite+aiosqlite`), and run the same query on each.

    Returns a dict: ORM name → the names it found. Both databases are closed before returning
    (`engine.dispose()` is SQLAlchemy's counterpart of `Tortoise.close_connections()`).
    """
    async with fresh_database():
        await add_sample_library(library)
        tortoise_names = await prolific_authors_tortoise(min_books)

    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(SqlBase.metadata.create_all)
        async with AsyncSession(engine) as session, session.begin():
            for name, titles in library.items():
                session.add(SqlAuthor(name=name, books=[SqlBook(title=t, year=2000)
                                                        for t in titles]))
        async with AsyncSession(engine) as session:
            sqlalchemy_names = await prolific_authors_sqlalchemy(session, min_books)
    finally:
        await engine.dispose()
    return {"Tortoise ORM": list(tortoise_names), "SQLAlchemy": sqlalchemy_names}
