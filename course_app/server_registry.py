"""Which course servers run: a record kept so the test session can find servers left running.

Every `course_app.server.Server` writes a small JSON file in the run folder while it runs
(`server-PORT.json` in `.course/run`, or `$COURSE_RUN_DIR`), and appends the same entry to
`history.jsonl` there when it starts. Nothing in the lessons reads them: the test session does
(conftest.py), and fails when a server is still registered, a port from the history still
listens, or a child-process server from the history still runs. A server of another kind
(a database, a cache) that the course starts records itself here too, with its own `mode`.

An entry: `{"pid": int, "port": int, "mode": "thread" | "task" | "process" | ..., "app": str,
"started": time.time()}`.
"""

from __future__ import annotations

import json

from course_app.paths import run_dir

HISTORY_FILE = "history.jsonl"


def record_start(entry: dict) -> None:
    """Register a server that now runs (see the module docstring for `entry`'s keys)."""
    folder = run_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"server-{entry['port']}.json").write_text(json.dumps(entry), encoding="utf-8")
    with open(folder / HISTORY_FILE, "a", encoding="utf-8") as history:
        history.write(json.dumps(entry) + "\n")


def record_stop(port: int) -> None:
    """Unregister the server on `port` (its history line stays)."""
    (run_dir() / f"server-{port}.json").unlink(missing_ok=True)


def registered_servers() -> list[dict]:
    """The course servers registered as running: dicts with pid, port, mode, app, started."""
    entries = []
    for path in sorted(run_dir().glob("server-*.json")):
        try:
            entries.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a file being written or removed right now
    return entries


def server_history() -> list[dict]:
    """Every course server started with this run folder, oldest first (from `history.jsonl`)."""
    try:
        lines = (run_dir() / HISTORY_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def is_still_running(entry: dict) -> bool:
    """Whether the process a registry entry (a dict with pid and started, in seconds since the
    epoch) names still runs, and is the one registered rather than a later process that got
    the same pid. A kernel killed with its thread-mode server leaves the server's entry behind,
    but the server died with the kernel: that is no leftover. Malformed entries give False."""
    import psutil

    try:
        return psutil.Process(entry["pid"]).create_time() <= entry.get("started", 0) + 1
    except (psutil.Error, KeyError, TypeError):
        return False
