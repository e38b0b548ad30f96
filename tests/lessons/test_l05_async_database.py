"""Lesson 05's library API on SQLite and on PostgreSQL (the course's own server), the source
text's item app on a real server, and the notebook's sections edited and run again."""

import asyncio
import re
from pathlib import Path

import httpx
import nbformat
import pytest

from course_app.client import AppClient
from course_app.database import (
    SAMPLE_LIBRARY,
    Author,
    Book,
    DatabaseSettings,
    add_sample_library,
    database_settings,
    fresh_database,
    library_rows,
    slow_query,
)
from course_app.lessons import l05_async_database as lesson
from course_app.loop_lag import LoopLagMonitor
from course_app.notebook_runner import rerun_section, section_text
from course_app.server import Server
from course_app.timeline import Timeline

pytestmark = pytest.mark.anyio


@pytest.fixture
async def library(database_url):
    """The lesson app on `database_url`, started through its lifespan, with empty tables."""
    app = lesson.build_library_app()
    app.dependency_overrides[database_settings] = lambda: DatabaseSettings(database_url)
    async with AppClient(app) as client:
        await Book.all().delete()
        await Author.all().delete()
        yield client


async def test_create_read_update_delete(library, database_url):
    engine = "sqlite" if database_url.startswith("sqlite") else "asyncpg"
    assert (await library.get("/database")).json() == {"engine": engine}

    created = await library.post("/authors", json={"name": "Ted Chiang"})
    assert created.status_code == 201
    author = created.json()
    assert author["name"] == "Ted Chiang"
    book = await library.post(f"/authors/{author['id']}/books",
                              json={"title": "Exhalation", "year": 2019})
    assert book.status_code == 201
    assert book.json()["title"] == "Exhalation"

    read = await library.get(f"/authors/{author['id']}")
    assert read.status_code == 200
    assert [b["title"] for b in read.json()["books"]] == ["Exhalation"]

    renamed = await library.put(f"/authors/{author['id']}", json={"name": "Ted Chiang (b. 1967)"})
    assert renamed.json() == {"id": author["id"], "name": "Ted Chiang (b. 1967)"}

    deleted = await library.delete(f"/authors/{author['id']}")
    assert deleted.status_code == 204
    gone = await library.get(f"/authors/{author['id']}")
    assert gone.status_code == 404
    assert await Book.all().count() == 0  # the author's books went with them


async def test_bad_input_gets_a_clear_answer_and_loses_nothing(library):
    first = (await library.post("/authors", json={"name": "Kindred Spirit"})).json()
    other = (await library.post("/authors", json={"name": "Other"})).json()
    await library.post(f"/authors/{first['id']}/books", json={"title": "One", "year": 2001})

    missing = await library.get("/authors/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no author with id 999999"}
    for body in ({"name": ""}, {}, {"name": "x" * 101}):
        assert (await library.post("/authors", json=body)).status_code == 422
    for body in ({"title": "Two", "year": 99}, {"title": "", "year": 2000}, {"title": "Two"}):
        assert (await library.post(f"/authors/{first['id']}/books", json=body)).status_code == 422

    duplicate = await library.post("/authors", json={"name": "Kindred Spirit"})
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == "an author named 'Kindred Spirit' already exists"
    clash = await library.put(f"/authors/{other['id']}", json={"name": "Kindred Spirit"})
    assert clash.status_code == 409
    same_title = await library.post(f"/authors/{first['id']}/books",
                                    json={"title": "One", "year": 2002})
    assert same_title.status_code == 409
    assert "already has a book titled 'One'" in same_title.json()["detail"]
    assert (await library.post("/authors/999999/books",
                               json={"title": "Two", "year": 2000})).status_code == 404
    assert (await library.put("/authors/999999", json={"name": "New"})).status_code == 404
    assert (await library.delete("/authors/999999")).status_code == 404

    # ids beyond what the database can hold, and text it cannot store, are 422s, not 500s
    for path in (f"/authors/{2**63}", "/authors/0", f"/authors/{2**31}"):
        assert (await library.get(path)).status_code == 422
    assert (await library.get(f"/authors/{2**31 - 1}")).status_code == 404
    surrogate = await library.post("/authors", content=b'{"name": "\\ud800"}',
                                   headers={"content-type": "application/json"})
    assert surrogate.status_code == 422
    for name in ("   ", "a\x00b", "tab\there"):
        assert (await library.post("/authors", json={"name": name})).status_code == 422
    # one name however it is typed: composed and decomposed "é", surrounding spaces
    assert (await library.post("/authors", json={"name": " Kindred Spirit "})).status_code == 409
    jose = await library.post("/authors", json={"name": "Jos\u00e9"})
    assert jose.status_code == 201
    assert (await library.post("/authors", json={"name": "Jose\u0301"})).status_code == 409
    await library.delete(f"/authors/{jose.json()['id']}")

    # every write that was accepted is still there; nothing rejected got in
    assert await library_rows() == [("Kindred Spirit", ["One"]), ("Other", [])]
    listed = (await library.get("/authors")).json()
    assert [(a["name"], [b["year"] for b in a["books"]]) for a in listed] == [
        ("Kindred Spirit", [2001]), ("Other", [])]


