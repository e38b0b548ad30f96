"""Lesson 12, the capstone: what the travel dashboard needs importable, and nothing more.

The dashboard itself (its lifespan, upstream calls, `asyncio.gather`, path operations, cache) is
written in the notebook, `notebooks/12_capstone.ipynb`, one step per cell. Three things cannot
live there:

- `Snapshot`, the Tortoise model: Tortoise finds models by module name;
- the ranking function a process pool runs (`course_app.lessons.l12_ranking`);
- a way for the capstone's tests, which pytest runs in another process, to get the app: they
  load the notebook's `# Set-up` cells into a module (`notebook_module`), so the tests check
  the very code the notebook shows, and there is no second copy to drift from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI, HTTPException
from tortoise import fields
from tortoise.models import Model

from course_app.paths import COURSE_ROOT, NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "12_capstone.ipynb"
"""The capstone's notebook, where the dashboard is assembled."""

TEST_FOLDER = COURSE_ROOT / "tests" / "lessons" / "l12"
"""Where the capstone's own tests live."""

MODELS = ["course_app.lessons.l12_capstone"]
"""The Tortoise modules of the capstone's database (its one model, `Snapshot`)."""

CAPSTONE_DATABASE = "course-postgres/capstone"
"""The capstone's database by default: `capstone` on the course's own PostgreSQL server
(`course_app.database.resolve_database_url`)."""

SET_UP_MARK = "# Set-up"


class Snapshot(Model):
    """One dashboard as it was built: the city, the currency, and the whole answer."""

    id = fields.IntField(primary_key=True)
    city = fields.CharField(max_length=60, db_index=True)
    currency = fields.CharField(max_length=3)
    dashboard = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)


def broken_service(status: int = 503) -> FastAPI:
    """A fake upstream service that answers every request with `status` and a reason."""
    app = FastAPI()

    @app.get("/{path:path}")
    async def fail(path: str) -> None:
        raise HTTPException(status, f"the service is down ({status})")

    return app


def notebook_module(path: Path = NOTEBOOK, name: str = "capstone_notebook") -> ModuleType:
    """The dashboard as the notebook builds it: the notebook's `# Set-up` code cells, as saved
    on disk, run in order in a fresh module called `name`.

    The module has every name those cells define (`app`, `lifespan`, `fetch_section`, ...). It
    reads the saved file: after editing the notebook, save it before running the tests.

    Raises:
        SyntaxError: when a set-up cell is not plain Python (a set-up cell must not `await`).
        Whatever a set-up cell raises.
    """
    # A notebook file is JSON (nbformat 4: a cell's source is a string or a list of lines).
    # Read as plain JSON: importing nbformat costs about 1.5 s here (jsonschema compiles its
    # IRI grammars on import, python-jsonschema/jsonschema#1428), in every test run of 12.9.
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    module = ModuleType(name, f"the `# Set-up` cells of {path.name}")
    module.__file__ = str(path)
    sys.modules[name] = module  # dataclasses and pickling look classes' modules up by name
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.startswith(SET_UP_MARK):
            exec(compile(source, f"<{path.name}, cell {index}>", "exec"), module.__dict__)
    return module
