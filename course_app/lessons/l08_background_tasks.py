"""Lesson 08: the background-task app that must be importable.

Lesson 08 writes its path operations and tasks in the notebook. What lives here is what another
process or another lesson imports:

- `mail_app`, served in child processes by section 8.6 (a server that is stopped or killed while
  its task runs) and reused by lesson 11's tests. It signs people up (`POST /signup`) and sends
  slow receipts (`POST /receipts`); each "email" is a small text file in the outbox folder, so a
  notebook can see when, and whether, it was sent by a server in another process. The folder is
  a setting: the `COURSE_OUTBOX` environment variable, read through the `outbox` dependency
  (child-process servers inherit it).
- `deliver` and `record_delivery`, the library calls of exercise 08.2.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException

from course_app.paths import OUTBOX_VARIABLE, outbox_dir

OUTBOX_ENV = OUTBOX_VARIABLE
EMAIL_SECONDS = 0.5
"""How long sending one welcome email takes, in seconds."""
SLOW_SECONDS = 0.8
"""How long the slow receipt task of section 8.6 takes, in seconds."""


def outbox() -> Path:
    """Dependency: the outbox folder, `$COURSE_OUTBOX` or `.course/outbox`, created if needed."""
    folder = outbox_dir()
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


async def send_slow_receipt(folder: Path, to: str) -> None:
    """A slow `async def` task: `SLOW_SECONDS` of awaited waiting, then the receipt is written."""
    await asyncio.sleep(SLOW_SECONDS)
    write_email(folder, to, f"Your receipt, {to}.")


@mail_app.post("/receipts")
async def receipt(email: str, background_tasks: BackgroundTasks,
                  folder: Outbox) -> dict[str, str]:
    """Queue a slow receipt for `email`; answers at once."""
    background_tasks.add_task(send_slow_receipt, folder, email)
    return {"status": "receipt queued"}


# --- the library calls of exercise 08.2 -----------------------------------------------------------

DELIVER_SECONDS = 0.3
"""How long `deliver` blocks, in seconds."""
RECORD_SECONDS = 0.05
"""How long `record_delivery` awaits, in seconds."""
_delivered: list[str] = []
_recorded: dict[str, bool] = {}


def deliver(email: str) -> None:
    """A blocking mail library: `DELIVER_SECONDS` of `time.sleep`, then `email` is delivered."""
    time.sleep(DELIVER_SECONDS)
    _delivered.append(email)


async def record_delivery(email: str) -> None:
    """An async call, such as a database write: awaits `RECORD_SECONDS`, then records that
    `email` was delivered (or that it was recorded before delivery, see `was_recorded`)."""
    await asyncio.sleep(RECORD_SECONDS)
    _recorded[email] = email in _delivered


def was_delivered(email: str) -> bool:
    """True once `deliver(email)` has finished."""
    return email in _delivered


def was_recorded(email: str) -> bool | None:
    """None while `record_delivery(email)` has not finished; then whether the email had been
    delivered by the time it was recorded."""
    return _recorded.get(email)
