"""Lesson 12's checks: one per step of the capstone (the notebook writes each step, and the
learner may change it), and two exercises: a deadline for the whole fan-out, and a section that
degrades gracefully when its service fails."""

from __future__ import annotations

import asyncio
import inspect
import time
from concurrent.futures import ProcessPoolExecutor

import httpx
from fastapi import FastAPI, Request

from course_app.client import AppClient
from course_app.database import close_database, resolve_database_url
from course_app.exercise import (
    Hint,
    exercise,
    guarded,
    hint_if_blocked,
    hint_if_not_a_lifespan,
    hint_if_still_awaitable,
    step,
)
from course_app.fake_upstream import build_upstream
from course_app.lessons.l12_capstone import CAPSTONE_DATABASE, Snapshot
from course_app.loop_lag import LoopLagMonitor
from course_app.server import Server, free_port
from course_app.solutions import l12_capstone as solutions
from course_app.timeline import seconds

LATENCY = 0.2


class CountingSemaphore(asyncio.Semaphore):
    """A semaphore that counts how many times it was acquired."""

    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.acquired = 0

    async def acquire(self) -> bool:
        self.acquired += 1
        return await super().acquire()


# --- the capstone's steps ---------------------------------------------------------------------

@step("12.lifespan", "step 1: the lifespan", expects="function", time_limit=60)
async def check_lifespan(lifespan) -> str:
    hint_if_not_a_lifespan(lifespan)
    await close_database()  # the lifespan opens the database, which only one app can own
    # the course's PostgreSQL starts on first use (about 0.6 s): start it here, off the event
    # loop, rather than inside the lifespan under the check's watch for a blocked loop
    await asyncio.to_thread(resolve_database_url, CAPSTONE_DATABASE)
    app = FastAPI(lifespan=lifespan)
    seen: list[dict] = []

    @app.get("/state")
    async def state(request: Request) -> dict:
        seen.append(dict(request.scope.get("state") or {}))
        return {"snapshots": await Snapshot.all().count()}

    async with AppClient(app, startup_timeout=60) as client:
        answers = [await client.get("/state") for _ in range(2)]
        first = seen[0] if seen else {}
        shared = first.get("client")
        open_while_running = isinstance(shared, httpx.AsyncClient) and not shared.is_closed
    if not first:
        raise Hint("the lifespan yielded nothing: `yield {\"client\": client, \"limit\": ..., "
                   "...}`, so that every request finds them in `request.state`.")
    if not isinstance(shared, httpx.AsyncClient):
        raise Hint("the lifespan's state has no `\"client\"`, an `httpx.AsyncClient`: make one "
                   "(`async with httpx.AsyncClient(...) as client:`) and yield it.", decisive=True)
    if seen[1].get("client") is not shared:
        raise Hint("two requests got two different clients: make the client once, in the "
                   "lifespan, so that every request shares its connection pool.")
    if not open_while_running:
        raise Hint("the client was already closed while the app ran: `yield` inside its "
                   "`async with` block.")
    if shared.timeout == httpx.Timeout(5.0):
        raise Hint("the client has httpx's default timeout (5 s for each phase): give it the "
                   "settings' timeout, `httpx.Timeout(config.timeout, connect=0.5)`.")
    if not isinstance(first.get("limit"), asyncio.Semaphore):
        raise Hint("the lifespan's state has no `\"limit\"`, an `asyncio.Semaphore`: the one "
                   "bound on upstream calls across all requests.")
    pool = first.get("pool")
    if not isinstance(pool, ProcessPoolExecutor):
        raise Hint(f"`\"pool\"` should be a `ProcessPoolExecutor` (got {type(pool).__name__}): "
                   "a thread would leave the ranking holding the GIL.")
    if any(answer.status_code != 200 for answer in answers):
        raise Hint("a request that queried the database failed: open it in the lifespan with "
                   "`RegisterTortoise(app, config=tortoise_config(...), generate_schemas=True)`.")
    if not shared.is_closed:
        raise Hint("the client is still open after shut-down: open it with `async with "
                   "httpx.AsyncClient(...) as client:` around the `yield`.")
    try:
        pool.submit(int).cancel()
    except RuntimeError:
        pass  # "cannot schedule new futures after shutdown": as it should be
    else:
        pool.shutdown(wait=False, cancel_futures=True)
        raise Hint("the process pool is still running after shut-down: `with "
                   "ProcessPoolExecutor(...) as pool:` around the `yield` shuts it down.")
    return (f"one client shared by every request, closed at shut-down; a semaphore of "
            f"{first['limit']._value}; a process pool, shut down with the app; the database open.")


