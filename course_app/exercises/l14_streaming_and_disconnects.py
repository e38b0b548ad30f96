"""Lesson 14's exercises, each checked on a real uvicorn server (on this kernel's own event loop,
so the check can interrupt an answer that blocks it):
a stream that gives back what it holds when the client leaves, and a WebSocket room whose
broadcast survives one slow client and still hands it the latest snapshot."""

from __future__ import annotations

import asyncio
import inspect
import time
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from course_app.exercise import Hint, exercise, hint_if_blocked
from course_app.lessons.l14_streaming_and_disconnects import measure_room
from course_app.loop_lag import LoopLagMonitor
from course_app.server import Server
from course_app.solutions import l14_streaming_and_disconnects as solutions
from course_app.timeline import seconds

TICKS = 6
"""How many ticks the stream of 14.1 sends to a client that stays."""
QUEUE_SIZE = 4
"""The size of each client's queue in 14.2's room."""
BLOCKED_TICK_SECONDS = 0.07
"""A loop-lag sample above this, in seconds, counts towards 14.1's frozen time."""
BLOCKED_TOTAL_SECONDS = 0.4
"""14.1: frozen time, in seconds, above which the generator counts as blocking (six blocking
ticks of 0.1 s freeze the loop for about 0.8 s over the check's two clients)."""


def _server_error(server: Server) -> None:
    """Raise a decisive hint naming the first error the answer raised on the server."""
    errors = [line for line in server.exception_lines()
              if not line.startswith(("asyncio.exceptions.CancelledError", "CancelledError",
                                      "websockets.exceptions", "starlette.websockets",
                                      "uvicorn.protocols.utils.ClientDisconnected"))]
    if errors:
        raise Hint(f"your code failed on the server: {errors[0]}", decisive=True)


def _lag_lifespan(lag: LoopLagMonitor):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with lag:  # watches the server's own event loop while it serves
            yield
    return lifespan


@exercise("14.1", "a stream that gives its seat back when the client leaves",
          expects="function", solution=solutions.ticker, time_limit=15.0)
async def check_ticker(ticker) -> str:
    if not inspect.isasyncgenfunction(ticker):
        raise Hint("`ticker` must be an async generator: an `async def` that `yield`s each "
                   "tick (StreamingResponse reads it with `async for`).")
    seats: list = []
    sent: list[float] = []  # when each tick left the generator
    ended: list[str] = []   # how the generator ended: "normally" or "stopped"
    lag = LoopLagMonitor()
    app = FastAPI(lifespan=_lag_lifespan(lag))

    @app.get("/ticks")
    async def ticks() -> StreamingResponse:
        async def watched():
            how = "stopped"
            try:
                async for tick in ticker(seats):
                    sent.append(time.perf_counter())
                    yield tick
                how = "normally"
            finally:
                ended.append(how)
        return StreamingResponse(watched(), media_type="text/plain")

    @app.get("/warm-up")
    async def warm_up() -> StreamingResponse:
        async def one():
            yield "ready\n"
        return StreamingResponse(one(), media_type="text/plain")

    server = Server(app, graceful_shutdown_timeout=1.0, same_loop=True)
    got, held_while_streaming, broke = 0, False, None
    try:
        async with server as url, httpx.AsyncClient(base_url=url, timeout=5) as client:
            await _read_all(client, "/warm-up")  # a first request pays one-time costs
            lag.reset()
            # A client that leaves after two ticks.
            async with client.stream("GET", "/ticks") as response:
                async for _ in response.aiter_lines():
                    got += 1
                    held_while_streaming = held_while_streaming or bool(seats)
                    if got == 2:
                        break
            left = time.perf_counter()
            await asyncio.sleep(0.4)
            seats_after_leaving = list(seats)
            ticks_after_leaving = sum(t > left for t in sent)
            ended_after_leaving = list(ended)
            # A client that stays to the end.
            lines = await _read_all(client)
    except (httpx.HTTPError, TimeoutError) as error:
        broke = error
    # The clients share the server's event loop, so a busy machine makes the loop late now and
    # then; a blocking tick (0.1 s) makes it late each time.
    frozen = sum(sample for sample in lag.samples if sample > BLOCKED_TICK_SECONDS)
    if frozen > BLOCKED_TOTAL_SECONDS:
        raise Hint(f"the event loop was frozen for {frozen:.2f} s in all: something that blocks "
                   "(like `time.sleep`) ran inside your generator, on the server's event loop; "
                   "wait with `await asyncio.sleep(...)`.")
    _server_error(server)
    if broke is not None:
        raise Hint(f"the stream broke off ({type(broke).__name__}): yield a line per tick for "
                   "as long as the client reads, and let the generator end when it is done.")
    if got < 2:
        raise Hint(f"the client received {got} tick(s) before the stream ended: yield a "
                   "line per tick, such as `f\"tick {n}\\n\"`.")
    if not held_while_streaming:
        raise Hint("no seat was taken while the stream ran: `seats.append(...)` before the "
                   "first tick, as the starting code does.")
    if ticks_after_leaving > 1:
        raise Hint(f"~{ticks_after_leaving} ticks were made after the client had left: the "
                   "generator swallowed the `CancelledError` that stops it and carried on. "
                   "Let it propagate: clean up in `finally`, or re-raise with `raise`.")
    if ended_after_leaving == ["normally"]:
        raise Hint("the generator swallowed the `CancelledError` and returned as if it had "
                   "finished: re-raise it after your clean-up (`raise`), or use `finally`, so "
                   "the server knows the stream was stopped.")
    if seats_after_leaving:
        raise Hint("the client left after two ticks and the stream still holds its seat: the "
                   "line after the loop never runs when the generator is cancelled. Give the "
                   "seat back in a `finally:` block (`except Exception` does not see a "
                   "cancellation).")
    if lines != [f"tick {n}" for n in range(TICKS)]:
        raise Hint(f"a client that stays should get `tick 0` to `tick {TICKS - 1}`, one per "
                   f"line; it got {lines[:TICKS + 2]!r}.")
    if seats:
        raise Hint("after a stream that ran to its end the seat is still taken: give it back "
                   "in every case, with `finally:`.")
    return ("the stream gave its seat back when the client left and when it finished, and "
            "stopped making ticks at once.")


