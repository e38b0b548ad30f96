"""Record what ran when, then print it as a table or draw it as bars.

    timeline = Timeline("concurrent")
    async def request(name):
        async with timeline.span(name):       # or `with timeline.span(name):` in plain code
            await asyncio.sleep(0.3)
    await asyncio.gather(request("request 1"), request("request 2"))
    timeline.show()                            # the table
    timeline.plot()                            # the bar chart

Times come from `time.perf_counter()` and are reported in seconds from the timeline's zero point,
the start of its earliest span. Spans are listed in the order they were *opened* (or by name),
never by measured start time: concurrent starts are microseconds apart and would swap places
between runs, and the printed table must read the same every time.

Printed durations use one fixed format, `0.30 s`, which the notebook tests rewrite before they
compare outputs.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass

from course_app.figures import show_figure
from course_app.paths import TIMELINE_RECORD_VARIABLE

SECONDS_FORMAT = "{:.2f} s"
"""How every duration is printed; tests/sanitize.cfg rewrites exactly this shape."""


BUSY_MACHINE = "busy machine: "
"""Starts every line a notebook prints instead of a timing claim when the machine was too busy
to test it (the cores were not free, the machine's ceiling too low). Stored outputs, made on an
idle machine, never contain it (tests/test_busy_machine.py)."""

RECORD_ENV = TIMELINE_RECORD_VARIABLE
"""When this environment variable names a file, every timeline shown (as a table or a chart)
appends one JSON line to it: how `benchmarks/course_timing.py` reads what each notebook measured.
"""

MILLISECONDS_FORMAT = "{:.1f} ms"
"""How short times (a handler's time, loop lag) are printed; tests/sanitize.cfg rewrites it."""


def seconds(value: float) -> str:
    """Format a duration in seconds the course's one way, for example `0.30 s`.

    For the wall time of a batch of requests or calls; short times use `ms`."""
    return SECONDS_FORMAT.format(value)


def ms(value: float) -> str:
    """Format a duration given in **seconds** as milliseconds, for example `ms(0.0123)` gives
    `12.3 ms`: for one handler's time or the event loop's lag, which `seconds` would show as
    0.00 s."""
    return MILLISECONDS_FORMAT.format(value * 1000)


@dataclass(frozen=True)
class Span:
    """One recorded interval: `start` and `end` are `time.perf_counter()` readings, in seconds."""

    name: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        """`end - start`, in seconds."""
        return self.end - self.start


class _SpanContext:
    """Context manager returned by `Timeline.span`; usable with `with` and `async with`."""

    def __init__(self, timeline: Timeline, name: str) -> None:
        self._timeline = timeline
        self._name = name
        self._index: int | None = None
        self._start = 0.0

    def __enter__(self) -> _SpanContext:
        self._index = self._timeline._reserve(self._name)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timeline._fill(self._index, Span(self._name, self._start, time.perf_counter()))

    async def __aenter__(self) -> _SpanContext:
        return self.__enter__()

    async def __aexit__(self, *exc_info) -> None:
        self.__exit__(*exc_info)


class Timeline:
    """Named spans from concurrent code (tasks or threads), in seconds from a zero point.

    Args:
        title: shown above the table and the chart, for example "sequential".
    """

    def __init__(self, title: str = "timeline") -> None:
        self.title = title
        self._slots: list[Span | None] = []
        self._lock = threading.Lock()

    # --- recording -------------------------------------------------------------------------

    def span(self, name: str) -> _SpanContext:
        """Return a context manager that records the time spent inside it under `name`.

        Works with `with` and `async with`. The span takes its place in the listing when it is
        opened, so the order is the order of `span()` entries, which is stable for tasks
        started in a fixed order (asyncio runs ready tasks first in, first out).
        """
        return _SpanContext(self, name)

    def record(self, name: str, start: float, end: float) -> None:
        """Add a span measured elsewhere; `start` and `end` are `time.perf_counter()` readings.

        Raises:
            ValueError: if `end` is before `start`.
        """
        if end < start:
            raise ValueError(f"span {name!r} ends ({end}) before it starts ({start})")
        self._fill(self._reserve(name), Span(name, start, end))

    def clear(self) -> None:
        """Forget every span, so a cell that fills this timeline can be run again."""
        with self._lock:
            self._slots.clear()

    def _reserve(self, name: str) -> int:
        with self._lock:
            self._slots.append(None)
            return len(self._slots) - 1

    def _fill(self, index: int, span: Span) -> None:
        with self._lock:
            self._slots[index] = span

    # --- reading ---------------------------------------------------------------------------

    @property
    def spans(self) -> list[Span]:
        """The finished spans, in the order they were opened."""
        with self._lock:
            return [span for span in self._slots if span is not None]

    @property
    def zero(self) -> float:
        """The earliest start, a `time.perf_counter()` reading; 0.0 for an empty timeline."""
        spans = self.spans
        return min(span.start for span in spans) if spans else 0.0

    @property
    def wall_time(self) -> float:
        """Seconds from the earliest start to the latest end (0.0 when empty)."""
        spans = self.spans
        return max(s.end for s in spans) - min(s.start for s in spans) if spans else 0.0

    @property
    def busy_time(self) -> float:
        """Sum of all span durations, in seconds: the wall time if nothing had overlapped."""
        return sum(span.duration for span in self.spans)

    def max_overlap(self) -> int:
        """The largest number of spans running at the same moment (0 when empty).

        A span that starts exactly when another ends does not overlap it.
        """
        events = sorted(
            [(s.start, 1) for s in self.spans] + [(s.end, -1) for s in self.spans],
            key=lambda event: (event[0], event[1]),
        )
        running = peak = 0
        for _, change in events:
            running += change
            peak = max(peak, running)
        return peak

    def __getitem__(self, name: str) -> Span:
        """The first span called `name`.

        Raises:
            KeyError: when no finished span has that name.
        """
        for span in self.spans:
            if span.name == name:
                return span
        raise KeyError(f"no span named {name!r} in timeline {self.title!r}")

    # --- showing ---------------------------------------------------------------------------

    def summary(self) -> dict:
        """What the timeline measured, in seconds: `{"title", "wall_time", "busy_time",
        "longest_span", "max_overlap", "spans"}`, spans as `[name, start, end]` from zero."""
        spans, zero = self.spans, self.zero
        return {"title": self.title, "wall_time": self.wall_time, "busy_time": self.busy_time,
                "longest_span": max((s.duration for s in spans), default=0.0),
                "max_overlap": self.max_overlap(),
                "spans": [[s.name, s.start - zero, s.end - zero] for s in spans]}

    def _record_if_asked(self) -> None:
        """Append `summary()` as a JSON line to the file named by `RECORD_ENV`, if set."""
        path = os.environ.get(RECORD_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as file:
                file.write(json.dumps(self.summary()) + "\n")

    def table(self, order: str = "opened") -> str:
        """The spans as a fixed-format text table, times relative to `zero`.

        Args:
            order: "opened" (the order the spans were opened) or "name" (alphabetical).

        Raises:
            ValueError: for any other `order`.
        """
        if order not in ("opened", "name"):
            raise ValueError(f"order must be 'opened' or 'name', not {order!r}")
        self._record_if_asked()
        spans = self.spans if order == "opened" else sorted(self.spans, key=lambda s: s.name)
        zero = self.zero
        width = max([len(s.name) for s in spans] + [4])
        lines = [self.title, f"{'span':<{width}}  {'start':>8}  {'end':>8}  {'duration':>8}"]
        for s in spans:
            lines.append(
                f"{s.name:<{width}}  {seconds(s.start - zero):>8}  {seconds(s.end - zero):>8}"
                f"  {seconds(s.duration):>8}"
            )
        lines.append(
            f"wall time {seconds(self.wall_time)}, sum of spans {seconds(self.busy_time)},"
            f" at most {self.max_overlap()} at once"
        )
        return "\n".join(lines)

    def show(self, order: str = "opened") -> None:
        """Print `table(order)`."""
        print(self.table(order))

    def plot(self) -> None:
        """Draw this timeline as horizontal bars (see `plot`)."""
        plot(self)


def figure(*timelines: Timeline):
    """Build a matplotlib `Figure` with one panel per timeline, sharing the time axis.

    Each span is a horizontal bar from its start to its end, in seconds from that timeline's
    zero, labelled with its duration; spans are listed top to bottom in the order opened.

    Raises:
        ValueError: when called without a timeline.
    """
    from matplotlib.figure import Figure  # imported here: only plotting cells pay for it

    if not timelines:
        raise ValueError("figure() needs at least one Timeline")
    for timeline in timelines:
        timeline._record_if_asked()
    heights = [max(len(t.spans), 1) for t in timelines]
    fig = Figure(figsize=(8, 0.9 + 0.45 * sum(heights) + 0.5 * len(timelines)))
    axes = fig.subplots(
        len(timelines), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights}
    )[:, 0]
    longest = max([t.wall_time for t in timelines] + [1e-3])
    colours = ["#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#264653", "#8ab17d"]
    for ax, timeline in zip(axes, timelines, strict=True):
        zero = timeline.zero
        names = [s.name for s in timeline.spans]
        for row, span in enumerate(timeline.spans):
            ax.barh(row, span.duration, left=span.start - zero,
                    color=colours[row % len(colours)], edgecolor="black", linewidth=0.5)
            ax.text(span.end - zero + longest * 0.01, row, seconds(span.duration),
                    va="center", fontsize=8)
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_title(f"{timeline.title}: wall time {seconds(timeline.wall_time)}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("seconds")
    axes[-1].set_xlim(0, longest * 1.15)
    fig.tight_layout()
    return fig


def plot(*timelines: Timeline) -> None:
    """Display `figure(*timelines)` as a PNG image in the notebook (see
    `course_app.figures.show_figure`), or do nothing outside one."""
    show_figure(figure(*timelines))
