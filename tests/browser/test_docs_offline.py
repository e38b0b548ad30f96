"""A lesson app served by `python -m course_app serve`: /docs and /redoc render offline."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

APP = "course_app.lessons.l02_async_routes:menu_app"


@pytest.fixture
def served_app():
    """`python -m course_app serve APP` on a free port; its base URL; stopped afterwards."""
    process = subprocess.Popen([sys.executable, "-m", "course_app", "serve", APP],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith(f"Serving {APP}: open http://127.0.0.1:"), first
        docs = first.split("open ")[1].split()[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(docs)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield docs.removesuffix("/docs")
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()


def test_swagger_ui_and_redoc_render_with_no_request_off_the_machine(watched, served_app):
    page = watched.page
    page.goto(served_app + "/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for(timeout=30_000)
    assert title.inner_text().startswith("Café menu")
    operations = page.locator(".swagger-ui .opblock")
    operations.first.wait_for()
    assert operations.count() >= 1, "Swagger UI lists the app's path operations"
    page.goto(served_app + "/redoc")
    page.locator("redoc [role=menuitem], .redoc-wrap").first.wait_for(timeout=30_000)
    assert watched.console_errors == []