def _script(*steps):
    """A mock transport that answers attempt n with `steps[n]` (the last one again after that):
    a status (with a JSON body) or an exception class to raise. Returns (transport, attempts)."""
    attempts: list[float] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        attempts.append(time.perf_counter())
        answer = steps[min(len(attempts), len(steps)) - 1]
        if isinstance(answer, type):
            raise answer("no answer" if answer is httpx.ReadTimeout else "refused",
                         request=request)
        body = {"city": "Oslo"} if answer < 400 else {"detail": f"no rate ({answer})"}
        return httpx.Response(answer, json=body)

    return httpx.MockTransport(handle), attempts


FETCH_CASES = {
    "the service answers": ((200,), "data", 1),
    "the service refuses (404)": ((404,), 404, 1),
    "the service fails twice with 503, then answers": ((503, 503, 200), "data", 3),
    "the service fails with 503 every time": ((503,), 502, None),
    "the service does not answer in time": ((httpx.ReadTimeout,), 504, 1),
    "the service cannot be reached": ((httpx.ConnectError,), 502, None),
}
"""Case → (what the service does on each attempt, the expected result, attempts expected;
None: retried, so more than one)."""


@step("12.fetch", "step 2: one upstream call", expects="async function")
async def check_fetch_section(fetch_section) -> str:
    for case, (script, expected, tries) in FETCH_CASES.items():
        transport, attempts = _script(*script)
        limit = CountingSemaphore(3)
        async with httpx.AsyncClient(transport=transport, base_url="http://weather",
                                     timeout=0.3) as client, LoopLagMonitor() as lag:
            try:
                result = await guarded(fetch_section(client, limit, "weather",
                                                     "http://weather/weather/Oslo"))
            except Exception as error:
                if "coroutine" in str(error):
                    raise
                raise Hint(f"when {case}, `fetch_section` raised {type(error).__name__}: catch "
                           "it and return `{\"error\": ..., \"status\": ...}` instead.",
                           decisive=True) from None
        hint_if_blocked(lag.max_lag, "`fetch_section`")
        hint_if_still_awaitable(result, fix="`return await ...`")
        if not isinstance(result, dict):
            raise Hint(f"when {case}, return a dict, not {type(result).__name__}.")
        if tries == 1 and len(attempts) > 1:
            why = ("a timeout's wait is already spent, and each retry adds a whole timeout"
                   if expected == 504 else "a 4xx is a refusal: asking again changes nothing")
            raise Hint(f"when {case}, the call was made {len(attempts)} times: do not retry "
                       f"it ({why}).")
        if tries != 1 and len(attempts) < 2:
            raise Hint(f"when {case}, the call was made once: retry it (a GET is safe to "
                       "repeat), with a growing wait between attempts.", decisive=True)
        if tries == 3 and len(attempts) < 3:
            raise Hint(f"when {case}, the call was made {len(attempts)} time(s): retry until "
                       "it answers, up to `attempts` times.")
        if expected == "data":
            if result.get("data") != {"city": "Oslo"}:
                raise Hint(f"when {case}, expected `{{\"data\": response.json()}}`, got {result}.")
        elif result.get("status") != expected or not str(result.get("error", "")).strip():
            got = f"status {result.get('status')}" if "status" in result else str(result)
            raise Hint(f"when {case}, expected `{{\"error\": \"weather: ...\", \"status\": "
                       f"{expected}}}`, got {got}." + (
                           " (An error status is not an exception until "
                           "`response.raise_for_status()`.)" if "data" in result else ""))
        gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:], strict=False)]
        if gaps and min(gaps) < 0.01:
            raise Hint(f"when {case}, the retries came at once: wait between attempts "
                       "(`await asyncio.sleep(...)`, growing each time, with jitter).")
        if limit.acquired < len(attempts):
            raise Hint(f"`limit` was held for {limit.acquired} of {len(attempts)} attempt(s): "
                       "hold it around each call (`async with limit:`), so the app's bound on "
                       "upstream calls holds.", decisive=True)
    return ("data when the service answers; its reason for a 404; 503s retried, then a 502; a "
            "timeout a 504 at once; no connection retried, then a 502.")


