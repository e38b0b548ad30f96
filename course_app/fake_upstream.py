"""A fake third-party API: the "external service" of lessons 06, 07 and later, offline.

It answers like a small weather, exchange-rate, flights and events service, with deterministic
bodies, and lets a lesson dial in what real services do to you:

- `latency` (seconds, a query parameter, default the app's `latency`): how long to wait before
  answering;
- `status=503` (any 4xx/5xx): answer with that status and an error body;
- `stall=5` (seconds): wait that long first, longer than a sensible client timeout;
- `abort=true`: start the response, then drop the connection mid-body (a connection error);
- `fail_first=2&key=abc`: fail the first 2 requests carrying that key with a 503, then succeed
  (for retries).

It counts what it sees, for a lesson to read at `GET /stats` (reset with `POST /stats/reset`):
requests received and completed, the most requests in flight at once, and connections opened
(distinct client ports: each TCP connection has its own; the in-process transport has one).

Use it in-process (`AppClient(build_upstream())`, fast, no sockets) or on a real server
(`Server(build_upstream())`), where connection reuse and timeouts exist.

`build_model_server()` is a second fake: a language model's API that streams its answer, one JSON
line per token (`{"n": 1, "token": "Async"}`), at a set rate, and can fail mid-answer (lesson 14).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from dataclasses import dataclass, field

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse

CONDITIONS = ("sunny", "cloudy", "rainy", "windy", "snowy")
RATES_PER_EUR = {"EUR": 1.0, "USD": 1.08, "GBP": 0.86, "JPY": 162.0, "CHF": 0.95}


ANSWER = ("Async", " code", " waits", " for", " the", " network", " without", " holding", " a",
          " thread", ",", " so", " one", " event", " loop", " serves", " many", " streams", ".")
"""The tokens the fake model server streams, in order."""


def temperature_c(city: str) -> int:
    """The fake temperature of `city`, in °C: the same every time for the same name."""
    return sum(map(ord, city.lower())) % 35 - 5


@dataclass
class UpstreamStats:
    """What the fake upstream has seen since its start or last reset (thread-safe)."""

    received: int = 0
    completed: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    client_ports: set[int] = field(default_factory=set)
    failures_by_key: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, int]:
        """`received`, `completed`, `peak_in_flight` and `connections` (distinct client ports)."""
        with self.lock:
            return {"received": self.received, "completed": self.completed,
                    "peak_in_flight": self.peak_in_flight, "connections": len(self.client_ports)}

    def reset(self) -> None:
        """Start counting from zero (requests in flight stay in flight)."""
        with self.lock:
            self.received = self.completed = 0
            self.peak_in_flight = self.in_flight
            self.client_ports.clear()
            self.failures_by_key.clear()


def build_upstream(latency: float = 0.05) -> FastAPI:
    """A fresh fake upstream app whose requests wait `latency` seconds unless told otherwise.

    Its `UpstreamStats` is `app.state.stats`.
    """
    app = FastAPI(title="Fake upstream: weather and rates")
    stats = UpstreamStats()
    app.state.stats = stats

    @app.middleware("http")
    async def count(request: Request, call_next):
        if request.url.path.startswith("/stats"):
            return await call_next(request)
        with stats.lock:
            stats.received += 1
            stats.in_flight += 1
            stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
            if request.client is not None:
                stats.client_ports.add(request.client.port)
        try:
            response = await call_next(request)
        finally:
            with stats.lock:
                stats.in_flight -= 1
        with stats.lock:
            stats.completed += 1
        return response

    async def misbehave(request: Request) -> None:
        """Apply the request's `latency`, `stall`, `status` and `fail_first` parameters."""
        query = request.query_params
        await asyncio.sleep(float(query.get("stall", 0)) or float(query.get("latency", latency)))
        key = query.get("key")
        if key is not None and "fail_first" in query:
            with stats.lock:
                stats.failures_by_key[key] += 1
                attempt = stats.failures_by_key[key]
            if attempt <= int(query["fail_first"]):
                raise HTTPException(503, f"temporarily unavailable (attempt {attempt})")
        if "status" in query:
            code = int(query["status"])
            raise HTTPException(code, f"the upstream answered {code} as asked")

    def maybe_abort(request: Request, body: bytes):
        if request.query_params.get("abort") != "true":
            return None

        async def half_then_drop():
            yield body[: len(body) // 2]
            raise ConnectionAbortedError("the upstream dropped the connection mid-response")

        return StreamingResponse(half_then_drop(), media_type="application/json",
                                 headers={"content-length": str(len(body))})

    @app.get("/weather/{city}")
    async def weather(city: str, request: Request):
        """Today's weather in `city`: temperature (°C) and conditions, deterministic."""
        await misbehave(request)
        body = {"city": city, "temperature_c": temperature_c(city),
                "conditions": CONDITIONS[len(city) % len(CONDITIONS)]}
        aborted = maybe_abort(request, str(body).encode())
        return aborted if aborted is not None else body

    @app.get("/rates/{currency}")
    async def rate(currency: str, request: Request):
        """How many units of `currency` one euro buys; 404 for an unknown currency."""
        await misbehave(request)
        code = currency.upper()
        if code not in RATES_PER_EUR:
            raise HTTPException(404, f"no rate for {currency!r}; try {', '.join(RATES_PER_EUR)}")
        return {"currency": code, "per_eur": RATES_PER_EUR[code]}

    @app.get("/flights/{city}")
    async def flights(city: str, request: Request):
        """Three flights to `city`: number, price (EUR) and hours, deterministic."""
        await misbehave(request)
        seed = sum(map(ord, city.lower()))
        return {"city": city, "flights": [
            {"flight": f"CA{seed % 900 + 100 + n}", "price_eur": 80 + (seed * (n + 3)) % 400,
             "hours": round(1 + (seed * (n + 1)) % 90 / 10, 1)} for n in range(3)]}

    @app.get("/events/{city}")
    async def events(city: str, request: Request):
        """Two events in `city` this week, deterministic."""
        await misbehave(request)
        names = ("jazz night", "food market", "open-air cinema", "book fair")
        seed = sum(map(ord, city.lower()))
        return {"city": city, "events": [names[(seed + n) % len(names)] for n in range(2)]}

    @app.get("/stats")
    async def read_stats() -> dict[str, int]:
        """The counters (see `UpstreamStats.as_dict`)."""
        return stats.as_dict()

    @app.post("/stats/reset")
    async def reset_stats() -> dict[str, int]:
        """Start counting from zero; returns the fresh counters."""
        stats.reset()
        return stats.as_dict()

    return app


upstream_app = build_upstream()
"""A module-level instance, for `Server(UPSTREAM_APP)`."""

UPSTREAM_APP = f"{__name__}:upstream_app"
"""The fake upstream as an importable app, for `Server(UPSTREAM_APP)` (a child process)."""


def build_model_server(rate: float = 20.0) -> FastAPI:
    """A fresh fake model server: `GET /tokens` streams an answer token by token.

    Query parameters: `rate` (tokens per second, default `rate`), `count` (how many tokens,
    default all of `ANSWER`, cycled beyond it), `fail_after=N` (drop the connection after N
    tokens, as an overloaded model server does mid-answer: the client's read fails with
    `httpx.RemoteProtocolError`). Each line is JSON, `{"n": 1, "token": "Async"}`, ending in
    a newline; the response is `application/x-ndjson`. No middleware sits in front of the
    stream, so a failure reaches the client as a broken connection, as it would from a real one.
    """
    app = FastAPI(title="Fake model server: tokens as they are generated")

    @app.get("/tokens")
    async def tokens(rate: float = rate, count: int = len(ANSWER),
                     fail_after: int | None = None) -> StreamingResponse:
        """Stream `count` tokens, `rate` per second; with `fail_after`, fail after that many."""
        if rate <= 0 or count < 0:
            raise HTTPException(422, "rate must be above 0 and count 0 or more")

        async def produce():
            for n in range(count):
                if fail_after is not None and n >= fail_after:
                    raise ConnectionAbortedError(
                        f"the model server dropped the stream after {n} tokens")
                await asyncio.sleep(1 / rate)
                yield json.dumps({"n": n + 1, "token": ANSWER[n % len(ANSWER)]}) + "\n"

        return StreamingResponse(produce(), media_type="application/x-ndjson")

    return app
