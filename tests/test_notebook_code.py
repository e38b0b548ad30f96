"""Every lesson puts its async code in front of the learner.

For each notebook, the code a learner can read is its code cells (IPython magics and shell lines
left out, a `%%writefile` cell's body included) plus the listings that its `show_source` cells
display. Parsed as Python (top-level `await` allowed), that code must contain what the lesson list
says the lesson shows (`Lesson.shows`), outside comments and strings; and no numbered section may
have more than one cell that only calls the course's helpers.
"""

from __future__ import annotations

import ast
import re
import textwrap

import nbformat
import pytest

from course_app import paths
from course_app.lesson_list import LESSONS
from course_app.notebook_runner import SET_UP_MARK, numbered_sections

NOTEBOOKS = paths.NOTEBOOKS

DISPLAY_CALLS = {"show_source", "where_code_runs", "predict", "reveal", "show_solution",
                 "show_next_lesson", "check", "print", "plot", "show_figure"}
"""Calls that show something rather than do the lesson's work: a cell of them alone is fine."""


def _python_of(source: str) -> str:
    """Cell source without IPython syntax: a `%%cell magic` line is dropped (its body kept, as
    for `%%writefile`), and `%line` / `!shell` lines become `pass`."""
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        lines = lines[1:]
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _parse(source: str) -> ast.Module:
    return compile(_python_of(source), "<cell>", "exec",
                   flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _listings(cell) -> list[str]:
    """The Python code blocks a `show_source` cell displayed (as Markdown, or printed)."""
    found = []
    for output in cell.get("outputs", []):
        text = output.get("data", {}).get("text/markdown", "") or output.get("text", "")
        found += re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    return found


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else f".{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return None


class Vocabulary:
    """What a piece of code uses: dotted names, called names, keyword arguments, decorators."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.calls: set[str] = set()
        self.keywords: set[str] = set()
        self.decorators: set[str] = set()
        self.kinds: set[str] = set()

    def add(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Name, ast.Attribute)):
                self.names.add(_dotted(node) or "")
            elif isinstance(node, ast.Call):
                self.calls.add(_dotted(node.func) or "")
                self.keywords.update(k.arg for k in node.keywords if k.arg)
            elif isinstance(node, ast.AsyncFunctionDef):
                self.kinds.add("async def")
                self.decorators.update(_dotted(d) or "" for d in node.decorator_list)
            elif isinstance(node, ast.FunctionDef):
                self.decorators.update(_dotted(d) or "" for d in node.decorator_list)
            elif isinstance(node, (ast.Await, ast.AsyncWith, ast.AsyncFor)):
                self.kinds.add("await")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.names.update(alias.asname or alias.name for alias in node.names)

    def has(self, item: str) -> bool:
        def matches(names: set[str], wanted: str) -> bool:
            return any(name == wanted or name.endswith("." + wanted.lstrip("."))
                       or (wanted.startswith(".") and name.endswith(wanted)) for name in names)

        if item in ("async def", "await"):
            return item in self.kinds
        if item.endswith("("):
            return matches(self.calls, item[:-1])
        if item.endswith("="):
            return item[:-1] in self.keywords
        if item.startswith("@"):
            return matches(self.decorators, item[1:])
        return matches(self.names, item)


def _vocabulary(notebook) -> Vocabulary:
    vocabulary = Vocabulary()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        vocabulary.add(_parse(cell.source))
        if "show_source(" in cell.source:
            for listing in _listings(cell):
                vocabulary.add(ast.parse(textwrap.dedent(listing)))  # a method is indented
    return vocabulary


def _course_names(notebook) -> set[str]:
    """Names the notebook imports from `course_app` (its helpers and instruments)."""
    names = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(_parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_app"):
                names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.asname or alias.name for alias in node.names
                             if alias.name.startswith("course_app"))
    return names


PLAIN_CALLS = {"print", "len", "sorted", "round", "min", "max", "sum", "list", "dict", "set",
               "tuple", "str", "int", "float", "enumerate", "zip", "range", "isinstance", "repr",
               "any", "all", "abs", "seconds", "ms"}
"""Built-ins and formatting calls a cell may use to print what a helper returned."""
PLAIN_METHODS = {"items", "keys", "values", "join", "format", "splitlines", "strip", "append",
                 "sort", "ljust", "rjust"}


def only_calls_helpers(source: str, helpers: set[str]) -> bool:
    """True when a cell's only work is calling the course's helpers: apart from those calls it
    only prints, asserts and loops over what they returned (built-ins and plain methods such as
    `.items()`), and defines no function or class and enters no `with` block. A cell of display
    calls alone (`show_source`, `predict`, `check`, ...) does not count."""
    tree = _parse(source)
    helper_calls = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With,
                             ast.AsyncWith, ast.Lambda)):
            return False
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func) or ""
        root = name.split(".")[0]
        if root in helpers and root not in DISPLAY_CALLS:
            helper_calls += 1
        elif root in DISPLAY_CALLS or root in PLAIN_CALLS:
            continue
        elif isinstance(node.func, ast.Attribute) and node.func.attr in PLAIN_METHODS:
            continue
        else:
            return False  # a call of the cell's own: client.get, asyncio.gather, app.get ...
    return helper_calls > 0


def _notebook(lesson) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / lesson.notebook, as_version=4)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: f"{lesson.number:02d}")
def test_the_lesson_shows_its_code(lesson):
    vocabulary = _vocabulary(_notebook(lesson))
    missing = [item for item in lesson.shows if not vocabulary.has(item)]
    assert not missing, (
        f"{lesson.notebook}: no code cell (nor show_source listing) uses {missing}")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: f"{lesson.number:02d}")
def test_at_most_one_helper_only_cell_per_section(lesson):
    notebook = _notebook(lesson)
    helpers = _course_names(notebook)
    for number, cells in numbered_sections(notebook):
        only = [i for i in cells if notebook.cells[i].cell_type == "code"
                and not notebook.cells[i].source.startswith(SET_UP_MARK)
                and only_calls_helpers(notebook.cells[i].source, helpers)]
        assert len(only) <= 1, (
            f"{lesson.notebook} section {number}: cells {only} only call course helpers; "
            "put the code of the concept in the cell")


# --- the checker itself ---------------------------------------------------------------------

def test_the_vocabulary_finds_calls_keywords_decorators_and_ignores_strings_and_comments():
    vocabulary = Vocabulary()
    vocabulary.add(_parse(
        "import asyncio\n"
        "# asyncio.TaskGroup in a comment\n"
        "text = 'asyncio.Semaphore in a string'\n"
        "@app.get('/')\n"
        "async def root(tasks: BackgroundTasks):\n"
        "    tasks.add_task(print)\n"
        "results = await asyncio.gather(*calls, return_exceptions=True)\n"))
    for item in ("asyncio.gather", "gather", "return_exceptions=", "@.get", "BackgroundTasks",
                 ".add_task", "async def", "await", "asyncio.gather("):
        assert vocabulary.has(item), item
    for item in ("TaskGroup", "Semaphore", "as_completed", "timeout=", "FastAPI("):
        assert not vocabulary.has(item), item


def test_a_cell_of_helper_calls_is_told_apart_from_a_cell_with_code():
    helpers = {"lesson", "open_client", "predict"}
    assert only_calls_helpers("results = await lesson.with_gather(client)", helpers)
    assert only_calls_helpers("x = await lesson.a()\nprint(x)", helpers)
    assert only_calls_helpers(
        "outcome = await lesson.fails(client)\nfor k, v in outcome.items():\n    print(k, v)\n"
        "assert outcome['a'] > 1", helpers)
    assert not only_calls_helpers("r = await client.get('/')\nprint(r.json())", helpers)
    assert not only_calls_helpers("predict('07.a', None)", helpers)
    assert not only_calls_helpers("results = await asyncio.gather(a(), b())", helpers)
    assert not only_calls_helpers("async def f():\n    await lesson.a()", helpers)
    assert not only_calls_helpers("%%writefile test_x.py\nimport pytest\n", helpers)