@step("12.gather", "step 3: every section at once", expects="async function")
async def check_fetch_sections(fetch_sections) -> str:
    upstream = build_upstream(latency=LATENCY)
    mounts = {f"http://{name}": httpx.ASGITransport(app=upstream)
              for name in ("weather", "rates", "flights")}
    urls = {"weather": "http://weather/weather/Oslo", "rates": "http://rates/rates/XYZ",
            "flights": "http://flights/flights/Oslo"}
    async with httpx.AsyncClient(mounts=mounts, timeout=2.0) as client:
        await client.get("http://weather/weather/Oslo?latency=0")  # first-call set-up, unmeasured
        upstream.state.stats.reset()
        async with LoopLagMonitor() as lag:
            started = time.perf_counter()
            try:
                result = await guarded(fetch_sections(client, asyncio.Semaphore(10), urls))
            except Exception as error:
                if "coroutine" in str(error) or "unhashable" in str(error):
                    raise  # the checker core explains these best
                raise Hint(f"one failed section (an unknown currency) made the whole call "
                           f"raise {type(error).__name__}: call `fetch_section`, which returns "
                           "a failure instead of raising it, for each section.",
                           decisive=True) from None
            took = time.perf_counter() - started
    hint_if_still_awaitable(result, fix="`return dict(zip(urls, await asyncio.gather(...)))`")
    hint_if_blocked(lag.max_lag, "`fetch_sections`")
    if not isinstance(result, dict):
        raise Hint(f"return a dict, section name → section; got {type(result).__name__}. "
                   "`dict(zip(urls, results))` pairs the names with `gather`'s results.")
    if list(result) != list(urls):
        raise Hint(f"expected the sections {list(urls)}, in that order; got {list(result)}.")
    if "error" not in result["rates"] or "data" not in result["weather"]:
        raise Hint(f"with an unknown currency only the rates section should fail, the others "
                   f"keep their data; got {result}.")
    peak = upstream.state.stats.as_dict()["peak_in_flight"]
    if peak < len(urls):
        raise Hint(f"only {peak} call(s) were in flight at once, and three sections took "
                   f"{seconds(took)} where each takes {seconds(LATENCY)}: start them all in "
                   "one `asyncio.gather`.", decisive=True)
    return (f"three sections in {seconds(took)} (each takes {seconds(LATENCY)}), all in flight "
            "at once; the failed one kept apart, the others intact.")


# --- exercises --------------------------------------------------------------------------------

DEADLINE = 0.2
CALL_SECONDS = {"rates": 0.05, "weather": 0.1, "flights": 0.4, "events": 0.5}


@exercise("12.1", "a deadline for the whole fan-out", expects="async function",
          solution=solutions.gather_within)
