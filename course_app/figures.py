"""The course's one "where does my code run" figure, drawn with matplotlib.

    where_code_runs()                         # every part
    where_code_runs("threadpool")             # the threadpool in colour, the rest greyed

One uvicorn worker process holds one event-loop thread (every `async def` path operation,
dependency and background task runs there, taking turns at each `await`) and one threadpool
(AnyIO's, 40 threads by default: plain `def` path operations, dependencies and background tasks,
and `run_in_threadpool` / `asyncio.to_thread`). A process pool (`loop.run_in_executor` with a
`ProcessPoolExecutor`) runs functions in other processes, each with its own interpreter and GIL.
`uvicorn --workers N` starts N such worker processes, each with its own loop, threadpool and
memory. Sources: Starlette's `run_in_threadpool`, AnyIO's default thread limiter (40 tokens),
uvicorn's `--workers` supervisor.

`show_figure` displays any matplotlib figure (this one, a timeline's, a load sweep's) as a PNG.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

PARTS = ("event loop", "threadpool", "process pool", "workers")
"""The parts that `where_code_runs` can highlight."""

_COLOURS = {"event loop": "#2a9d8f", "threadpool": "#e9c46a", "process pool": "#f4a261",
            "workers": "#8ab17d"}
_GREY = "#e6e6e6"


def _box(ax, x, y, w, h, colour, title, lines, bold):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=colour, edgecolor="black",
                                linewidth=1.6 if bold else 0.6))
    ax.text(x + 0.12, y + h - 0.16, title, fontsize=10, weight="bold" if bold else "normal",
            va="top", color="black" if bold else "#666666")
    for row, line in enumerate(lines):
        ax.text(x + 0.16, y + h - 0.52 - 0.3 * row, line, fontsize=8.5, va="top",
                family="monospace", color="black" if bold else "#888888")


def _arrow(ax, start, end, label, bold):
    ax.annotate("", xy=end, xytext=start, arrowprops={
        "arrowstyle": "-|>", "lw": 1.6 if bold else 0.8, "color": "black" if bold else "#999999"})
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12)
    ax.text(*middle, label, fontsize=8, ha="center", family="monospace",
            color="black" if bold else "#999999",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})


def figure(highlight: str | Iterable[str] = PARTS):
    """Build the figure as a matplotlib `Figure` (about 9 × 4.6 inches).

    Args:
        highlight: one part name or several, from `PARTS`; those are drawn in colour, the
            others greyed out.

    Raises:
        ValueError: for a name not in `PARTS`.
    """
    from matplotlib.figure import Figure  # imported here: only drawing cells pay for it

    chosen = {highlight} if isinstance(highlight, str) else set(highlight)
    unknown = chosen - set(PARTS)
    if unknown:
        raise ValueError(f"unknown part(s) {sorted(unknown)}; choose from {list(PARTS)}")
    on = {part: part in chosen for part in PARTS}
    colour = {part: _COLOURS[part] if on[part] else _GREY for part in PARTS}

    fig = Figure(figsize=(9, 4.6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 9)
    ax.set_ylim(0, 4.6)
    ax.axis("off")
    # Other worker processes, drawn as a stack behind the first one.
    for shift in (0.24, 0.12):
        _box(ax, 0.2 + shift, 0.25 + shift, 5.6, 4.0, colour["workers"], "", [], on["workers"])
    _box(ax, 0.2, 0.25, 5.6, 4.0, "white", "worker process (uvicorn --workers N starts N)",
         [], on["workers"])
    _box(ax, 0.45, 2.1, 5.1, 1.75, colour["event loop"], "event-loop thread (one per process)",
         ["async def path operations, dependencies,",
          "  background tasks: take turns at each await",
          "await: the loop runs another task meanwhile",
          "time.sleep() here stops every request"], on["event loop"])
    _box(ax, 0.45, 0.45, 5.1, 1.4, colour["threadpool"], "threadpool (40 threads by default)",
         ["def path operations, dependencies,", "  background tasks; run_in_threadpool(),",
          "  asyncio.to_thread(); the GIL: one runs Python"], on["threadpool"])
    _box(ax, 6.5, 1.3, 2.3, 2.4, colour["process pool"], "process pool",
         ["separate processes,", "each its own GIL:", "CPU work runs in", "parallel"],
         on["process pool"])
    _arrow(ax, (3.0, 2.1), (3.0, 1.85), "def  /  run_in_threadpool", on["threadpool"])
    _arrow(ax, (5.55, 2.9), (6.5, 2.6), "run_in_executor", on["process pool"])
    ax.text(6.5, 0.55, "workers share no memory:\nstate in a database,\ncache or queue",
            fontsize=8, color="black" if on["workers"] else "#999999", va="bottom")
    return fig


def where_code_runs(highlight: str | Iterable[str] = PARTS) -> None:
    """Display the "where does my code run" figure in the notebook (nothing outside one).

    Args:
        highlight: the part or parts to draw in colour (see `figure`).

    Raises:
        ValueError: for a name not in `PARTS`.
    """
    show_figure(figure(highlight))


def show_figure(fig, dpi: int = 80) -> None:
    """Display a matplotlib `Figure` as a PNG image in the notebook (or do nothing outside one).

    The figure is rendered by matplotlib's Agg backend and shown with `IPython.display.Image`,
    so it does not depend on the notebook's plotting backend and is never shown twice.
    `dpi` is the image's resolution, in dots per inch.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython comes with the course's environment
        return
    if get_ipython() is not None:
        display(Image(data=buffer.getvalue(), format="png"))
def deployment_figure():
    """Lesson 13's deployment as a matplotlib `Figure` (about 9 × 3.6 inches): clients →
    Caddy (round robin) → two app processes → Valkey ← a job worker process."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 9)
    ax.set_ylim(0, 3.6)
    ax.axis("off")
    _box(ax, 0.1, 1.3, 1.3, 1.0, _GREY, "clients", ["httpx"], True)
    _box(ax, 1.9, 1.2, 1.5, 1.2, _COLOURS["process pool"], "Caddy", ["round", "robin"], True)
    for y, name in ((2.2, "app process A"), (0.2, "app process B")):
        _box(ax, 3.9, y, 2.0, 1.2, _COLOURS["event loop"], name,
             ["uvicorn, FastAPI:", "202 + job id"], True)
    _box(ax, 6.6, 1.0, 1.0, 1.6, _COLOURS["threadpool"], "Valkey",
         ["queue,", "cache,", "counters"], True)
    _box(ax, 7.8, 2.25, 1.15, 1.15, _COLOURS["workers"], "worker", ["runs jobs"], True)
    _arrow(ax, (1.4, 1.8), (1.9, 1.8), "", True)
    _arrow(ax, (3.4, 2.0), (3.9, 2.7), "", True)
    _arrow(ax, (3.4, 1.6), (3.9, 0.9), "", True)
    _arrow(ax, (5.9, 2.7), (6.6, 2.1), "", True)
    _arrow(ax, (5.9, 0.9), (6.6, 1.5), "", True)
    _arrow(ax, (8.3, 2.25), (7.6, 1.9), "", True)
    ax.text(4.9, 1.75, "no shared memory", fontsize=8, ha="center", color="#666666")
    return fig


def deployment() -> None:
    """Display `deployment_figure()` in the notebook."""
    show_figure(deployment_figure())
