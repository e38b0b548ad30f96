"""Show the code behind a lesson's app or function, so a learner sees what a cell runs."""

from __future__ import annotations

import inspect


def show_source(*objects) -> None:
    """Display the source of each function, class or module as a highlighted Python block.

    A string is shown as it is (for code kept in a string, such as a script). In a notebook
    the block is Markdown (highlighted by JupyterLab); elsewhere it is printed.

    Raises:
        TypeError: for an object without Python source (a built-in, say), from `inspect`.
    """
    code = "\n\n".join(
        (item if isinstance(item, str) else inspect.getsource(item)).rstrip() for item in objects
    )
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython comes with the course's environment
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(f"```python\n{code}\n```"))
    else:
        print(code)
