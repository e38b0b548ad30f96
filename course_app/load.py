"""An async load generator: N requests at a given concurrency, with throughput and percentiles.

    result = await generate_load("http://127.0.0.1:8123", "/async-io", requests=80, concurrency=40)
    print(result.summary())
    # c=40   n=80    183.2 req/s  p50  203.4 ms  p95  214.9 ms  p99  216.0 ms  max  216.3 ms  ok

`concurrency` workers each send one request at a time over a connection of their own, so at
most `concurrency` requests are in flight at once. The generator is **closed-loop**: a worker
sends its next request only when the last one is answered, so it slows down with an overloaded
server, where real users keep arriving; past overload its latencies understate what users see.
It is one Python process on the same cores as the server, so it has a ceiling of its own (lesson
10, section 10.1, measures it): a scenario should make each request wait long enough that the
server, not the client, sets the pace. Loopback only, and bounded in count and time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from course_app.burst import require_loopback
from course_app.figures import show_figure

MAX_REQUESTS = 5_000
"""The most requests one `generate_load` call may send."""

MAX_CONCURRENCY = 500
"""The most requests one `generate_load` call may have in flight at once."""


@dataclass
class LoadResult:
    """What one load run measured.

    Attributes:
        path: the path requested.
        concurrency: the most requests in flight at once.
        sent: requests sent (fewer than asked when `max_seconds` ran out).
        wall_time: seconds from the first request sent to the last response received.
        latencies: seconds from sending to the full response, one per successful request
            (2xx), in completion order.
        errors: kind → count for every request that did not succeed: `"status 503"` for an
            error status, or the exception's class name (`"ReadTimeout"`, `"ConnectError"`).
    """

    path: str
    concurrency: int
    sent: int
    wall_time: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    @property
    def succeeded(self) -> int:
        """Requests answered with a 2xx status."""
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Successful requests per second over the run's wall time (requests/s)."""
        return self.succeeded / self.wall_time if self.wall_time > 0 else 0.0

    def percentile_ms(self, percent: float) -> float:
        """The `percent` percentile of the successful requests' latencies, in milliseconds.

        Uses `statistics.quantiles` (method "inclusive"), so p100 is the maximum. Returns
        `nan` when no request succeeded.
        """
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1 or percent >= 100:
            return max(self.latencies) * 1000
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[max(0, min(98, round(percent) - 1))] * 1000

    @property
    def p50_ms(self) -> float:
        """Median latency, in milliseconds."""
        return self.percentile_ms(50)

    @property
    def p95_ms(self) -> float:
        """95th percentile latency, in milliseconds."""
        return self.percentile_ms(95)

    @property
    def p99_ms(self) -> float:
        """99th percentile latency, in milliseconds."""
        return self.percentile_ms(99)

    @property
    def max_ms(self) -> float:
        """Slowest successful request, in milliseconds."""
        return self.percentile_ms(100)

    def summary(self) -> str:
        """One fixed-format line: concurrency, count, throughput, percentiles, errors."""
        errors = ", ".join(f"{count} {kind}" for kind, count in sorted(self.errors.items()))
        verdict = errors or ("ok" if self.sent else "nothing sent")
        return (f"c={self.concurrency:<4} n={self.sent:<5} {self.throughput:7.1f} req/s  "
                f"p50 {self.p50_ms:7.1f} ms  p95 {self.p95_ms:7.1f} ms  "
                f"p99 {self.p99_ms:7.1f} ms  max {self.max_ms:7.1f} ms  {verdict}")


