"""Sphinx configuration of the course's static site (`make site`).

The site is built from the repository itself: README.md is the landing page, then every lesson
notebook with its stored outputs (nothing is executed), then TROUBLESHOOTING.md. The lesson order
comes from `course_app/lesson_list.py`; a notebook in `notebooks/` that the list does not name yet
follows the listed ones, by file name. Nothing on a page is loaded from another host: MathJax,
require.js and widget scripts are left out (no lesson needs them), and the theme ships its fonts.

    sphinx-build -c site . site/_build/html     # what `make site` runs, from the course's root
"""

from __future__ import annotations

import posixpath
import sys
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE_ROOT))

from course_app.lesson_list import LESSONS  # noqa: E402

# The only sources: README.md, TROUBLESHOOTING.md and the notebooks. Every other top-level entry
# is excluded, so that Sphinx does not walk .venv or the build folder.
SOURCES = {"README.md", "TROUBLESHOOTING.md", "notebooks"}


def lesson_documents(root: Path = COURSE_ROOT) -> list[str]:
    """The lesson notebooks' document names ("notebooks/00_start_here"), in the site's order.

    First the lessons of `course_app.lesson_list.LESSONS` whose notebook exists, in that order,
    then any other `notebooks/NN_*.ipynb`, by file name.
    """
    present = {path.stem for path in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    listed = [Path(lesson.notebook).stem for lesson in LESSONS]
    ordered = [stem for stem in listed if stem in present]
    ordered += sorted(present - set(ordered))
    return [f"notebooks/{stem}" for stem in ordered]


project = "Async FastAPI, by running it"
author = "the course's authors"
root_doc = "README"
extensions = ["myst_nb"]
exclude_patterns = sorted(
    entry.name for entry in COURSE_ROOT.iterdir() if entry.name not in SOURCES
) + ["notebooks/.ipynb_checkpoints", "**/.ipynb_checkpoints"]

# Notebooks: the stored outputs, never executed.
nb_execution_mode = "off"
# No widget scripts (require.js and the widget manager come from a CDN otherwise), and no widget
# views: lesson 01's slider cell stores the picture it drew first, which the page shows instead.
nb_ipywidgets_js: dict = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
# `[text](../TROUBLESHOOTING.md#some-heading)` resolves to the heading's anchor.
myst_heading_anchors = 3
# Lessons link public reports (github.com issues); those are plain external links.
suppress_warnings = ["myst.header"]

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
# Light/dark follows the reader's system; without a default the theme logs a console error.
html_context = {"default_mode": "auto"}
html_show_sourcelink = False
html_copy_source = False


def _add_table_of_contents(app, docname: str, source: list[str]) -> None:
    """Append a hidden toctree (every lesson, then TROUBLESHOOTING) to the landing page.

    README.md stays plain Markdown for GitHub; the site's navigation comes from here.
    """
    if docname != root_doc:
        return
    entries = "\n".join([*lesson_documents(), "TROUBLESHOOTING"])
    source[0] += f"\n\n```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{entries}\n```\n"


def _link_outputs_to_pages(app, doctree, docname: str) -> None:
    """Point the links in the notebooks' Markdown outputs (`show_next_lesson`, the lesson map),
    which name files such as `01_what_is_async.ipynb`, at the pages made from those files.

    Links in Markdown cells are resolved by MyST already; output links are left as written.
    """
    from docutils import nodes

    folder = posixpath.dirname(docname)
    for reference in doctree.findall(nodes.reference):
        uri = reference.get("refuri", "")
        path, _, anchor = uri.partition("#")
        if "://" in uri or not path.endswith((".ipynb", ".md")):
            continue
        target = posixpath.normpath(posixpath.join(folder, posixpath.splitext(path)[0]))
        if target in app.env.found_docs:
            page = app.builder.get_relative_uri(docname, target)
            reference["refuri"] = f"{page}#{anchor}" if anchor else page


def _write_index(app, exception) -> None:
    """index.html: opens the landing page (README.html), so the folder opens like a site."""
    if exception is None and app.builder.format == "html":
        target = f"{root_doc}.html"
        (Path(app.outdir) / "index.html").write_text(
            f'<!DOCTYPE html>\n<meta charset="utf-8">\n<title>{project}</title>\n'
            f'<meta http-equiv="refresh" content="0; url={target}">\n'
            f'<p><a href="{target}">{project}</a></p>\n', encoding="utf-8")


def setup(app):
    app.connect("source-read", _add_table_of_contents)
    app.connect("doctree-resolved", _link_outputs_to_pages)
    app.connect("build-finished", _write_index)