async def _read_all(client: httpx.AsyncClient, path: str = "/ticks") -> list[str]:
    """Read the whole stream at `path` (at most 5 s), as a list of non-empty lines."""
    async with asyncio.timeout(5):
        async with client.stream("GET", path) as response:
            return [line async for line in response.aiter_lines() if line]


@exercise("14.2", "a broadcast that survives a slow client and keeps it up to date",
          expects="function", solution=solutions.broadcast, time_limit=15.0)
async def check_broadcast(broadcast) -> str:
    if inspect.isasyncgenfunction(broadcast) or inspect.isclass(broadcast):
        raise Hint("`broadcast(queues, snapshot)` should be a function (`def` or `async "
                   "def`) that puts the snapshot on each queue, not a generator or a class.")
    lag = LoopLagMonitor()
    app = FastAPI(lifespan=_lag_lifespan(lag))
    room: dict[WebSocket, asyncio.Queue] = {}

    async def send_from(websocket: WebSocket, queue: asyncio.Queue) -> None:
        while True:
            await websocket.send_bytes(await queue.get())

    @app.websocket("/room")
    async def join(websocket: WebSocket) -> None:
        await websocket.accept()
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        room[websocket] = queue
        sender = asyncio.create_task(send_from(websocket, queue))
        try:
            while True:
                snapshot = await websocket.receive_bytes()
                others = [q for client, q in room.items() if client is not websocket]
                done = broadcast(others, snapshot)
                if inspect.isawaitable(done):
                    await done
        except WebSocketDisconnect:
            pass
        finally:
            room.pop(websocket, None)
            sender.cancel()

    server = Server(app, graceful_shutdown_timeout=1.0, access_log=False, same_loop=True)
    try:
        async with server as url:
            lag.reset()
            result = await measure_room(url.replace("http://", "ws://") + "/room")
    except Exception as error:  # the room dropped a client: the server's log says why
        _server_error(server)
        raise Hint(f"a client lost its connection to the room ({type(error).__name__}): make "
                   "sure `broadcast` returns normally for every snapshot.") from None
    # The clients share the server's event loop: only a stall far above that noise counts as
    # blocking.
    hint_if_blocked(lag.max_lag, "your broadcast (on the server's event loop)", limit=0.25)
    _server_error(server)
    if result.fast_received < result.published:
        raise Hint(f"the fast client got only ~{result.fast_received} of {result.published} "
                   "snapshots in time: the broadcast waited for the slow client. "
                   "`await queue.put(...)` waits while that client's queue is full; put "
                   "without waiting (`queue.put_nowait(...)`) and make room when it is full.")
    if result.slow_last != result.published - 1:
        got = "nothing" if result.slow_last is None else f"snapshot ~{result.slow_last}"
        raise Hint(f"the slow client ended on {got}, not on the newest, "
                   f"#{result.published - 1}: when its queue is full, drop the *oldest* "
                   "snapshot (`queue.get_nowait()`) and put the new one, so a slow client "
                   "skips old states but always ends with the newest.")
    return (f"the fast client got all {result.published} snapshots in "
            f"{seconds(result.fast_seconds)}, and the slow one (~{result.slow_received} of "
            "them) ended with the newest.")
