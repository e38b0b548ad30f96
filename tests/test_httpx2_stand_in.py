"""httpx2, the maintained fork of httpx (same API, imported as `httpx2`), can stand in for httpx:
the course client's tests pass with it. It lives in `.venv/httpx2-overlay` (`make test` installs
it there, `tools/environment.py`), never on the environment's path, where Starlette's
`TestClient` would pick it up and lesson 11's warning would vanish."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_app.paths import COURSE_ROOT

OVERLAY = Path(sys.prefix) / "httpx2-overlay"

STAND_IN = """
import sys
sys.path.insert(0, sys.argv[1])
import httpx2
sys.modules["httpx"] = httpx2  # every `import httpx` from here on gets httpx2
import pytest
code = pytest.main(["-q", "-p", "no:cacheprovider", "tests/test_client.py",
                    "tests/test_client_against_uvicorn.py"])
import course_app.client
assert course_app.client.httpx is httpx2, course_app.client.httpx
print("course_app.client used", course_app.client.httpx.__name__, httpx2.__version__)
sys.exit(code)
"""


def test_httpx2_is_not_importable_in_the_learner_s_environment():
    assert importlib.util.find_spec("httpx2") is None, (
        "httpx2 is installed in the environment: Starlette's TestClient now uses it, and the "
        "warning lesson 11 shows is gone")


def test_the_course_client_s_tests_pass_with_httpx2_standing_in_for_httpx():
    if not (OVERLAY / "httpx2").is_dir():
        message = f"no httpx2 in {OVERLAY}: `make setup-test` installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run([sys.executable, "-c", STAND_IN, str(OVERLAY)], cwd=COURSE_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "course_app.client used httpx2" in done.stdout
    assert " passed" in done.stdout and " failed" not in done.stdout
