"""Create or update the course's virtual environment: what `make setup`, `make lab` and
`make test` run first.

    python3 tools/environment.py --venv .venv            # requirements.txt (what `make lab` needs)
    python3 tools/environment.py --venv .venv --test     # requirements.txt + requirements-test.txt

The environment holds exactly the pinned packages (uv's `uv pip sync`: nothing missing, nothing
left over), installed by the Python that runs this script. A stamp file in the environment
(`.course-environment.json`) records that interpreter and a hash of each requirements file; when
both still match, nothing is done (a few milliseconds). A venv built by another Python, or by an
older version of this script, is deleted and built again. An environment set up for the tests
also serves `make lab` (it is the same environment with the test tools added).

uv (https://docs.astral.sh/uv/) comes from the `uv` on PATH, or is installed from PyPI into
`.cache/uv-bootstrap` (with this Python's pip, or in a small venv of its own). It never downloads
a Python (`UV_PYTHON_DOWNLOADS=never`). When uv cannot be had, pip builds the environment, as
the course did before: slower (a minute or two), same packages.

Bytecode: no environment is compiled when it is built (`uv pip sync --compile-bytecode` would
take 25-26 s of a 30 s build, for every module, where a test run imports a fraction of them).
Python writes a module's bytecode on its first import and reuses it; the Makefile unexports
`PYTHONDONTWRITEBYTECODE` (common in containers), without which every process would compile
every module it imports, every time (a kernel start takes about a second longer). `ensure`'s
`bytecode=True` still compiles everything, for an environment that will be read-only.

With `--test` it also installs httpx2 (the maintained fork of httpx, `requirements-httpx2.txt`)
into a folder of its own inside the environment, `httpx2-overlay/`, which is never on the
environment's path: installed there, Starlette's `TestClient` would use it and the warning
lesson 11 shows would vanish. `tests/test_httpx2_stand_in.py` puts it on a child interpreter's
path and runs the course client's tests with httpx2 standing in for httpx.

It prints what it did and how long it took. Runs on the standard library alone, and refuses a
Python older than 3.11 with a message.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_REQUIREMENTS = "requirements.txt"
TEST_REQUIREMENTS = "requirements-test.txt"
HTTPX2_REQUIREMENTS = "requirements-httpx2.txt"
HTTPX2_OVERLAY = "httpx2-overlay"
"""The folder, inside the environment, that holds httpx2 and is never on its path."""
STAMP_NAME = ".course-environment.json"
UV_PIN = "uv==0.13.9"
"""The uv installed into the bootstrap folder when none is on PATH."""
UV_MINIMUM = (0, 6, 0)
"""An older uv on PATH is passed over (the bootstrap one is used instead)."""
UV_BOOTSTRAP = ROOT / ".cache" / "uv-bootstrap"
MINIMUM_PYTHON = (3, 11)


def interpreter() -> dict[str, str]:
    """The Python running this script, as the stamp records it: its real path and version."""
    return {"executable": os.path.realpath(sys.executable),
            "implementation": sys.implementation.name,
            "version": platform.python_version()}


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wanted(requirements: list[Path], bytecode: bool) -> dict:
    """What the stamp of an up-to-date environment holds for these requirements files."""
    return {"python": interpreter(),
            "requirements": {path.name: file_hash(path) for path in requirements},
            "bytecode": bytecode}


def read_stamp(venv: Path) -> dict | None:
    try:
        return json.loads((venv / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(venv: Path, requirements: list[Path], bytecode: bool) -> bool:
    """True when `venv` was built by this Python and holds these requirements files, unchanged,
    compiled to bytecode if `bytecode`.

    A stamp that also lists other files (the test tools) still counts: the environment is a
    superset, made from pinned files only."""
    stamp = read_stamp(venv)
    if stamp is None or not venv_python(venv).exists():
        return False
    want = wanted(requirements, bytecode)
    return (stamp.get("python") == want["python"]
            and stamp.get("bytecode", False) >= bytecode
            and all(stamp.get("requirements", {}).get(name) == digest
                    for name, digest in want["requirements"].items()))


def built_by_this_python(venv: Path) -> bool:
    stamp = read_stamp(venv)
    return (stamp is not None and stamp.get("python") == interpreter()
            and venv_python(venv).exists())


def _version_of(uv: str) -> tuple[int, ...] | None:
    try:
        done = subprocess.run([uv, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", done.stdout)
    return tuple(map(int, found.groups())) if done.returncode == 0 and found else None


def _bootstrapped_uv() -> Path:
    return UV_BOOTSTRAP / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")


def find_uv(install: bool = True) -> str | None:
    """A usable uv: the one on PATH (if not older than `UV_MINIMUM`), else the one in
    `.cache/uv-bootstrap`, installed there from PyPI first when `install` is true.
    Returns its path, or None when none can be had."""
    on_path = shutil.which("uv")
    if on_path and (_version_of(on_path) or (0,)) >= UV_MINIMUM:
        return on_path
    bootstrapped = _bootstrapped_uv()
    if bootstrapped.exists() and _version_of(str(bootstrapped)):
        return str(bootstrapped)
    if not install:
        return None
    print(f"installing {UV_PIN} into {UV_BOOTSTRAP.relative_to(ROOT)} (from PyPI)",
          file=sys.stderr, flush=True)
    shutil.rmtree(UV_BOOTSTRAP, ignore_errors=True)
    # With this Python's pip, into a folder (no environment is changed); without pip, in a
    # small venv of its own whose bin/ holds uv.
    pip_target = [sys.executable, "-m", "pip", "install", "--quiet",
                  "--disable-pip-version-check", "--target", str(UV_BOOTSTRAP), UV_PIN]
    if subprocess.run(pip_target).returncode == 0 and bootstrapped.exists():
        return str(bootstrapped)
    shutil.rmtree(UV_BOOTSTRAP, ignore_errors=True)
    if subprocess.run([sys.executable, "-m", "venv", str(UV_BOOTSTRAP)]).returncode == 0:
        pip = [str(venv_python(UV_BOOTSTRAP)), "-m", "pip", "install", "--quiet",
               "--disable-pip-version-check", UV_PIN]
        if subprocess.run(pip).returncode == 0 and bootstrapped.exists():
            return str(bootstrapped)
    shutil.rmtree(UV_BOOTSTRAP, ignore_errors=True)
    return None


def uv_environment() -> dict[str, str]:
    """The process environment for uv: never download a Python, never use a venv but ours."""
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}")


def build_with_uv(uv: str, venv: Path, requirements: list[Path], bytecode: bool) -> None:
    env = uv_environment()
    if not built_by_this_python(venv):
        shutil.rmtree(venv, ignore_errors=True)
        # --seed: pip in the environment, as a venv made by `python -m venv` has.
        _run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)], env)
    _run([uv, "pip", "sync", "--quiet", "--python", str(venv_python(venv)),
          *(["--compile-bytecode"] if bytecode else []), *map(str, requirements)], env)


def build_with_pip(venv: Path, requirements: list[Path]) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    _run([*pip, "--upgrade", "pip"])
    _run([*pip, *[part for path in requirements for part in ("-r", str(path))]])


def ensure(venv: Path, requirements: list[Path], bytecode: bool, use_uv: bool = True) -> str:
    """Bring `venv` to exactly `requirements`, compiled to bytecode if `bytecode` (pip always
    compiles); returns what was done, for one line of output."""
    if is_current(venv, requirements, bytecode):
        return "up to date"
    uv = find_uv() if use_uv else None
    (venv / STAMP_NAME).unlink(missing_ok=True)  # an interrupted build leaves no stamp
    if uv is None:
        print(f"building {venv.name} with pip"
              + ("" if not use_uv else " (uv could not be had)"), flush=True)
        build_with_pip(venv, requirements)
        installer = "pip"
    else:
        print(f"syncing {venv.name} to {', '.join(path.name for path in requirements)} "
              f"with uv", flush=True)
        build_with_uv(uv, venv, requirements, bytecode)
        installer = "uv"
    stamp = dict(wanted(requirements, bytecode or installer == "pip"), installer=installer)
    (venv / STAMP_NAME).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
    return f"built with {installer}"


def ensure_httpx2_overlay(venv: Path, use_uv: bool = True) -> str:
    """Install `requirements-httpx2.txt` (without dependencies: the environment has them) into
    `venv/httpx2-overlay`, unless the folder's stamp shows it is current; returns what was done."""
    target = venv / HTTPX2_OVERLAY
    requirements = ROOT / HTTPX2_REQUIREMENTS
    stamp = target / ".stamp"
    wanted_hash = file_hash(requirements)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted_hash:
        return "up to date"
    shutil.rmtree(target, ignore_errors=True)
    uv = find_uv() if use_uv else None
    if uv is not None:
        _run([uv, "pip", "install", "--quiet", "--no-deps", "--python", str(venv_python(venv)),
              "--target", str(target), "-r", str(requirements)], uv_environment())
    else:
        _run([str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--no-deps",
              "--disable-pip-version-check", "--target", str(target), "-r", str(requirements)])
    stamp.write_text(wanted_hash, encoding="utf-8")
    return "installed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--test", action="store_true",
                        help=f"add the test tools ({TEST_REQUIREMENTS})")
    parser.add_argument("--pip", action="store_true", help="build with pip, not uv")
    parser.add_argument("--uv-path", action="store_true",
                        help="print the path of a usable uv (installing it if needed) and exit")
    args = parser.parse_args(argv)
    if sys.version_info < MINIMUM_PYTHON:
        return (f"Python {'.'.join(map(str, MINIMUM_PYTHON))} or newer is needed, found "
                f"{platform.python_version()} ({sys.executable}); "
                "choose another with `make ... PYTHON=python3.12`")
    if args.uv_path:
        uv = find_uv()
        if uv is None:
            return "uv could not be installed"
        print(uv)
        return 0
    requirements = [ROOT / BASE_REQUIREMENTS] + ([ROOT / TEST_REQUIREMENTS] if args.test else [])
    venv = args.venv if args.venv.is_absolute() else Path.cwd() / args.venv
    started = time.perf_counter()
    done = ensure(venv, requirements, bytecode=False, use_uv=not args.pip)
    if args.test:
        done += f"; httpx2 overlay {ensure_httpx2_overlay(venv, use_uv=not args.pip)}"
    print(f"environment {args.venv} ({platform.python_version()}): {done} "
          f"[{time.perf_counter() - started:.1f} s]", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
