"""Reference solutions, one per exercise, each tested to pass its check.

Stuck? In the lesson's notebook run

    from course_app.solutions import show_solution
    show_solution("01.2")

to print the reference solution's source.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap


def imports_used(function) -> list[str]:
    """The import lines of `function`'s module that `function` needs, as source lines.

    Only names the function's own source mentions are kept, so a printed solution can be
    pasted into a fresh notebook and run.
    """
    used = {node.id for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(function))))
            if isinstance(node, ast.Name)}
    lines = []
    for node in ast.parse(inspect.getsource(inspect.getmodule(function))).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            kept = [alias for alias in node.names
                    if (alias.asname or alias.name).split(".")[0] in used]
            if kept:
                needed = copy.copy(node)
                needed.names = kept
                lines.append(ast.unparse(needed))
    return lines


def show_solution(exercise_id: str | None = None) -> None:
    """Print the reference solution of `exercise_id` ("NN.k"): the imports it needs, then its
    source.

    Without an id, or with an unknown one, prints the list of exercises instead; nothing is
    raised.
    """
    from course_app.check import exercises  # the checker loads the lessons' exercises

    item = exercises().get(exercise_id) if exercise_id is not None else None
    if item is None:
        asked = "Which exercise? The" if exercise_id is None else \
            f"There is no exercise {exercise_id!r}; the"
        print(f"{asked} exercises are: {', '.join(exercises())}.")
        return
    print(f"# Reference solution of exercise {exercise_id}: {item.title}")
    imports = imports_used(item.solution)
    if imports:
        print("\n".join(imports) + "\n\n")
    print(inspect.getsource(item.solution))
