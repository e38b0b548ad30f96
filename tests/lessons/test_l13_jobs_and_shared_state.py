"""Lesson 13 writes its client code, single-flight and idempotent job in the notebook; these tests
re-run its sections (with a number changed, as a learner would) and pin the importable apps and
jobs that its child processes serve and run (`l13_jobs_and_shared_state`, `l13_shared_state`)."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import httpx
import pytest

from course_app.client import AppClient
from course_app.notebook_runner import rerun_section, section_text
from course_app.server import Server
from course_app.valkey import ValkeyUnavailable, start_valkey

try:
    start_valkey()  # sets $COURSE_VALKEY_URL before the lesson's modules read it
except ValkeyUnavailable as missing:  # pragma: no cover - no wheel for this platform
    pytest.skip(str(missing), allow_module_level=True)

from course_app.lessons import l13_jobs_and_shared_state as jobs  # noqa: E402
from course_app.lessons import l13_shared_state as shared  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "13_jobs_and_shared_state.ipynb"


@pytest.fixture
async def store():
    """The lessons' Valkey client, emptied; its connections are closed after the test (each test
    has an event loop of its own)."""
    await shared.valkey.flushdb()
    yield shared.valkey
    await shared.valkey.aclose()
    await jobs.valkey.aclose()


def test_fewer_failures_let_the_retried_job_succeed():
    ran = rerun_section(NOTEBOOK, "13.4", {'("globex", 5)': '("globex", 2)'})
    text = section_text(ran, "13.4")
    assert re.search(r"^acme: 3 attempts, waits .*; synced on attempt 3$", text, re.MULTILINE)
    assert re.search(r"^globex: 3 attempts, waits .*; synced on attempt 3$", text, re.MULTILINE)
    assert "dead" not in text


def test_a_crashed_workers_job_runs_again_but_only_after_the_next_message():
    text = section_text(rerun_section(NOTEBOOK, "13.3"), "13.3")
    assert "after the crash:           ['welcome, bob']" in text
    assert "new worker, 1.5 s later:   ['welcome, bob']" in text
    assert "after the next job arrived: ['welcome, bob', 'welcome, bob']" in text


@pytest.mark.anyio
async def test_two_worker_processes_each_keep_their_own_notes_and_valkey_keeps_all(store):
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with Server(f"{shared.__name__}:notes_app", workers=2, access_log=False,
                      startup_timeout=60) as url:
        async with httpx.AsyncClient(base_url=url, limits=fresh) as client:
            for number in range(20):
                await client.post("/memory/notes", params={"text": f"m{number}"})
                await client.post("/valkey/notes", params={"text": f"v{number}"})
            memory = [(await client.get("/memory/notes")).json() for _ in range(8)]
            in_valkey = [(await client.get("/valkey/notes")).json() for _ in range(4)]
    held = {answer["pid"]: len(answer["notes"]) for answer in memory}
    assert sum(held.values()) <= 20, "no note is in two processes' memory"
    if len(held) == 2:  # both answered: what one took (all 20, at times), the other never saw
        assert min(held.values()) < 20
    assert all(len(answer["notes"]) == 20 for answer in in_valkey)


@pytest.mark.anyio
async def test_the_rate_limit_lets_five_through_per_client_and_window(store):
    async with AppClient(shared.notes_app) as client:
        ada = [(await client.get("/limited", params={"client": "ada"})).status_code
               for _ in range(7)]
        bob = (await client.get("/limited", params={"client": "bob"})).status_code
    assert ada == [200] * 5 + [429] * 2 and bob == 200
    assert 0 < await store.ttl("l13:rate:ada") <= shared.WINDOW_SECONDS


@pytest.mark.anyio
async def test_single_flight_fetches_once_per_process_and_the_valkey_lock_once_in_all(store):
    shared.cache.clear()
    async with AppClient(shared.backend_app) as client:
        answers = await asyncio.gather(*(client.get("/price/tea") for _ in range(10)))
        assert await store.get("l13:upstream_calls") == "1"
        await store.set("l13:upstream_calls", 0)
        shared_answers = await asyncio.gather(*(client.get("/shared-price/tea")
                                                for _ in range(10)))
    assert await store.get("l13:upstream_calls") == "1"
    assert {answer.json()["price"] for answer in answers + shared_answers} == {"tea: 4.20"}
    assert await store.ttl("l13:price:tea") > 0


@pytest.mark.anyio
async def test_the_backend_reports_its_process_and_its_share_of_a_core(store):
    async with AppClient(shared.backend_app) as client:
        waited = (await client.get("/io", params={"seconds": 0})).json()
        computed = (await client.get("/cpu", params={"seconds": 0.05})).json()
    assert waited == {"pid": os.getpid()}
    assert computed["pid"] == os.getpid() and 0 < computed["cpu_share"] <= 1.5
    assert await store.get(f"l13:started:{os.getpid()}") == "1"


@pytest.mark.anyio
async def test_the_jobs_api_answers_202_with_a_job_id_and_a_status(store):
    async with AppClient(jobs.jobs_api) as client:
        ordered = await client.post("/reports", params={"user": "ada"})
        status = (await client.get(f"/jobs/{ordered.json()['job_id']}")).json()
        unknown = (await client.get("/jobs/no-such-job")).json()
    assert ordered.status_code == 202 and len(ordered.json()["job_id"]) == 32
    assert status == {"status": "pending"} and unknown == {"status": "pending"}
    assert await store.xlen("l13:jobs") == 1  # the job waits in the stream for a worker