async def generate_load(base_url: str, path: str = "/", requests: int = 100,
                        concurrency: int = 10, method: str = "GET", timeout: float = 10.0,
                        max_seconds: float = 60.0, keep_alive: bool = True) -> LoadResult:
    """Send `requests` `method path` requests to `base_url`, at most `concurrency` at a time.

    Args:
        base_url: a server on 127.0.0.1, such as `Server(...)` gives.
        path: the path to request.
        requests: how many requests to send (1 to `MAX_REQUESTS`).
        concurrency: how many may be in flight at once (1 to `MAX_CONCURRENCY`); each of
            that many workers has one `httpx.AsyncClient` with one connection.
        method: the HTTP method.
        timeout: seconds each request may take (httpx's timeout, for every phase).
        max_seconds: no new request is sent after this many seconds; the run then ends as soon
            as the requests in flight finish.
        keep_alive: reuse each worker's connection (HTTP keep-alive). `False` sends
            `Connection: close`, so every request opens a new connection; with several uvicorn
            worker processes, each new connection goes to a worker that is free to accept it,
            where a kept-alive one stays with the worker that accepted it first.

    Returns:
        A `LoadResult`. Errors never raise: each failed request is counted by kind.

    Raises:
        ValueError: when `base_url` is not `http://127.0.0.1:PORT`, or a count, a bound or
            `max_seconds` is out of range.
    """
    require_loopback(base_url)
    if not isinstance(requests, int) or not isinstance(concurrency, int):
        raise ValueError(f"requests and concurrency are whole numbers, got {requests!r} and "
                         f"{concurrency!r}")
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be more than 0, got {max_seconds!r}")
    if not 1 <= requests <= MAX_REQUESTS:
        raise ValueError(f"requests must be 1 to {MAX_REQUESTS}, got {requests}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    result = LoadResult(path=path, concurrency=concurrency, sent=0, wall_time=0.0)
    workers = min(concurrency, requests)
    # One client (one connection) per worker, all sharing one SSL context: one client with a
    # pool of many connections spends time that grows with the square of the requests in
    # flight managing that pool (httpcore), and would measure itself instead of the server.
    ssl_context = httpx.create_ssl_context()
    headers = {} if keep_alive else {"Connection": "close"}
    clients = [httpx.AsyncClient(base_url=base_url, timeout=timeout, verify=ssl_context,
                                 limits=httpx.Limits(max_connections=1), headers=headers)
               for _ in range(workers)]
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while result.sent < requests and time.perf_counter() < deadline:
            result.sent += 1
            sent_at = time.perf_counter()
            try:
                response = await client.request(method, path)
            except httpx.HTTPError as error:
                result.errors[type(error).__name__] += 1
                continue
            if response.is_success:
                result.latencies.append(time.perf_counter() - sent_at)
            else:
                result.errors[f"status {response.status_code}"] += 1

    try:
        await asyncio.gather(*(worker(client) for client in clients))
    finally:
        result.wall_time = time.perf_counter() - started
        await asyncio.gather(*(client.aclose() for client in clients))
    return result


METRICS = {"throughput": "throughput (requests/s)", "p50_ms": "median latency (ms)",
           "p95_ms": "p95 latency (ms)", "p99_ms": "p99 latency (ms)",
           "max_ms": "slowest request (ms)"}
"""The `LoadResult` attributes `figure` can draw, with their axis labels."""


def figure(sweeps: dict[str, list[LoadResult]], metric: str = "p95_ms"):
    """A matplotlib figure: `metric` against concurrency, one line per sweep.

    Args:
        sweeps: a name → the load results of one scenario, one per concurrency.
        metric: a `LoadResult` attribute: "throughput" (requests/s), "p50_ms", "p95_ms",
            "p99_ms" or "max_ms".

    Returns:
        A `matplotlib.figure.Figure` (not shown; `plot` shows one).

    Raises:
        ValueError: for an unknown metric, listing the known ones.
    """
    from matplotlib.figure import Figure

    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    labels = METRICS
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    axes = fig.add_subplot()
    for name, results in sweeps.items():
        axes.plot([r.concurrency for r in results], [getattr(r, metric) for r in results],
                  marker="o", label=name)
    axes.set_xlabel("concurrency (requests in flight)")
    axes.set_ylabel(labels.get(metric, metric))
    axes.set_xscale("log")
    concurrencies = sorted({r.concurrency for results in sweeps.values() for r in results})
    axes.set_xticks(concurrencies, [str(c) for c in concurrencies])
    axes.grid(True, alpha=0.3)
    axes.legend()
    return fig


def plot(sweeps: dict[str, list[LoadResult]], *metrics: str) -> None:
    """Show one chart per metric (default: throughput and p95 latency), as in `figure`.

    In a notebook the charts are displayed as PNG images; elsewhere nothing is shown.
    """
    for metric in metrics or ("throughput", "p95_ms"):
        show_figure(figure(sweeps, metric), dpi=90)
