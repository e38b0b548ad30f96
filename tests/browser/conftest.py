"""Fixtures of the real-browser tests: the system's Chromium, driven by Playwright, kept offline.

The browser is Debian's `chromium` (or the one `COURSE_CHROMIUM` names); Playwright never
downloads one. Without a browser the tests skip and say why; with `CI=true` they fail instead.
They run under `make test-browser` (which builds the site first and sets `COURSE_BROWSER_TESTS=1`);
in a plain `make test` run they skip.

Every request a page makes that is not to 127.0.0.1 (or a `file:`/`data:`/`blob:` URL) is
aborted and recorded, and the test that made it fails; the browser's own name resolution maps
every other host to nothing, so not even a background request leaves the machine.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

COURSE_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser",
                       "google-chrome", "google-chrome-stable")
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-error"}


def chromium_path() -> str | None:
    """The Chromium to drive: `COURSE_CHROMIUM`, else the first of CHROMIUM_CANDIDATES found."""
    if os.environ.get("COURSE_CHROMIUM"):
        named = os.environ["COURSE_CHROMIUM"]
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    return None


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: 127.0.0.1, or a URL that is not fetched."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run here)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _only_under_make_test_browser():
    """Every test here needs the built site or a browser: `make test-browser` builds the site
    first and sets COURSE_BROWSER_TESTS=1; elsewhere (a plain `make test`) they skip."""
    if os.environ.get("COURSE_BROWSER_TESTS") != "1":
        pytest.skip("the browser tests run with `make test-browser` (COURSE_BROWSER_TESTS=1)")


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Playwright's sync API), closed at the end of the session."""
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found (install Debian's `chromium`, or set COURSE_CHROMIUM "
                     "to a Chromium or Chrome executable)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: run `make setup-test`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"],
        )
        yield chromium
        chromium.close()


class Watched:
    """A page, with what went wrong on it: console errors, page errors, blocked requests."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.blocked: list[str] = []
        page.on("console", lambda message: message.type == "error"
                and self.console_errors.append(f"{message.text} ({message.location})"))
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))

    def check_offline(self) -> None:
        assert not self.blocked, f"the page tried to leave the machine: {self.blocked}"


@pytest.fixture
def watched(browser):
    """A new page in a new browser context; the test fails if it tried to reach another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watched = Watched(page)

    def route(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            watched.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    yield watched
    context.close()
    watched.check_offline()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """tests/browser/screenshots/ (ignored by git): what the tests saw, for anyone to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
