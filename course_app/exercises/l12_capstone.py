"""Lesson 12's exercises: a fourth upstream that still runs concurrently, and a section that
degrades gracefully when its service fails."""

from __future__ import annotations

import asyncio
import time

import httpx

from course_app.check import Hint, exercise, guarded, hint_if_blocked, hint_if_still_awaitable
from course_app.fake_upstream import build_upstream
from course_app.lessons.l12_capstone import SECTION_PATHS, service_routes
from course_app.loop_lag import LoopLagMonitor
from course_app.server import Server, free_port
from course_app.solutions import l12_capstone as solutions
from course_app.timeline import seconds

LATENCY = 0.2
SECTIONS = [*SECTION_PATHS, "events"]


class CountingSemaphore(asyncio.Semaphore):
    """A semaphore that counts how many times it was acquired."""

    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.acquired = 0

    async def acquire(self) -> bool:
        self.acquired += 1
        return await super().acquire()


@exercise("12.1", "a fourth upstream, still concurrent", expects="async function",
          solution=solutions.fetch_with_events)
async def check_fetch_with_events(fetch_with_events) -> str:
    # One fake service behind all four names, so its counters see every call.
    upstream = build_upstream(latency=LATENCY)
    mounts, bases = service_routes({name: upstream for name in SECTIONS})
    limit = CountingSemaphore(10)
    async with httpx.AsyncClient(mounts=mounts) as client, LoopLagMonitor() as lag:
        started = time.perf_counter()
        result = await guarded(fetch_with_events(client, limit, bases, "Oslo", "USD"))
        took = time.perf_counter() - started
    hint_if_still_awaitable(result, fix="`return await fetch_sections(...)`")
    hint_if_blocked(lag.max_lag, "`fetch_with_events`")
    if not isinstance(result, dict):
        raise Hint(f"return a dict, section name → section, like `fetch_sections`; got "
                   f"{type(result).__name__}.")
    missing = [name for name in SECTIONS if name not in result]
    if missing:
        raise Hint(f"the dashboard has no {', '.join(missing)} section yet: add its URL (the "
                   "events service answers on `/events/{city}`, at `bases[\"events\"]`) next "
                   "to the other three.")
    failed = {name: section.get("error") for name, section in result.items()
              if isinstance(section, dict) and "error" in section}
    if any("could not reach" in str(error) for error in failed.values()):
        raise Hint(f"some sections could not reach their service: {failed}. Use the `client` "
                   "you are given: it is the app's one shared client, the one that can reach "
                   "the services (a new `httpx.AsyncClient()` cannot, and would not reuse "
                   "connections).", decisive=True)
    if failed:
        raise Hint(f"some sections failed: {failed}. The events service answers on "
                   "`/events/{city}`.")
    events = result["events"].get("data", {}) if isinstance(result["events"], dict) else {}
    if events.get("city") != "Oslo":
        raise Hint(f"the events section should be about the city asked for (Oslo); got "
                   f"{result['events']}. Build its URL from `city`.")
    if limit.acquired < len(SECTIONS):
        raise Hint(f"the app's semaphore `limit` was held for only {limit.acquired} of the "
                   f"{len(SECTIONS)} calls: call each one through `fetch_section(client, "
                   "limit, ...)` (or hold `limit` around it), so the app's bound on upstream "
                   "calls still holds.", decisive=True)
    stats = upstream.state.stats.as_dict()
    if stats["peak_in_flight"] < len(SECTIONS):
        raise Hint(f"only {stats['peak_in_flight']} call(s) were in flight at once, and the "
                   f"four sections took {seconds(took)} where the slowest takes "
                   f"{seconds(LATENCY)}: fetch all four in one `asyncio.gather` "
                   "(`fetch_sections` with four URLs does it).", decisive=True)
    if took > 1.6 * LATENCY:
        raise Hint(f"four sections took {seconds(took)}, more than one call of "
                   f"{seconds(LATENCY)}: is something waiting that need not?")
    return (f"four sections in {seconds(took)}, all four calls in flight at once (the slowest "
            f"takes {seconds(LATENCY)}).")


@exercise("12.2", "one failure degrades gracefully", expects="async function",
          solution=solutions.events_section)
async def check_events_section(events_section) -> str:
    async with Server(build_upstream(latency=0), access_log=False,
                      graceful_shutdown_timeout=0.1) as base_url, \
            httpx.AsyncClient(base_url=base_url, timeout=0.3) as client:
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
            hint_if_blocked(lag.max_lag, "`events_section`",
                            "use `await client.get(url)` with the client you are given")
            hint_if_still_awaitable(result, fix="`await client.get(url)`")
            if not isinstance(result, dict):
                raise Hint(f"when {case}, return a dict, not {type(result).__name__}.")
            if took > 1.0:
                raise Hint(f"when {case}, the call took {seconds(took)}: use the `client` you "
                           "are given, whose timeout (0.3 s here) stops the wait.")
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
