"""Run the phases of a command such as `make test` one after another, and print each one's
wall time.

    python3 tools/phases.py "ruff" ".venv/bin/ruff check ." "pytest" ".venv/bin/python -m pytest"

Arguments come in pairs: a phase's name, then its command (split like a shell line, run without a
shell). Every phase runs, even after one fails, so one run shows every failure; the exit code is
the first failing phase's (0 when all pass). At the end, one line per phase: its wall time in
seconds and whether it passed.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time


def run_phases(phases: list[tuple[str, str]]) -> tuple[int, list[tuple[str, float, int]]]:
    """Run each (name, command line); returns (exit code, [(name, seconds, exit code)])."""
    results = []
    for name, command in phases:
        print(f"\n=== {name}: {command}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(shlex.split(command)).returncode
        results.append((name, time.perf_counter() - started, code))
        print(f"=== {name}: {results[-1][1]:.1f} s, {'passed' if code == 0 else 'FAILED'}",
              flush=True)
    failed = [code for _, _, code in results if code != 0]
    return (failed[0] if failed else 0), results


def main(argv: list[str]) -> int:
    if not argv or len(argv) % 2:
        return "usage: phases.py NAME COMMAND [NAME COMMAND ...]"
    code, results = run_phases(list(zip(argv[::2], argv[1::2], strict=True)))
    print("\nphase times:", flush=True)
    for name, seconds, phase_code in results:
        print(f"  {seconds:7.1f} s  {name}{'' if phase_code == 0 else '  (FAILED)'}")
    print(f"  {sum(seconds for _, seconds, _ in results):7.1f} s  total", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
