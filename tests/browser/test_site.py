"""The static site (`make site`) in a real browser: pages, links, search, navigation.

Served from site/_build/html by a plain HTTP server on 127.0.0.1. Needs `make site` first
(`make test-browser` runs it).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

COURSE_ROOT = Path(__file__).resolve().parents[2]
SITE = COURSE_ROOT / "site" / "_build" / "html"


def site_order() -> list[str]:
    """The pages' order that site/conf.py gives: README, every lesson, TROUBLESHOOTING."""
    spec = importlib.util.spec_from_file_location("site_conf", COURSE_ROOT / "site" / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return ["README", *conf.lesson_documents(), "TROUBLESHOOTING"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    """The site's address on a local HTTP server, stopped at the end of the session."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"no site in {SITE}: run `make site` first (`make test-browser` does)")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def pages() -> list[str]:
    return sorted(str(path.relative_to(SITE)) for path in SITE.rglob("*.html")
                  if "_static" not in path.parts and "_sources" not in path.parts
                  and path.name != "index.html")  # index.html only redirects to README.html


def test_the_site_has_every_lesson_in_the_lesson_list_order():
    order = site_order()
    assert order[1] == "notebooks/00_start_here"
    for name in order:
        assert (SITE / f"{name}.html").exists(), f"{name} is missing from the site"


def check_link(href: str, page_url: str, site_url: str, ids_of) -> str | None:
    """What is wrong with one link on a page (None when it is fine)."""
    parts = urlsplit(href)
    if parts.scheme in ("http", "https") and parts.hostname != "127.0.0.1":
        ok = bool(parts.hostname) and "." in parts.hostname and " " not in href
        return None if ok else f"malformed external link {href!r}"
    if parts.scheme == "mailto":
        return None
    if parts.scheme and parts.scheme not in ("http", "https"):
        return f"unexpected link {href!r}"
    target = urlsplit(urljoin(page_url, href))
    if not target.path.startswith(urlsplit(site_url).path):
        return f"link leaves the site: {href!r}"
    path = SITE / unquote(target.path[len(urlsplit(site_url).path):])
    if path.is_dir():
        path = path / "index.html"
    if not path.exists():
        return f"broken link {href!r}: no {path.relative_to(SITE)}"
    if target.fragment and path.suffix == ".html" and unquote(target.fragment) not in ids_of(path):
        return f"broken link {href!r}: no #{target.fragment} in {path.relative_to(SITE)}"
    return None


@functools.cache
def _ids(path: Path) -> frozenset[str]:
    return frozenset(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", pages())
def test_page_loads_cleanly_and_its_links_resolve(watched, site_url, page):
    url = site_url + page
    response = watched.page.goto(url, wait_until="load")
    assert response.ok, f"{page}: HTTP {response.status}"
    broken_images = watched.page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.src)")
    assert broken_images == [], f"{page}: broken images {broken_images}"
    hrefs = watched.page.evaluate(
        "Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    problems = [problem for href in hrefs
                if (problem := check_link(href, url, site_url, _ids)) is not None]
    assert problems == [], f"{page}: {problems}"
    assert watched.console_errors == [], f"{page}: {watched.console_errors}"


def test_search_for_gather_finds_lesson_07(watched, site_url, screenshots):
    watched.page.goto(site_url + "search.html?q=gather")
    results = watched.page.locator("#search-results a[href*='07_asyncio_gather']")
    results.first.wait_for(timeout=30_000)
    assert "asyncio.gather" in results.first.inner_text()
    assert watched.console_errors == []


def test_next_links_follow_the_lesson_list_from_first_to_last(watched, site_url):
    order = site_order()
    watched.page.goto(site_url + "index.html")
    watched.page.wait_for_url("**/README.html")
    visited = []
    while True:
        visited.append(urlsplit(watched.page.url).path.removeprefix(
            urlsplit(site_url).path).removesuffix(".html"))
        following = watched.page.locator("a.right-next")
        if following.count() == 0 or len(visited) > len(order):
            break
        following.first.click()
        watched.page.wait_for_load_state("load")
    assert visited == order
    # ... and the sidebar lists them in that order too.
    watched.page.goto(site_url + "README.html")
    sidebar = watched.page.evaluate(
        "Array.from(document.querySelectorAll('.bd-sidebar-primary nav a.reference'))"
        ".map(a => a.getAttribute('href'))")
    assert [href.removesuffix(".html").lstrip("./") or "README" for href in sidebar
            if href.startswith(("notebooks/", "TROUBLESHOOTING"))] == order[1:]


def test_lesson_07_looks_like_a_lesson(watched, site_url, screenshots):
    """Screenshot: lesson 07 on the site, with its first timeline picture in view."""
    watched.page.goto(site_url + "notebooks/07_asyncio_gather.html")
    assert watched.page.locator("h1").first.inner_text().startswith("07")
    picture = watched.page.locator("article img").first
    picture.scroll_into_view_if_needed()
    assert watched.page.evaluate("img => img.naturalWidth", picture.element_handle()) > 100
    watched.page.screenshot(path=screenshots / "site_lesson_07.png")
    assert watched.console_errors == []


def test_lesson_01s_slider_cell_shows_its_stored_picture(watched, site_url):
    """The interactive cell of lesson 01 degrades to the timeline it drew first."""
    watched.page.goto(site_url + "notebooks/01_what_is_async.html")
    picture = watched.page.locator("section#try-it-a-slider-and-a-toggle .cell_output img")
    picture.scroll_into_view_if_needed()
    assert watched.page.evaluate("img => img.naturalWidth", picture.element_handle()) > 100
    assert watched.console_errors == []