async def check_gather_within(gather_within) -> str:
    finished: set[str] = set()

    async def call(name: str, delay: float) -> dict:
        await asyncio.sleep(delay)
        finished.add(name)
        return {"data": name}

    calls = {name: call(name, delay) for name, delay in CALL_SECONDS.items()}
    late = sorted(name for name, delay in CALL_SECONDS.items() if delay > DEADLINE)
    try:
        async with LoopLagMonitor() as lag:
            started = time.perf_counter()
            result = await guarded(gather_within(calls, DEADLINE))
            took = time.perf_counter() - started
    except TimeoutError:
        raise Hint("`gather_within` let a `TimeoutError` escape: catch the deadline, and "
                   "answer for the late calls with a 504 section instead.", decisive=True) \
            from None
    finally:
        for coroutine in calls.values():  # any the answer never started: no "never awaited"
            if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()
    hint_if_still_awaitable(result, fix="`return` the dict of results, after awaiting")
    hint_if_blocked(lag.max_lag, "`gather_within`")
    if not isinstance(result, dict) or list(result) != list(CALL_SECONDS):
        raise Hint(f"return a dict with every call's name, in the order given "
                   f"({list(CALL_SECONDS)}); got {result!r}.")
    if took > DEADLINE + 0.25:
        raise Hint(f"it took {seconds(took)} with a deadline of {seconds(DEADLINE)}: stop "
                   "waiting at the deadline (`asyncio.wait(tasks, timeout=seconds)`, or "
                   "`asyncio.timeout`).", decisive=True)
    for name in CALL_SECONDS:
        section = result[name]
        if name in late:
            expected = {"error": f"{name}: no answer within {DEADLINE} s", "status": 504}
            if section != expected:
                raise Hint(f"`{name}` was late: expected {expected}, got {section!r}.")
        elif section != {"data": name}:
            raise Hint(f"`{name}` finished in time: expected its result {{'data': '{name}'}}, "
                       f"got {section!r}.")
    await asyncio.sleep(max(CALL_SECONDS.values()) - DEADLINE + 0.15)  # time to finish
    leftover = sorted(set(late) & finished)
    if leftover:
        raise Hint(f"{', '.join(leftover)} still finished after the deadline: cancel the late "
                   "calls (`task.cancel()`), or they keep running, and calling services, for "
                   "nobody.")
    return (f"answered at the deadline ({seconds(took)}): {len(CALL_SECONDS) - len(late)} "
            f"results, {len(late)} late calls cancelled and reported as 504.")


@exercise("12.2", "one failure degrades gracefully", expects="async function",
          solution=solutions.events_section)
async def check_events_section(events_section) -> str:
    async with Server(build_upstream(latency=0), access_log=False,
                      graceful_shutdown_timeout=0.1) as base_url, \
            httpx.AsyncClient(base_url=base_url, timeout=0.3) as client:
        await client.get("/events/Oslo")  # the first connection's set-up, not measured below
        cases = {
            "the service answers": f"{base_url}/events/Oslo",
            "the service fails with a 503": f"{base_url}/events/Oslo?status=503",
            "the service does not answer in time": f"{base_url}/events/Oslo?stall=2",
            "the service cannot be reached": f"http://127.0.0.1:{free_port()}/events/Oslo",
        }
        for case, url in cases.items():
            started = time.perf_counter()
            async with LoopLagMonitor() as lag:
                try:
                    result = await guarded(events_section(client, url))
                except Exception as error:  # the point of the exercise: report it
                    if "coroutine" in str(error):
                        raise  # a forgotten await: the checker core explains that best
                    raise Hint(f"when {case}, `events_section` raised {type(error).__name__}: "
                               "catch the upstream's errors (`httpx.HTTPError` covers error "
                               "statuses after `raise_for_status()`, timeouts and connection "
                               "failures) and return `{\"error\": ...}` instead.",
                               decisive=True) from None
            took = time.perf_counter() - started
            if took > 1.0:
                raise Hint(f"when {case}, the call took {seconds(took)}: use the `client` you "
                           "are given, whose timeout (0.3 s here) stops the wait.")
            hint_if_blocked(lag.max_lag, "`events_section`",
                            "use `await client.get(url)` with the `client` you are given (a new "
                            "`httpx.AsyncClient` blocks the loop ~50 ms loading its TLS "
                            "certificates)")
            hint_if_still_awaitable(result, fix="`await client.get(url)`")
            if not isinstance(result, dict):
                raise Hint(f"when {case}, return a dict, not {type(result).__name__}.")
            if case == "the service answers":
                data = result.get("data")
                if not isinstance(data, dict) or data.get("city") != "Oslo":
                    raise Hint("when the service answers, return `{\"data\": response.json()}` "
                               f"(call `.json()`); got {result}.")
            elif "error" not in result:
                extra = (" (An error status is not an exception until "
                         "`response.raise_for_status()`.)" if "503" in case else "")
                raise Hint(f"when {case}, return `{{\"error\": \"a message\"}}` so the "
                           f"dashboard can show it; got {result}.{extra}")
            elif not str(result["error"]).strip():
                raise Hint(f"when {case}, the error message is empty (`str()` of a timeout is "
                           "''): write your own, for example f\"events: unavailable "
                           "({type(error).__name__})\".")
    return "data when the service answers; a message for a 503, a timeout and no connection."
