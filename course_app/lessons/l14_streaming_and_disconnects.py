"""Lesson 14's instrument: a WebSocket room measured with one fast and one slow client.

`measure_room(url)` connects three WebSocket clients to a room at `url` (a `ws://` address of
a real server): a publisher that sends numbered snapshots at a steady rate, a fast client that
reads each one as it arrives, and a slow client, whose socket has a tiny receive buffer and
which reads one message per `slow_pause` seconds, as a phone on a bad network would. The room
is the lesson's own code (a WebSocket path operation written in the notebook, or an exercise's
answer); this module only plays the clients and counts what arrives.

The clients use `websockets` (also uvicorn's WebSocket protocol), without compression, so a
snapshot's bytes really cross the socket and fill its buffers.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

SNAPSHOT_BYTES = 256 * 1024
"""The size of one snapshot: large enough that a few dozen fill the socket buffers of a client
that does not read (about 4 MB on Linux; less on macOS and Windows)."""


@dataclass
class RoomResult:
    """What `measure_room` saw: counts of snapshots, and the fast client's wait in seconds."""

    published: int
    fast_received: int
    fast_seconds: float
    slow_received: int
    slow_last: int | None


def _tiny_socket(url: str) -> socket.socket:
    """A TCP socket to `url`'s host and port whose receive buffer is as small as the OS allows:
    data the client does not read soon piles up in the server's buffers instead."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    return sock


async def measure_room(url: str, snapshots: int = 30, every: float = 0.01,
                       slow_pause: float = 0.1, within: float = 0.8,
                       idle: float = 0.2) -> RoomResult:
    """Publish `snapshots` snapshots to the room at `url`, one every `every` seconds, and count
    what the fast client receives within `within` seconds of the first. Then the slow client
    (one read per `slow_pause` s until then) reads whatever is still on its way, until none
    comes for `idle` seconds, and notes the number of the last snapshot it got.

    Each snapshot is `SNAPSHOT_BYTES` bytes starting with its number (4 digits).
    Raises whatever `websockets` raises when the room refuses or drops a client.
    """
    options = {"compression": None, "proxy": None, "max_size": None, "open_timeout": 5,
               "close_timeout": 0.2}
    async with connect(url, **options) as publisher, connect(url, **options) as fast, \
            connect(url, sock=_tiny_socket(url), max_queue=1, **options) as slow:
        await asyncio.sleep(0.05)  # all three have joined the room
        started = time.perf_counter()
        fast_got, slow_got = [], []

        deadline = started + within

        async def publish() -> None:
            async with asyncio.timeout_at(_loop_time(deadline)):  # a stalled room blocks sends
                for n in range(snapshots):
                    await publisher.send(f"{n:04d}".encode() + bytes(SNAPSHOT_BYTES - 4))
                    await asyncio.sleep(every)

        async def read(client, got, pause, until) -> float:
            """Receive into `got` until all arrived or `until`; return when the last came."""
            last = time.perf_counter()
            try:
                async with asyncio.timeout_at(_loop_time(until)):
                    while len(got) < snapshots:
                        got.append(int((await client.recv())[:4]))
                        last = time.perf_counter()
                        await asyncio.sleep(pause)
            except TimeoutError:
                pass
            return last

        async with asyncio.TaskGroup() as group:
            group.create_task(_quietly(publish()))
            fast_done = group.create_task(read(fast, fast_got, 0, deadline))
            group.create_task(read(slow, slow_got, slow_pause, deadline))
        while len(slow_got) < snapshots:  # the rest, quickly, until none comes for `idle` s
            try:
                async with asyncio.timeout(idle):
                    slow_got.append(int((await slow.recv())[:4]))
            except TimeoutError:
                break
    return RoomResult(snapshots, len(fast_got), fast_done.result() - started, len(slow_got),
                      slow_got[-1] if slow_got else None)


def _loop_time(perf_counter_reading: float) -> float:
    """The event loop's clock at a `time.perf_counter()` reading (for `asyncio.timeout_at`)."""
    return asyncio.get_running_loop().time() + perf_counter_reading - time.perf_counter()


async def _quietly(publishing) -> None:
    """Run the publisher; stop without an error when the room held it up past the deadline."""
    try:
        await publishing
    except TimeoutError:
        pass