async def test_gather_queues_on_one_sqlite_connection_and_overlaps_on_a_pool(library,
                                                                             database_url):
    """Section 5.4's measurement, on both back ends."""
    await asyncio.gather(*(slow_query(0) for _ in range(4)))  # open the connections first
    sequential, gathered = Timeline("one after another"), Timeline("gather")

    async def timed(timeline, name):
        async with timeline.span(name):
            await slow_query(0.1)

    async with LoopLagMonitor() as lag:
        for n in range(4):
            await timed(sequential, f"query {n}")
        await asyncio.gather(*(timed(gathered, f"query {n}") for n in range(4)))
    assert sequential.wall_time >= 0.35
    assert lag.max_lag < 0.1  # the queries run in the driver, never on the loop
    if database_url.startswith("sqlite"):
        assert gathered.wall_time > 0.8 * sequential.wall_time  # one connection: queued
        assert gathered.max_overlap() == 4  # all four were waiting at once, though
    else:
        assert gathered.wall_time < 0.5 * sequential.wall_time  # a pool of 5: all at once


async def test_exercise_solutions_agree_with_the_library(database_url):
    from course_app.solutions.l05_async_database import book_counts

    async with fresh_database(database_url):
        await add_sample_library()
        assert await book_counts() == {name: len(t) for name, t in SAMPLE_LIBRARY.items()}


# --- section 5.1: the source text's app on a real server --------------------------------------

async def test_a_database_opened_in_on_event_is_invisible_to_requests_under_uvicorn():
    server = Server("course_app.lessons.l05_items:on_event_app", access_log=False)
    async with server as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            response = await client.get("/items/")
    assert response.status_code == 500
    assert server.exception_lines() == [
        "RuntimeError: No TortoiseContext is currently active. Use 'async with TortoiseContext()"
        " as ctx:' to create one, or call Tortoise.init() for global state."]

    fixed = Server("course_app.lessons.l05_items:lifespan_app", access_log=False)
    async with fixed as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            created = await client.post("/items/", params={"name": "cup"})
            listed = await client.get("/items/")
    assert created.status_code == 201
    assert listed.json() == [{"id": 1, "name": "cup"}]
    assert fixed.exception_lines() == []


# --- the notebook, edited and run again ---------------------------------------------------------

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05_async_database.ipynb"


def test_fewer_queries_take_less_time_one_after_another_and_with_gather():
    ran = rerun_section(NOTEBOOK, "5.4", {"count, each = 4, 0.1\none_after_another":
                                          "count, each = 2, 0.1\none_after_another"})
    text = section_text(ran, "5.4")
    match = re.search(r"2 queries of 0\.10 s: one after another (\d+\.\d+) s, "
                      r"gather (\d+\.\d+) s: (\d+\.\d)× faster", text)
    assert match, text
    sequential, gathered, _ = map(float, match.groups())
    assert 0.15 < sequential < 0.35 and gathered < 0.8 * sequential  # two connections of the pool
    assert "4 queries of 0.10 s with gather on SQLite" in text  # SQLite's cell unchanged


def test_a_pool_as_large_as_the_batch_lets_every_query_run_at_once():
    pattern = (r"8 queries of 0\.10 s on a pool of (\d+): (\d+\.\d+) s; at most (\d+) ran at "
               r"once, the longest wait for a connection was (\d+\.\d+) s")
    stored = nbformat.read(NOTEBOOK, as_version=4)  # the outputs of the notebook's clean run
    before = re.search(pattern, section_text(stored, "5.4"))
    ran = rerun_section(NOTEBOOK, "5.4", {"pool_size, count, each = 4, 8, 0.1":
                                          "pool_size, count, each = 8, 8, 0.1"})
    after = re.search(pattern, section_text(ran, "5.4"))
    assert before and after
    assert before[1] == "4" and int(before[3]) == 4 and float(before[4]) > 0.08  # in line
    assert after[1] == "8" and int(after[3]) > 4 and float(after[4]) < 0.06  # no queue
    assert float(after[2]) < 0.75 * float(before[2])


def test_a_script_that_never_closes_its_connection_never_exits():
    ran = section_text(rerun_section(NOTEBOOK, "5.7"), "5.7")
    assert "the script that closes printed ['authors: 0'] and exited" in ran
    assert "the script that forgets to close printed ['authors: 0'] and was still running" in ran
    # a learner's edit: close in both runs (and change the claim): both exit
    edited = section_text(rerun_section(NOTEBOOK, "5.7", {
        "    if close:\n": "    if True:\n",
        "not forgets.exited": "forgets.exited"}), "5.7")
    assert "the script that forgets to close printed ['authors: 0'] and exited" in edited
