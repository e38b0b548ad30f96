"""predict / reveal: a guess before the experiment, the answer after it, never an error."""

import pytest

from course_app.predict import predict, reveal


def test_no_guess_prints_one_stable_line_and_reveal_shows_the_answer(capsys):
    predict("t.a", None, choices=["the sum", "the longest call"])
    assert reveal("t.a", "the longest call") is None
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("🔮 t.a: no prediction yet. Replace None with your guess (one of")
    assert out[1] == ("🔮 t.a: the answer is the longest call. (No prediction was made; edit the"
                      " cell above to try one.)")


@pytest.mark.parametrize(("guess", "actual", "right"), [
    ("the sum", "the longest call", False),
    ("the longest call", "the longest call", True),
])
def test_a_choice_is_right_only_when_equal(guess, actual, right, capsys):
    predict("t.b", guess, choices=["the sum", "the longest call"])
    assert reveal("t.b", actual) is right
    assert capsys.readouterr().out.splitlines()[-1].endswith("right." if right else "not quite.")


@pytest.mark.parametrize(("guess", "actual", "right"), [
    (0.3, 0.31, True), (0.2, 0.3, True), (0.1, 0.3, False), (0, 0.3, False), (0, 0, True)])
def test_a_number_is_close_within_the_factor(guess, actual, right, capsys):
    predict("t.c", guess, unit="s")
    assert reveal("t.c", actual, unit="s") is right


def test_bad_guesses_get_a_line_and_count_as_no_guess(capsys):
    predict("t.d", "maybe", choices=["yes", "no"])
    assert "is not one of the choices" in capsys.readouterr().out
    assert reveal("t.d", "yes") is None
    predict("t.e", "fast", unit="s")
    assert "should be a number in s" in capsys.readouterr().out
    assert reveal("t.e", 0.3, unit="s") is None
    predict("t.f", float("nan"), unit="s")
    assert reveal("t.f", 0.3, unit="s") is None


def test_numbers_print_in_the_course_formats(capsys):
    predict("t.g", 12, unit="ms")
    reveal("t.g", 0.0123 * 1000, unit="ms")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "🔮 t.g: you predicted 12.0 ms; the answer is 12.3 ms: right.")


def test_a_new_none_forgets_the_old_guess(capsys):
    predict("t.h", 1.0, unit="s")
    predict("t.h", None, unit="s")
    assert reveal("t.h", 1.0, unit="s") is None
