"""Lesson 14 writes its streams, relay, WebSocket room and shutdown in the notebook; these tests
re-run its sections (with a number changed, as a learner would) and pin the fake model server it
relays and the room-measuring instrument its exercise uses."""

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from course_app.client import AppClient
from course_app.fake_upstream import ANSWER, build_model_server
from course_app.lessons.l14_streaming_and_disconnects import measure_room
from course_app.notebook_runner import rerun_section, section_text
from course_app.server import Server

NOTEBOOK = (Path(__file__).resolve().parents[2] / "notebooks"
            / "14_streaming_and_disconnects.ipynb")


def _ms(text: str, pattern: str) -> float:
    """The number of milliseconds `pattern` (with one `(\\d+\\.\\d)` group) finds in `text`."""
    return float(re.search(pattern, text)[1])


def test_slower_chunks_arrive_later_on_a_real_server():
    # Twice the wait per number: the fifth line comes after about 1 s instead of 0.5 s, and the
    # first long before the last.
    ran = rerun_section(NOTEBOOK, "14.2", {
        "await asyncio.sleep(0.1)  # the next number takes a while":
            "await asyncio.sleep(0.2)  # the next number takes a while"})
    text = section_text(ran, "14.2")
    first = _ms(text, r"line 1 after (\d+\.\d) ms")
    last = _ms(text, r"line 5 after (\d+\.\d) ms")
    assert last > 900
    assert first < 0.5 * last


def test_a_longer_shutdown_limit_holds_the_stop_longer_and_the_stream_still_cleans_up():
    ran = rerun_section(NOTEBOOK, "14.7", {"graceful_shutdown_timeout=0.5":
                                           "graceful_shutdown_timeout=1.5"})
    text = section_text(ran, "14.7")
    took = float(re.search(r"the stop took (\d+\.\d\d) s", text)[1])
    assert took >= 1.4
    assert "stream: finally ran" in text
    assert "WebSocket: closed with code 1012" in text
    assert "received 1012 (service restart)" in text
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in text


def test_a_plain_path_operation_runs_on_after_the_client_left_and_checking_stops_it():
    text = section_text(rerun_section(NOTEBOOK, "14.5"), "14.5")
    steps = dict(re.findall(r"^(/report\S*)\s+ran ~(\d+) of 10 steps", text, flags=re.MULTILINE))
    assert steps["/report"] == "10"
    assert int(steps["/report-checking"]) <= 5
    finally_after = _ms(text, r"finally ran (\d+\.\d) ms after the client left")
    assert finally_after < 100


# --- the fake model server ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_model_server_streams_its_answer_token_by_token():
    async with AppClient(build_model_server(rate=200)) as client:
        response = await client.get("/tokens", params={"count": 3})
        too_fast = await client.get("/tokens", params={"rate": 0})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert response.headers["content-type"] == "application/x-ndjson"
    assert lines == [{"n": n + 1, "token": ANSWER[n]} for n in range(3)]
    assert too_fast.status_code == 422


@pytest.mark.anyio
async def test_the_model_server_sends_tokens_at_its_rate_and_can_fail_mid_answer():
    server = Server(build_model_server(rate=20), access_log=False)
    async with server as url, httpx.AsyncClient(base_url=url, timeout=5) as client:
        arrivals = []
        started = asyncio.get_running_loop().time()
        async with client.stream("GET", "/tokens", params={"count": 4}) as response:
            async for _ in response.aiter_lines():
                arrivals.append(asyncio.get_running_loop().time() - started)
        assert len(arrivals) == 4
        assert arrivals[-1] - arrivals[0] > 0.1  # 3 gaps of 0.05 s: streamed, not at once
        got = []
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
            async with client.stream("GET", "/tokens", params={"fail_after": 2}) as response:
                async for line in response.aiter_lines():
                    got.append(line)
        assert len(got) == 2
    assert server.exception_lines() == [
        "ConnectionAbortedError: the model server dropped the stream after 2 tokens"]


# --- the room-measuring instrument ------------------------------------------------------------


def _room(send_directly: bool) -> FastAPI:
    app = FastAPI()
    room: dict[WebSocket, asyncio.Queue] = {}

    async def send_from(websocket, queue):
        while True:
            await websocket.send_bytes(await queue.get())

    @app.websocket("/room")
    async def join(websocket: WebSocket):
        await websocket.accept()
        room[websocket] = asyncio.Queue(maxsize=4)
        sender = asyncio.create_task(send_from(websocket, room[websocket]))
        try:
            while True:
                snapshot = await websocket.receive_bytes()
                for other, queue in room.items():
                    if other is websocket:
                        continue
                    if send_directly:
                        await other.send_bytes(snapshot)
                    elif not queue.full():
                        queue.put_nowait(snapshot)
        except WebSocketDisconnect:
            pass
        finally:
            del room[websocket]
            sender.cancel()

    return app


@pytest.mark.anyio
async def test_a_stalled_client_holds_up_a_direct_broadcast_but_not_a_queued_one():
    results = {}
    for directly in (True, False):
        async with Server(_room(directly), access_log=False) as url:
            results[directly] = await measure_room(url.replace("http://", "ws://") + "/room")
    assert results[True].fast_received < results[True].published
    assert results[True].slow_last == results[True].published - 1  # it gets all, late
    assert results[False].fast_received == results[False].published
    assert results[False].slow_last < results[False].published - 1  # the newest were dropped
