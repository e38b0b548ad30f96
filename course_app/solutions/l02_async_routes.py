"""Reference solutions for lesson 02."""

from contextlib import asynccontextmanager

from fastapi import FastAPI


def build_double_app() -> FastAPI:
    """02.1: the answer is the app this returns."""
    double_app = FastAPI()

    @double_app.get("/double/{number}")
    async def double(number: int) -> dict[str, int]:
        return {"result": 2 * number}

    return double_app


@asynccontextmanager
async def lifespan(app: FastAPI):
    """02.2: load the specials once at start-up; requests read `request.state.specials`."""
    specials = ["pumpkin latte", "chai"]
    yield {"specials": specials}
    specials.clear()
