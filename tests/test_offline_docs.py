"""`course_app.offline_docs`: a lesson app's /docs and /redoc with no script from another host."""

import re

import httpx
import pytest
from fastapi import FastAPI

from course_app.offline_docs import ASSETS_URL, with_offline_docs

pytestmark = pytest.mark.anyio


def make_app() -> FastAPI:
    app = FastAPI(title="Menu")

    @app.get("/dishes")
    async def dishes() -> list[str]:
        return ["soup"]

    return app


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=with_offline_docs(app)),
                             base_url="http://testserver")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_every_asset_from_the_app_itself(page):
    async with client(make_app()) as http:
        response = await http.get(page)
        assert response.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert assets, "the page names its script and style"
        for asset in assets:
            assert asset.startswith(ASSETS_URL + "/"), f"{page} loads {asset} from elsewhere"
            loaded = await http.get(asset)
            assert loaded.status_code == 200 and len(loaded.content) > 1000, asset
            assert "https://cdn" not in loaded.text, f"{asset} loads something from a CDN"
        assert "fonts.googleapis" not in response.text and "cdn." not in response.text


async def test_every_other_request_reaches_the_app():
    async with client(make_app()) as http:
        assert (await http.get("/dishes")).json() == ["soup"]
        assert (await http.get("/openapi.json")).json()["info"]["title"] == "Menu"
        assert (await http.get("/nope")).status_code == 404


async def test_a_page_switched_off_stays_off():
    async with client(FastAPI(docs_url=None)) as http:
        assert (await http.get("/docs")).status_code == 404
        assert (await http.get("/redoc")).status_code == 200


def test_an_app_that_is_not_fastapi_is_served_unchanged():
    async def bare_app(scope, receive, send):
        pass

    assert with_offline_docs(bare_app) is bare_app
