"""Lesson 08: background tasks. What runs after the response, where, and what can be lost.

`mail_app` signs people up and sends their welcome "email" after the response, as a background
task. An email is a small text file in the outbox folder, so the notebook can see when (and
whether) it was sent, even when the server runs in another process. The folder is a setting: the
`COURSE_OUTBOX` environment variable, read through the `outbox` dependency (tests and the
notebook point it at a temporary folder; child-process servers inherit it).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException

from course_app.client import AppClient
from course_app.server import Server

OUTBOX_ENV = "COURSE_OUTBOX"
_DEFAULT_OUTBOX = Path(__file__).resolve().parent.parent.parent / ".course" / "outbox"
EMAIL_SECONDS = 0.5
"""How long sending one welcome email takes, in seconds."""
BLOCK_SECONDS = 0.5
"""How long the blocking tasks of section 8.3 block, in seconds."""
SLOW_SECONDS = 0.8
"""How long the slow task of section 8.6 takes, in seconds."""


def outbox() -> Path:
    """Dependency: the outbox folder, `$COURSE_OUTBOX` or `.course/outbox`, created if needed."""
    folder = Path(os.environ.get(OUTBOX_ENV) or _DEFAULT_OUTBOX)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


Outbox = Annotated[Path, Depends(outbox)]
"""A path operation parameter typed `Outbox` receives the outbox folder."""


def write_email(folder: Path, to: str, text: str) -> Path:
    """Write one "email" as `<to>.txt` in `folder` (atomically: it appears complete or not at
    all). Returns its path."""
    path = folder / f"{to}.txt"
    temporary = path.with_suffix(".part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path


def send_welcome_email(folder: Path, to: str) -> None:
    """A plain `def` task: takes `EMAIL_SECONDS` (blocking, like an SMTP library), then writes
    the email. FastAPI runs it in the threadpool, after the response."""
    time.sleep(EMAIL_SECONDS)
    write_email(folder, to, f"Welcome to the café, {to}!")


mail_app = FastAPI(title="Café sign-ups")


@mail_app.post("/signup")
async def signup(email: str, background_tasks: BackgroundTasks,
                 folder: Outbox) -> dict[str, str]:
    """Sign `email` up; the welcome email goes out after the response."""
    if "@" not in email:
        raise HTTPException(422, f"{email!r} is not an email address")
    background_tasks.add_task(send_welcome_email, folder, email)
    return {"status": f"welcome email to {email} queued"}


@mail_app.get("/ping")
async def ping() -> dict[str, bool]:
    """Answers at once when the event loop is free."""
    return {"pong": True}


# --- where tasks run (8.3) -----------------------------------------------------------------------


def blocking_def_task() -> None:
    """A plain `def` task that blocks: runs in the threadpool, harmless to the loop."""
    time.sleep(BLOCK_SECONDS)


async def blocking_async_task() -> None:
    """The pitfall: an `async def` task that blocks runs on the event loop and stops it."""
    time.sleep(BLOCK_SECONDS)


async def awaiting_async_task() -> None:
    """An `async def` task that awaits: the loop serves other requests meanwhile."""
    await asyncio.sleep(BLOCK_SECONDS)


TASK_KINDS: dict[str, Callable[[], None | Awaitable[None]]] = {
    "def + time.sleep": blocking_def_task,
    "async def + time.sleep": blocking_async_task,
    "async def + await asyncio.sleep": awaiting_async_task,
}


@mail_app.post("/tasks/{kind}")
async def run_task(kind: str, background_tasks: BackgroundTasks) -> dict[str, str]:
    """Queue one task of `kind` (a key of `TASK_KINDS`, with spaces as `-`)."""
    task = {name.replace(" ", "-"): task for name, task in TASK_KINDS.items()}.get(kind)
    if task is None:
        raise HTTPException(404, f"no task kind {kind!r}")
    background_tasks.add_task(task)
    return {"queued": kind}


# --- several tasks, a failing task, and a dependency (8.4, 8.5) -------------------------------


def append_line(folder: Path, name: str, line: str) -> None:
    """Append `line` to the file `name` in `folder` (used to see the order tasks ran in)."""
    with open(folder / name, "a", encoding="utf-8") as file:
        file.write(line + "\n")


def audit(background_tasks: BackgroundTasks, folder: Outbox) -> None:
    """A dependency that queues its own task on the request's one `BackgroundTasks`."""
    background_tasks.add_task(append_line, folder, "order-log.txt", "audit: order seen")


