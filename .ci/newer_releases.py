"""Print the installed packages whose version differs from their pin in requirements files.

Usage: python .ci/newer_releases.py requirements.txt [requirements-test.txt ...]

Run with the interpreter of the environment to compare (`make test-latest` runs it in
`.latest/.venv`, where uv installed the newest release of everything). The pins of every file
given are read, and names compared, as `python -m course_app doctor` does. Prints one line per
package, `name  pinned -> installed`, then packages installed but not pinned. Exits 0: a
difference is information, and the test run that follows says whether it matters.
"""

import sys
from importlib import metadata
from pathlib import Path

from course_app.doctor import canonical_name, pinned_versions


def installed() -> dict[str, str]:
    """`{canonical name: version}` for every distribution in this interpreter's environment."""
    return {canonical_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def main(*paths: str) -> None:
    pinned, now = {}, installed()
    for path in paths:
        pinned.update(pinned_versions(Path(path)))
    changed = sorted(n for n in pinned if n in now and now[n] != pinned[n])
    print(f"{len(changed)} of {len(pinned)} pinned packages have a newer (or other) release"
          + (":" if changed else "."))
    for name in changed:
        print(f"  {name:32} {pinned[name]:>12} -> {now[name]}")
    extra = sorted(set(now) - set(pinned) - {"pip", "setuptools", "wheel", "course-app"})
    if extra:
        print("installed but not pinned: " + ", ".join(f"{n} {now[n]}" for n in extra))
    missing = sorted(set(pinned) - set(now))
    if missing:
        print("pinned but no longer needed: " + ", ".join(missing))


if __name__ == "__main__":
    main(*(sys.argv[1:] or ["requirements.txt"]))
