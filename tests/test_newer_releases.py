"""`.ci/newer_releases.py`, the first report of `make test-latest`."""

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from course_app import paths

SCRIPT = paths.COURSE_ROOT / ".ci" / "newer_releases.py"


def _report(requirements: Path) -> str:
    result = subprocess.run([sys.executable, str(SCRIPT), str(requirements)],
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def test_lists_each_package_whose_installed_version_differs_from_its_pin(tmp_path):
    httpx, anyio = metadata.version("httpx"), metadata.version("anyio")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"httpx==0.0.1\n    # via fastapi\nanyio=={anyio}\n"
                            "no-such-package==1.0\n")
    out = _report(requirements)
    assert out.splitlines()[0] == "1 of 3 pinned packages have a newer (or other) release:"
    assert f"httpx                                   0.0.1 -> {httpx}" in out
    assert "anyio " not in out.split("installed but not pinned")[0]
    assert "pinned but no longer needed: no-such-package" in out


def test_says_so_when_every_pin_is_installed(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"httpx=={metadata.version('httpx')}\n")
    assert _report(requirements).splitlines()[0] == (
        "0 of 1 pinned packages have a newer (or other) release.")
