"""Serve a FastAPI app's `/docs` (Swagger UI) and `/redoc` without the internet.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (`get_swagger_ui_html`'s default
`swagger_js_url` is on cdn.jsdelivr.net), so offline they stay blank. `python -m course_app serve`
wraps the app it serves with `with_offline_docs`: the same two pages, with the scripts, styles and
favicon that the `fastapi-offline` package ships (its `static/` folder), served by this wrapper.
Every other request, and the app's lifespan, goes to the app unchanged.

    uvicorn.run(with_offline_docs(app), host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

ASSETS_URL = "/_offline_docs"
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


class OfflineDocs:
    """An ASGI app: the wrapped app's docs pages from local files, everything else to the app.

    Args:
        app: a FastAPI app; its `docs_url`, `redoc_url` and `openapi_url` are kept (a page whose
            URL is None stays off).
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        routes = [Route(f"{ASSETS_URL}/redoc.standalone.js", self.redoc_script),
                  Mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="offline-docs")]
        if app.openapi_url and app.docs_url:
            routes.append(Route(app.docs_url, self.swagger_ui, include_in_schema=False))
        if app.openapi_url and app.redoc_url:
            routes.append(Route(app.redoc_url, self.redoc, include_in_schema=False))
        self.paths = {route.path for route in routes if isinstance(route, Route)}
        self.docs = Router(routes=routes)

    async def swagger_ui(self, request):
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{self.app.openapi_url}",
            title=f"{self.app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=self.app.swagger_ui_oauth2_redirect_url,
            swagger_ui_parameters=self.app.swagger_ui_parameters,
        )

    async def redoc(self, request):
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{self.app.openapi_url}",
            title=f"{self.app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    async def redoc_script(self, request):
        script = (ASSETS_DIR / "redoc.standalone.js").read_text(encoding="utf-8")
        root = request.scope.get("root_path", "")
        return Response(script.replace(REDOC_LOGO, f"{root}{ASSETS_URL}/favicon.png"),
                        media_type="text/javascript")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path in self.paths or path.startswith(ASSETS_URL + "/")):
            await self.docs(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def with_offline_docs(app: ASGIApp) -> ASGIApp:
    """`app` with its `/docs` and `/redoc` served offline; any other ASGI app is returned as is."""
    return OfflineDocs(app) if isinstance(app, FastAPI) else app
