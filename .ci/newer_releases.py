"""Print the installed packages whose version differs from their pin in a requirements file.

Usage: python .ci/newer_releases.py requirements.txt

Run with the interpreter of the environment to compare (`make test-latest` runs it in
`.venv-latest`, where pip installed the newest release of everything). Prints one line per
package, `name  pinned -> installed`, then packages installed but not pinned. Exits 0: a
difference is information, and the test run that follows says whether it matters.
"""

import re
import sys
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;#]+)")


def canonical(name: str) -> str:
    """The name as PyPI compares names (PEP 503): lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """`{canonical name: version}` for every `name==version` line of a pip-compile output."""
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonical(match[1])] = match[2]
    return found


def installed() -> dict[str, str]:
    """`{canonical name: version}` for every distribution in this interpreter's environment."""
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def main(path: str) -> None:
    pinned, now = pins(Path(path)), installed()
    changed = sorted(n for n in pinned if n in now and now[n] != pinned[n])
    print(f"{len(changed)} of {len(pinned)} pinned packages have a newer (or other) release"
          + (":" if changed else "."))
    for name in changed:
        print(f"  {name:32} {pinned[name]:>12} -> {now[name]}")
    extra = sorted(set(now) - set(pinned) - {"pip", "setuptools", "course-app"})
    if extra:
        print("installed but not pinned: " + ", ".join(f"{n} {now[n]}" for n in extra))
    missing = sorted(set(pinned) - set(now))
    if missing:
        print("pinned but no longer needed: " + ", ".join(missing))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt")
