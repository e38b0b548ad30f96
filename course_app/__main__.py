"""The course's commands: `python -m course_app serve|doctor|progress|stop`.

    python -m course_app serve                 # list the lesson apps
    python -m course_app serve MODULE:APP      # serve one on 127.0.0.1, open /docs in a browser
    python -m course_app doctor                # check Python, package versions, PostgreSQL
    python -m course_app progress              # which exercises have passed
    python -m course_app stop [--list]         # stop every server the course left running
"""

from __future__ import annotations

import argparse
import sys


def lesson_apps() -> list[str]:
    """Every FastAPI app defined at module level in `course_app.lessons`, as "module:name"."""
    import importlib
    import pkgutil

    from fastapi import FastAPI

    import course_app.lessons

    found = []
    for info in pkgutil.iter_modules(course_app.lessons.__path__):
        module = importlib.import_module(f"course_app.lessons.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, FastAPI):
                found.append(f"{module.__name__}:{name}")
    return sorted(found)


def serve(target: str | None, port: int | None) -> int:
    """Serve `target` with uvicorn on 127.0.0.1 until Ctrl+C; list the apps without one."""
    apps = lesson_apps()
    if target is None:
        print("Lesson apps you can serve (python -m course_app serve MODULE:APP):")
        for app in apps:
            print(f"  {app}")
        return 0
    import uvicorn
    from uvicorn.importer import ImportFromStringError, import_from_string

    from course_app.offline_docs import with_offline_docs
    from course_app.server import HOST, free_port, port_is_listening

    hint = "run `python -m course_app serve` without an argument to list the lesson apps"
    if ":" not in target:
        print(f"problem: expected MODULE:APP, like {apps[0]}; {hint}")
        return 2
    try:
        app = import_from_string(target)
    except ImportFromStringError as error:
        print(f"problem: cannot load {target}: {str(error).rstrip('.')}; {hint}")
        return 2
    if not callable(app):
        print(f"problem: {target} is a {type(app).__name__}, not an ASGI app; {hint}")
        return 2

    if port is not None and port_is_listening(port):
        print(f"problem: port {port} is already in use on {HOST} (another server is running); "
              "leave out --port to get a free one, or stop the other server")
        return 2
    chosen = port or free_port()
    print(f"Serving {target}: open http://{HOST}:{chosen}/docs (Ctrl+C stops it)", flush=True)
    # /docs and /redoc with Swagger UI and ReDoc from the fastapi-offline package, not a CDN.
    uvicorn.run(with_offline_docs(app), host=HOST, port=chosen)
    return 0


def _port(text: str) -> int:
    """argparse type: a TCP port number, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_app",
                                     description="The course's commands.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve a lesson app on 127.0.0.1")
    serve_parser.add_argument("target", nargs="?", help="MODULE:APP; omit to list the apps")
    serve_parser.add_argument("--port", type=_port, help="a port, 1-65535 (default: a free one)")
    commands.add_parser("doctor", help="check Python, package versions and that the "
                        "course's PostgreSQL server starts")
    commands.add_parser("progress", help="print the exercise progress table")
    stop_parser = commands.add_parser(
        "stop", help="list and stop every server the course left running (after a crash)")
    stop_parser.add_argument("--list", action="store_true", help="only list them")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.target, args.port)
    if args.command == "stop":
        from course_app.leftovers import stop_command

        return stop_command(only_list=args.list)
    if args.command == "doctor":
        from course_app.doctor import report

        return 1 if report(database_server=True) else 0
    from course_app.check import show_progress

    show_progress()
    return 0


if __name__ == "__main__":
    sys.exit(main())