@mail_app.post("/orders/{number}", dependencies=[Depends(audit)])
async def place_order(number: int, background_tasks: BackgroundTasks,
                      folder: Outbox) -> dict[str, int]:
    """Three tasks after the response (plus the audit dependency's, queued first)."""
    for step in ("receipt", "loyalty points", "kitchen ticket"):
        background_tasks.add_task(append_line, folder, "order-log.txt", f"{step}: order {number}")
    return {"order": number}


def refuse_to_send() -> None:
    """A task that fails, as a mail server might."""
    raise ConnectionRefusedError("SMTP server said no")


@mail_app.post("/newsletter")
async def newsletter(background_tasks: BackgroundTasks, folder: Outbox) -> dict[str, str]:
    """Answers 200 at once; its first task then fails, where the client can no longer see it,
    and the task queued after it never runs."""
    background_tasks.add_task(refuse_to_send)
    background_tasks.add_task(append_line, folder, "newsletter-log.txt", "newsletter archived")
    return {"status": "newsletter queued"}


# --- an exercise's task (8.7) ---------------------------------------------------------------------

DELIVER_SECONDS = 0.3
_delivered: list[str] = []


def deliver(email: str) -> None:
    """A blocking delivery library: `DELIVER_SECONDS` of `time.sleep`, then it is delivered."""
    time.sleep(DELIVER_SECONDS)
    _delivered.append(email)


def was_delivered(email: str) -> bool:
    """True once `deliver(email)` has finished (the exercise check asks)."""
    return email in _delivered


# --- what can be lost (8.6) ----------------------------------------------------------------------


async def send_slow_email(folder: Path, to: str) -> None:
    """A slow task: `SLOW_SECONDS` of awaited waiting, then the email is written."""
    await asyncio.sleep(SLOW_SECONDS)
    write_email(folder, to, f"Your receipt, {to}.")


@mail_app.post("/receipts")
async def receipt(email: str, background_tasks: BackgroundTasks,
                  folder: Outbox) -> dict[str, str]:
    """Queue a slow receipt email for `email`."""
    background_tasks.add_task(send_slow_email, folder, email)
    return {"status": "receipt queued"}


# --- measurements --------------------------------------------------------------------------------


