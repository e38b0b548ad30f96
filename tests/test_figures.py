"""The "where does my code run" figure: every part drawn, the chosen ones in colour."""

import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyBboxPatch

from course_app.figures import PARTS, figure


def _box_colours(fig) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in fig.axes[0].patches
            if isinstance(p, FancyBboxPatch)]


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.axes[0].texts)


def test_every_part_is_named_with_its_arrows():
    text = _texts(figure())
    for words in ("event-loop thread", "threadpool (40 threads", "process pool",
                  "uvicorn --workers N", "run_in_threadpool", "run_in_executor", "await"):
        assert words in text


def test_a_highlight_greys_out_the_other_parts():
    everything, one = _box_colours(figure()), _box_colours(figure("threadpool"))
    assert one.count("#e6e6e6") > everything.count("#e6e6e6")
    assert "#e9c46a" in one and "#2a9d8f" not in one


def test_an_unknown_part_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="choose from"):
        figure("GIL")
    assert set(PARTS) == {"event loop", "threadpool", "process pool", "workers"}


def test_the_deployment_figure_names_every_process():
    from course_app.figures import deployment_figure

    text = _texts(deployment_figure())
    for words in ("clients", "Caddy", "app process A", "app process B", "Valkey", "worker"):
        assert words in text
