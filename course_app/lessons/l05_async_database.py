"""Lesson 05's library API: authors and their books, over Tortoise ORM, on SQLite or PostgreSQL.

`library_app` is a small CRUD API over `course_app.database`'s authors and books: `async def`
path operations that await each query, pydantic models in and out, and a clear answer for bad
input (404 unknown id, 422 invalid body, 409 duplicate name or title). The database URL comes
from the `database_settings` dependency, so the same app runs on PostgreSQL unchanged.

It lives here, not in the notebook, because it is served in a child process
(`python -m course_app serve course_app.lessons.l05_async_database:library_app`) and lesson 11
tests it. The lesson's other code (queries, `gather`, transactions, N+1) is in the notebook.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from tortoise.exceptions import IntegrityError

from course_app.database import (
    Author,
    Book,
    DatabaseSettings,
    database_lifespan,
    database_settings,
)

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


authors = APIRouter()
"""The library's path operations; `build_library_app` puts them in an app."""


@authors.post("/authors", status_code=201, response_model=AuthorOut)
async def create_author(body: AuthorIn):
    try:
        return await Author.create(name=body.name)
    except IntegrityError:  # the unique name: a 409 with a message, not a 500
        raise HTTPException(409, f"an author named {body.name!r} already exists") from None


@authors.get("/authors", response_model=list[AuthorWithBooks])
async def list_authors():
    return await Author.all().prefetch_related("books")  # two queries (section 5.6)


@authors.get("/authors/{author_id}", response_model=AuthorWithBooks)
async def read_author(author: FoundAuthor):
    await author.fetch_related("books")
    return author


@authors.put("/authors/{author_id}", response_model=AuthorOut)
async def rename_author(author: FoundAuthor, body: AuthorIn):
    author.name = body.name
    try:
        await author.save(update_fields=["name"])
    except IntegrityError:
        raise HTTPException(409, f"an author named {body.name!r} already exists") from None
    return author


@authors.delete("/authors/{author_id}", status_code=204)
async def delete_author(author: FoundAuthor):
    await author.delete()  # the books go too: on_delete=CASCADE


@authors.post("/authors/{author_id}/books", status_code=201, response_model=BookOut)
async def add_book(author: FoundAuthor, body: BookIn):
    try:
        return await Book.create(author=author, title=body.title, year=body.year)
    except IntegrityError:
        raise HTTPException(
            409, f"{author.name} already has a book titled {body.title!r}") from None


@authors.get("/database")
async def which_database(settings: Annotated[DatabaseSettings, Depends(database_settings)]):
    return {"engine": settings.engine.rsplit(".", 1)[-1]}


def build_library_app(lifespan=database_lifespan) -> FastAPI:
    """The lesson's CRUD API over authors and books (the `authors` router).

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
    app.include_router(authors)
    return app


library_app = build_library_app()
"""The lesson app. To serve it:
`python -m course_app serve course_app.lessons.l05_async_database:library_app`
(set `COURSE_DATABASE_URL` to a file or PostgreSQL URL first: in memory, nothing is kept)."""
