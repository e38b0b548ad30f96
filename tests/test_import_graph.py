"""The package's modules import one another without a circle, and a first check stays light.

The graph counts every `import` statement, those inside functions included: a circle held
together by a function-local import still makes a module half-initialised when the other end is
imported first, and still makes one lesson's check load every other lesson.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import course_app

PACKAGE_DIR = Path(course_app.__file__).resolve().parent


def module_name(path: Path, package_dir: Path) -> str:
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package_dir: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    """Each module of the package mapped to the package's modules it imports, anywhere in its
    code. Importing `a.b.c` also runs `a/__init__.py` and `a/b/__init__.py`, so those count."""
    package = package_dir.name
    files = {module_name(path, package_dir): path for path in package_dir.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from the module's own package upwards
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets.add(stem)
                targets.update(f"{stem}.{alias.name}" for alias in node.names)
        edges = set()
        for target in targets:
            parts = target.split(".")
            if parts[0] != package:
                continue
            for end in range(1, len(parts) + 1):  # the parent packages run first
                prefix = ".".join(parts[:end])
                if prefix in files and prefix != name:
                    edges.add(prefix)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (the first repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_function_local_imports(tmp_path):
    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from toy import b\n")
    (package / "b.py").write_text("def f():\n    from toy.a import x\n")
    assert find_cycle(import_graph(package)) == ["toy.a", "toy.b", "toy.a"]


def test_no_module_of_the_package_is_part_of_an_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_first_check_of_lesson_00_loads_no_database_library():
    program = """
import asyncio, json, sys
from course_app.check import check
from course_app.solutions import l00_start_here as solutions

async def main():
    await check("00.1", await solutions.greeting_body_for_ada())

asyncio.run(main())
print(json.dumps(sorted(name for name in sys.modules if name.startswith("course_app")
                        or name.split(".")[0] in ("tortoise", "sqlalchemy"))))
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120, env={**os.environ}, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("✅ 00.1 passed"), done.stdout
    loaded = json.loads(lines[-1])
    assert not [name for name in loaded if name.split(".")[0] in ("tortoise", "sqlalchemy")]
    assert not [name for name in loaded if name.startswith("course_app.exercises.l")
                and not name.startswith("course_app.exercises.l00_")]
