"""Lesson 05.1: the source text's item API, served by uvicorn in a child process.

`on_event_app` opens its database the source text's way, in `@app.on_event("startup")`;
`lifespan_app` opens it in a lifespan with Tortoise's `RegisterTortoise`. Both list this
module's models under the name uvicorn imports it by (`__name__`), so Tortoise finds the very
`Item` class the path operations use. Serve one with
`python -m course_app serve course_app.lessons.l05_items:lifespan_app`.
"""

from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from tortoise import Tortoise, fields
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.models import Model

DB_URL = "sqlite://:memory:"
MODELS = {"models": [__name__]}  # this module, under the name it was imported by


class Item(Model):
    id = fields.IntField(primary_key=True)  # the source text writes pk=True (deprecated)
    name = fields.CharField(max_length=255)


items = APIRouter()


@items.post("/items/", status_code=201)
async def create_item(name: str) -> dict:
    item = await Item.create(name=name)
    return {"id": item.id, "name": item.name}


@items.get("/items/")
async def list_items() -> list[dict]:
    return await Item.all().values("id", "name")


# --- the source text's way: a start-up event ------------------------------------------------

on_event_app = FastAPI(title="Items, opened in on_event")
on_event_app.include_router(items)


@on_event_app.on_event("startup")
async def startup() -> None:
    await Tortoise.init(db_url=DB_URL, modules=MODELS)
    await Tortoise.generate_schemas()


# --- today's way: a lifespan ----------------------------------------------------------------

@asynccontextmanager
async def lifespan(app: FastAPI):
    async with RegisterTortoise(app, db_url=DB_URL, modules=MODELS, generate_schemas=True):
        yield  # the database is open while the app serves; closed on shutdown


lifespan_app = FastAPI(title="Items, opened in a lifespan", lifespan=lifespan)
lifespan_app.include_router(items)
