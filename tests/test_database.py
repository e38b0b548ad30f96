"""The course's database module: settings, lifespan, notebook set-up, isolation, query counting."""

import logging

import pytest
from fastapi import FastAPI
from tortoise.exceptions import ConfigurationError

from course_app.client import AppClient
from course_app.database import (
    COURSE_POSTGRES,
    DEFAULT_DATABASE_URL,
    SQLITE_MEMORY_URL,
    Author,
    DatabaseSettings,
    add_sample_library,
    clear_library,
    close_database,
    count_queries,
    database_connection,
    database_lifespan,
    database_settings,
    fresh_database,
    library_rows,
    open_database,
    resolve_database_url,
    settings_for,
    slow_query,
)

pytestmark = pytest.mark.anyio


def test_settings_come_from_the_environment_and_ignore_the_test_only_variable(monkeypatch):
    monkeypatch.delenv("COURSE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COURSE_TEST_POSTGRES_URL", "postgres://x:y@127.0.0.1:1/z")
    assert DEFAULT_DATABASE_URL == COURSE_POSTGRES  # the course's own PostgreSQL by default
    assert database_settings() == DatabaseSettings(resolve_database_url(COURSE_POSTGRES))
    assert database_settings().url.startswith(("postgres://course:", SQLITE_MEMORY_URL))
    monkeypatch.setenv("COURSE_DATABASE_URL", "sqlite:///tmp/library.sqlite3")
    assert database_settings().url == "sqlite:///tmp/library.sqlite3"
    assert DatabaseSettings("postgres://u:p@127.0.0.1:5432/db").engine.endswith("asyncpg")
    with pytest.raises(ConfigurationError):
        _ = DatabaseSettings("nosuchdb://nowhere").engine


def test_the_lifespan_reads_the_overridden_settings():
    app = FastAPI(lifespan=database_lifespan)
    assert settings_for(app) == database_settings()
    app.dependency_overrides[database_settings] = lambda: DatabaseSettings("sqlite:///x.db")
    assert settings_for(app).url == "sqlite:///x.db"


async def test_a_file_database_keeps_its_rows_across_restarts(tmp_path):
    app = FastAPI(lifespan=database_lifespan)
    url = f"sqlite://{tmp_path / 'library.sqlite3'}"
    app.dependency_overrides[database_settings] = lambda: DatabaseSettings(url)
    async with AppClient(app):
        await add_sample_library({"Ted Chiang": ["Exhalation"]})
    async with AppClient(app):
        assert await library_rows() == [("Ted Chiang", ["Exhalation"])]


def on(url: str) -> FastAPI:
    """An app whose lifespan opens the database at `url`."""
    app = FastAPI(lifespan=database_lifespan)
    app.dependency_overrides[database_settings] = lambda: DatabaseSettings(url)
    return app


async def test_open_database_can_be_run_again_and_a_second_open_lifespan_cannot(tmp_path):
    app = on(SQLITE_MEMORY_URL)
    try:
        await open_database(app)
        await add_sample_library()
        await open_database(app)  # the set-up cell, run again: a new, empty database
        assert await Author.all().count() == 0
        # without closing first, a second app's lifespan fails on Tortoise's global fallback
        with pytest.raises(ConfigurationError, match="Global context fallback is already"):
            async with AppClient(on(SQLITE_MEMORY_URL)):
                pass
        assert await Author.all().count() == 0  # the open database is unharmed
    finally:
        await close_database()
    with pytest.raises(RuntimeError, match="No TortoiseContext is currently active"):
        await Author.all().count()


async def test_close_database_is_safe_when_nothing_is_open():
    await close_database()
    await close_database()


async def test_a_server_database_keeps_its_rows_until_cleared_and_ids_start_again(database_url):
    app = on(database_url)
    try:
        await open_database(app)
        await clear_library()
        await add_sample_library({"Ted Chiang": ["Exhalation"]})
        await open_database(app)  # the set-up cell, run again
        kept = await library_rows()
        await clear_library()
        assert await library_rows() == []
        await add_sample_library({"Octavia E. Butler": ["Kindred"]})
        assert (await Author.get(name="Octavia E. Butler")).id == 1
    finally:
        await close_database()
    # PostgreSQL keeps the rows across a restart of the app; in-memory SQLite starts empty
    assert kept == ([] if database_url == SQLITE_MEMORY_URL else [("Ted Chiang", ["Exhalation"])])


@pytest.mark.parametrize("inside", [COURSE_POSTGRES, SQLITE_MEMORY_URL])
async def test_a_fresh_database_shadows_the_open_one_and_leaves_it_alone(inside):
    app = FastAPI(lifespan=database_lifespan)  # the default: the course's PostgreSQL
    try:
        await open_database(app)
        await clear_library()
        await add_sample_library({"Outside": []})
        async with fresh_database(inside):  # never the lessons' own database
            assert await library_rows() == []
            await add_sample_library({"Inside": []})
        assert await library_rows() == [("Outside", [])]  # on its own back end still
        await Author.create(name="After")
        assert [name for name, _ in await library_rows()] == ["Outside", "After"]
    finally:
        await close_database()


async def test_a_fresh_database_follows_the_setting_to_sqlite_and_never_empties_another_server(
        monkeypatch):
    monkeypatch.setenv("COURSE_DATABASE_URL", "sqlite://:memory:")
    async with fresh_database():
        assert database_connection().capabilities.dialect == "sqlite"
    monkeypatch.setenv("COURSE_DATABASE_URL", "postgres://someone:secret@127.0.0.1:1/theirs")
    async with fresh_database():  # the course's own server (or SQLite), not theirs
        assert getattr(database_connection(), "port", None) != 1
        assert await Author.all().count() == 0


async def test_a_fresh_database_takes_pool_options_and_slow_query_reports_its_run(database_url):
    async with fresh_database(database_url, maxsize=3):
        connection = database_connection()
        if not database_url.startswith("sqlite"):
            assert connection.pool_maxsize == 3
        started, ended = await slow_query(0.05)
    assert 0.04 < ended - started < 1


async def test_count_queries_records_statements_and_restores_the_logger(database_url):
    logger = logging.getLogger("tortoise.db_client")
    level, propagate = logger.level, logger.propagate
    async with fresh_database(database_url):
        await add_sample_library({"A": ["x", "y"]})
        with count_queries() as log:
            await Author.all()
            await Author.filter(name="A").prefetch_related("books")
        assert log.count == 3
        assert all("SELECT" in statement for statement in log.statements)
    assert (logger.level, logger.propagate) == (level, propagate)
    assert not any(type(h).__name__ == "_QueryHandler" for h in logger.handlers)
