"""Reference solutions for lesson 14."""

import asyncio


async def ticker(seats: list):
    """14.1: the seat is given back in `finally`, which runs when the stream ends normally,
    when the client leaves (the generator is cancelled at its `await`), and at shutdown. The
    `CancelledError` is not caught, so the stream stops at once."""
    seats.append("seat")
    try:
        for n in range(6):
            await asyncio.sleep(0.1)  # the next price
            yield f"tick {n}\n"
    finally:
        seats.remove("seat")


def broadcast(queues: list[asyncio.Queue], snapshot: bytes) -> None:
    """14.2: never wait for a client: a full queue belongs to a slow client, so drop its
    oldest snapshot to make room for the newest, which it will then always get."""
    for queue in queues:
        if queue.full():
            queue.get_nowait()  # the oldest snapshot this client has not been sent yet
        queue.put_nowait(snapshot)
