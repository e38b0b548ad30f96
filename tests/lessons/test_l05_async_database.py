"""Lesson 05's app and comparisons, on SQLite and (when configured) PostgreSQL."""

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
)
from course_app.lessons import l05_async_database as lesson

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
    result = await lesson.queries_one_after_another_vs_gather(count=4, seconds=0.1)
    sequential = result["one_after_another"].wall_time
    gathered = result["gather"].wall_time
    assert sequential >= 0.35
    assert result["max_lag"] < 0.05  # the queries run in the driver, never on the loop
    if database_url.startswith("sqlite"):
        assert result["engine"] == "sqlite"
        assert gathered > 0.8 * sequential  # one connection: queued, not overlapped
        assert result["gather"].max_overlap() == 4  # all four were waiting at once, though
    else:
        assert result["engine"] == "postgres"
        assert gathered < 0.5 * sequential  # a pool of 5: the four ran at once


async def test_a_transaction_leaves_nothing_of_a_failed_write(library):
    await add_sample_library()
    without = await lesson.half_written(lesson.add_author_with_books)
    assert without["error"] == "IntegrityError"
    assert without["added"] == [("Iain M. Banks", ["Excession", "Inversions"])]
    await lesson.remove_author("Iain M. Banks")
    assert await library_rows() == without["before"]

    atomic = await lesson.half_written(lesson.add_author_with_books_atomically)
    assert atomic["error"] == "IntegrityError"
    assert atomic["added"] == []
    assert atomic["after"] == atomic["before"]


async def test_prefetch_related_turns_one_query_per_author_into_two(database_url):
    counts = await lesson.query_counts(database_url)
    n_plus_1, naive = counts["one query per author"]
    two, prefetched = counts["prefetch_related"]
    assert naive == prefetched == {name: titles for name, titles in SAMPLE_LIBRARY.items()}
    assert n_plus_1 == 1 + len(SAMPLE_LIBRARY)
    assert two == 2


def test_a_script_that_never_closes_its_connection_never_exits():
    closed = lesson.script_exit(close=True, timeout=10)
    assert closed["exited"]
    assert closed["output"] == ["authors: 0"]
    forgot = lesson.script_exit(close=False, timeout=2)
    assert not forgot["exited"]
    assert forgot["output"] == ["authors: 0"]  # it did its work, then hung
    assert closed["seconds"] < 0.75 * 2


async def test_sqlalchemy_finds_the_same_authors_as_tortoise():
    library = {**SAMPLE_LIBRARY, "Solo": ["Only one"]}
    found = await lesson.side_by_side(library, min_books=2)
    expected = sorted(name for name, titles in library.items() if len(titles) >= 2)
    assert found == {"Tortoise ORM": expected, "SQLAlchemy": expected}


async def test_exercise_solutions_and_lesson_functions_agree(database_url):
    from course_app.solutions.l05_async_database import book_counts

    async with fresh_database(database_url):
        await add_sample_library()
        titles = await lesson.titles_by_author_prefetched()
        assert await book_counts() == {name: len(t) for name, t in titles.items()}
