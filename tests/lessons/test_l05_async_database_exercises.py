"""Lesson 05's exercises (`course_app/exercises/l05_async_database.py`): the reference
solutions pass, and each wrong answer below gets the hint written beside it."""

import time

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import atomic, in_transaction
from wrong_answers import (
    WrongAnswers,
    assert_hint,
    assert_passes,
    lesson_exercise_ids,
    reference_answer,
)

from course_app.database import Author, Book

pytestmark = pytest.mark.anyio
wrong = WrongAnswers("05")


@pytest.mark.parametrize("exercise_id", lesson_exercise_ids("05"))
async def test_reference_solution_passes(exercise_id):
    await assert_passes(exercise_id, await reference_answer(exercise_id))


async def _add_naming_the_connection(name, titles):
    async with in_transaction("default"):  # as Tortoise's documentation writes it
        author = await Author.create(name=name)
        for title in titles:
            await Book.create(author=author, title=title, year=2000)


async def _add_reraising_another_error(name, titles):
    try:
        async with in_transaction():
            author = await Author.create(name=name)
            for title in titles:
                await Book.create(author=author, title=title, year=2000)
    except IntegrityError as error:
        raise ValueError(f"could not add {name}") from error


@wrong("05.1", "stayed in the database")
async def _add_without_transaction(name, titles):
    author = await Author.create(name=name)
    for title in titles:
        await Book.create(author=author, title=title, year=2000)
    return author


@wrong("05.1", "let the IntegrityError propagate")
async def _add_swallowing_the_error(name, titles):
    try:
        async with in_transaction():
            author = await Author.create(name=name)
            for title in titles:
                await Book.create(author=author, title=title, year=2000)
    except IntegrityError:
        return None
    return author


@wrong("05.1", "never awaited")
async def _add_forgets_await(name, titles):
    async with in_transaction():
        author = Author.create(name=name)
        for title in titles:
            Book.create(author=author, title=title, year=2000)
    return author


@wrong("05.1", "enter it with `async with`")
async def _add_with_sync_transaction(name, titles):
    with in_transaction():
        await Author.create(name=name)


@wrong("05.1", "with the valid titles")
async def _add_writes_nothing(name, titles):
    raise IntegrityError("duplicate")


@wrong("05.1", "event loop was frozen")
async def _add_blocking(name, titles):
    time.sleep(0.2)
    return await _add_without_transaction(name, titles)


@wrong("05.1", "never awaited")
async def _add_forgets_await_on_books(name, titles):
    async with in_transaction():
        author = await Author.create(name=name)
        for title in titles:
            Book.create(author=author, title=title, year=2000)
    return author


@wrong("05.1", "`@atomic()`")
@atomic
async def _add_atomic_without_parentheses(name, titles):
    return await _add_without_transaction(name, titles)


@wrong("05.1", "instead of `await`-ing it")
async def _add_awaits_the_transaction(name, titles):
    await in_transaction()


@wrong("05.2", "the N+1 trap")
async def _counts_n_plus_1():
    return {author.name: await author.books.all().count() for author in await Author.all()}


@wrong("05.2", "should be a number")
async def _counts_books_not_numbers():
    authors = await Author.all().prefetch_related("books")
    return {author.name: list(author.books) for author in authors}


@wrong("05.2", "expected {")
async def _counts_wrong_numbers():
    return {author.name: 1 for author in await Author.all()}


@wrong("05.2", "still to be awaited")
async def _counts_returns_queryset():
    return Author.all()


@wrong("05.2", "QuerySet")
async def _counts_forgets_await():
    authors = Author.all().prefetch_related("books")
    return {author.name: len(author.books) for author in authors}


@wrong("05.2", "returned None")
async def _counts_returns_nothing():
    await Author.all().prefetch_related("books")


@wrong("05.2", "at most two are needed")
async def _counts_three_queries():
    authors = await Author.all().prefetch_related("books")
    await Author.all().count()
    await Book.all().count()
    return {author.name: len(author.books) for author in authors}


@wrong("05.2", "still to be awaited")
async def _counts_forgets_await_on_count():
    return {author.name: author.books.all().count() for author in await Author.all()}


@wrong("05.2", "whole number")
async def _counts_floats():
    authors = await Author.all().prefetch_related("books")
    return {author.name: float(len(author.books)) for author in authors}


@wrong("05.2", "runs only when awaited")
async def _counts_loops_over_a_queryset():
    authors = Author.all()
    return {authors[0].name: 0}


@wrong("05.2", "cannot find that field or relation")
async def _counts_wrong_relation():
    authors = await Author.annotate(n=Count("book"))
    return {author.name: author.n for author in authors}


@pytest.mark.parametrize("answer", [_add_naming_the_connection, _add_reraising_another_error])
async def test_05_1_accepts_other_correct_answers(answer):
    await assert_passes("05.1", answer)


def test_every_exercise_has_at_least_three_wrong_answers():
    counts = wrong.count()
    assert counts and all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), wrong.cases)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    await assert_hint(exercise_id, answer, hint)
