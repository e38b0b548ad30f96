"""Lesson 14's instrument: a WebSocket room measured with one fast and one slow client.

`measure_room(url)` connects three WebSocket clients to a room at `url` (a `ws://` address of
a real server): a publisher that sends numbered snapshots at a steady rate, a fast client that
reads each one as it arrives, and a slow client, whose socket has a tiny receive buffer and
which reads nothing until the publisher is done, as a phone in a tunnel would. The room
is the lesson's own code (a WebSocket path operation written in the notebook, or an exercise's
answer); this module only plays the clients and counts what arrives.

The clients use `websockets` (also uvicorn's WebSocket protocol), without compression, so a
snapshot's bytes really cross the socket and fill its buffers.
"""

from __future__ import annotations

import asyncio
import contextlib
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


def tiny_buffer_socket(url: str) -> socket.socket:
    """A TCP socket to `url`'s host and port whose receive buffer is as small as the OS allows:
    data the client does not read soon piles up in the server's buffers instead."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    return sock


async def measure_room(url: str, snapshots: int = 30, every: float = 0.01,
                       within: float = 0.8, idle: float = 0.2) -> RoomResult:
    """Publish `snapshots` snapshots to the room at `url`, one every `every` seconds, and count
    what the fast client receives until it has them all, or for at most `within` seconds.
    The slow client reads nothing until then (a phone in a tunnel); then it reads whatever is
    still on its way, until none comes for `idle` seconds, and notes the number of the last
    snapshot it got.

    Each snapshot is `SNAPSHOT_BYTES` bytes starting with its number (4 digits).
    Raises whatever `websockets` raises when the room refuses or drops a client.
    """
    options = {"compression": None, "proxy": None, "max_size": None, "open_timeout": 5,
               "close_timeout": 0.2}
    async with connect(url, **options) as publisher, connect(url, **options) as fast, \
            connect(url, sock=tiny_buffer_socket(url), max_queue=1, **options) as slow:
        await asyncio.sleep(0.05)  # all three have joined the room
        started = time.perf_counter()
        deadline = started + within
        fast_got, slow_got = [], []

        async def publish() -> None:
            with contextlib.suppress(TimeoutError):  # a stalled room blocks the sends
                async with asyncio.timeout_at(_loop_time(deadline)):
                    for n in range(snapshots):
                        await publisher.send(f"{n:04d}".encode() + bytes(SNAPSHOT_BYTES - 4))
                        await asyncio.sleep(every)

        async def read_fast() -> float:
            """Receive until all arrived or the deadline; return when the last one came."""
            last = time.perf_counter()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(_loop_time(deadline)):
                    while len(fast_got) < snapshots:
                        fast_got.append(int((await fast.recv())[:4]))
                        last = time.perf_counter()
            return last

        async with asyncio.TaskGroup() as group:
            group.create_task(publish())
            fast_done = group.create_task(read_fast())
        while len(slow_got) < snapshots:  # now the slow client reads, until none comes
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
