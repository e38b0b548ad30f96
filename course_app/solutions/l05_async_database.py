"""Reference solutions for lesson 05."""

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from course_app.database import Author, Book


async def add_author_with_books_safely(name: str, titles: list[str]) -> Author:
    """05.1: every step inside one transaction; a failing step rolls back the ones before it."""
    async with in_transaction():
        author = await Author.create(name=name)
        for title in titles:
            await Book.create(author=author, title=title, year=2000)
    return author


async def book_counts() -> dict[str, int]:
    """05.2: one query; the database counts (`prefetch_related("books")` would be two)."""
    authors = await Author.annotate(books_written=Count("books")).order_by("id")
    return {author.name: author.books_written for author in authors}