async def wait_for_file(path: Path, timeout: float) -> float | None:
    """Seconds until `path` exists (polling every 10 ms), or None if it does not within
    `timeout` seconds."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if path.exists():
            return time.perf_counter() - started
        await asyncio.sleep(0.01)
    return None


async def response_then_task() -> dict[str, tuple[float, float]]:
    """Sign up once on a real server and once in-process, timing the response and the email.

    Returns, for "real server" and "in-process", `(response_s, email_s)`: seconds from sending
    the request to receiving the response, and to the email file existing.

    Raises:
        httpx.HTTPStatusError: if a sign-up is refused.
        RuntimeError: if an email does not arrive within 10 s.
    """
    folder = outbox()
    results = {}

    async def sign_up(client: httpx.AsyncClient, who: str) -> tuple[float, float]:
        (folder / f"{who}.txt").unlink(missing_ok=True)
        started = time.perf_counter()
        response = await client.post("/signup", params={"email": who})
        response_s = time.perf_counter() - started
        response.raise_for_status()
        email_s = await wait_for_file(folder / f"{who}.txt", timeout=10)
        if email_s is None:
            raise RuntimeError(f"the welcome email to {who} never arrived")
        return response_s, response_s + email_s

    async with Server(mail_app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        results["real server"] = await sign_up(client, "ada@example.com")
    async with AppClient(mail_app) as client:
        results["in-process"] = await sign_up(client, "grace@example.com")
    return results


async def ping_after_task() -> dict[str, float]:
    """For each kind in `TASK_KINDS`, queue one task on a real server, then time a `/ping`.

    Returns seconds each `/ping` took, by kind.
    """
    results = {}
    async with Server(mail_app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        for kind in TASK_KINDS:
            (await client.post(f"/tasks/{kind.replace(' ', '-')}")).raise_for_status()
            started = time.perf_counter()
            (await client.get("/ping")).raise_for_status()
            results[kind] = time.perf_counter() - started
            await asyncio.sleep(max(0.0, BLOCK_SECONDS - results[kind]))  # let it finish
    return results


async def order_log() -> list[str]:
    """Place order 7 on a real server; return the order log's lines in the order the tasks
    wrote them (waits up to 5 s for all four)."""
    log = outbox() / "order-log.txt"
    log.unlink(missing_ok=True)
    async with Server(mail_app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        (await client.post("/orders/7")).raise_for_status()
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and (
                not log.exists() or len(log.read_text(encoding="utf-8").splitlines()) < 4):
            await asyncio.sleep(0.01)
    return log.read_text(encoding="utf-8").splitlines()


async def failing_newsletter() -> tuple[int, bool, Server]:
    """Queue the newsletter, whose first task fails, on a real server.

    Returns `(status, archived, server)`: the status code the client got, whether the task
    queued after the failing one ran, and the stopped server (its log holds the error).
    """
    archive = outbox() / "newsletter-log.txt"
    archive.unlink(missing_ok=True)
    server = Server(mail_app)
    async with server as base_url, httpx.AsyncClient(base_url=base_url) as client:
        status = (await client.post("/newsletter")).status_code
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and not server.exception_lines():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # time enough for a next task, had there been one to run
    return status, archive.exists(), server


async def what_survives(who: str, ending: str) -> tuple[bool, float]:
    """Queue a slow receipt on a child-process server, then end the server one way.

    Args:
        who: the email address (and file name) of the receipt.
        ending: "graceful stop" (uvicorn's default: no time limit), "graceful stop, 0.2 s limit"
            or "kill" (SIGKILL, as a crash or an out-of-memory kill would).

    Returns `(sent, stop_s)`: whether the receipt exists `SLOW_SECONDS` + 0.4 s after the
    request, and how long ending the server took, in seconds.

    Raises:
        ValueError: for an unknown `ending`.
    """
    limits = {"graceful stop": None, "graceful stop, 0.2 s limit": 0.2, "kill": None}
    if ending not in limits:
        raise ValueError(f"ending must be one of {list(limits)}, not {ending!r}")
    path = outbox() / f"{who}.txt"
    path.unlink(missing_ok=True)
    server = Server("course_app.lessons.l08_background_tasks:mail_app",
                    graceful_shutdown_timeout=limits[ending])
    async with server as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            (await client.post("/receipts", params={"email": who})).raise_for_status()
        sent_at = time.perf_counter()
        await asyncio.sleep(0.05)  # the task has started
        stopping = time.perf_counter()
        if ending == "kill":
            server.kill()
        else:
            await server.stop()
        stop_s = time.perf_counter() - stopping
    await asyncio.sleep(max(0.0, SLOW_SECONDS + 0.4 - (time.perf_counter() - sent_at)))
    return path.exists(), stop_s


async def what_survives_each_ending() -> dict[str, tuple[bool, float]]:
    """`what_survives` for the three endings at once (each on its own server), by ending."""
    endings = ["graceful stop", "graceful stop, 0.2 s limit", "kill"]
    results = await asyncio.gather(*(what_survives(f"receipt-{n}@example.com", ending)
                                     for n, ending in enumerate(endings)))
    return dict(zip(endings, results, strict=True))
