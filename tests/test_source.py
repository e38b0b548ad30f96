import pytest

from course_app.source import show_source


def _example() -> int:
    return 42


def test_show_source_prints_functions_and_strings_outside_a_notebook(capsys):
    show_source(_example, "print('a script kept in a string')")
    out = capsys.readouterr().out
    assert "def _example() -> int:\n    return 42" in out
    assert out.rstrip().endswith("print('a script kept in a string')")


def test_show_source_refuses_objects_without_source():
    with pytest.raises(TypeError):
        show_source(len)
