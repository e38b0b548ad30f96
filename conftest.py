"""Test-session set-up shared by the unit tests and the notebooks run by nbval.

Set before any kernel starts, so notebook kernels inherit it: exercise progress goes to a
temporary file (never the learner's), and matplotlib draws without a screen.
"""

import os
import tempfile
from pathlib import Path

import pytest

_scratch = tempfile.mkdtemp(prefix="course-tests-")
os.environ["COURSE_PROGRESS_FILE"] = str(Path(_scratch) / "progress.json")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (`@pytest.mark.anyio`) run on asyncio, the loop uvicorn and Jupyter use."""
    return "asyncio"


@pytest.fixture
def progress_file(tmp_path, monkeypatch) -> Path:
    """A fresh, empty progress file for one test."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    return path
