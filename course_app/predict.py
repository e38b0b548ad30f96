"""Predict before you run: write down a guess, then let the experiment answer it.

In a lesson, one cell asks for a guess and the next cell runs the experiment and reveals:

    predict("07.a", None, choices=["the sum", "the longest call"])   # edit None, then run

    ...the experiment...
    reveal("07.a", "the longest call")

    predict("07.b", None, unit="s")                                   # a number this time
    ...
    reveal("07.b", measured_seconds, unit="s")

A guess left at `None` never stops "Run all": `predict` prints one stable line ("no prediction
yet ..."), and `reveal` then simply shows the answer. Guesses live in this kernel only; they are
not exercise progress.

Number guesses are compared within a factor (by default 1.5× either way: 0.2 against a measured
0.3 counts as close), because measured times vary from machine to machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CLOSE_FACTOR = 1.5
"""A number guess within this factor of the measured value (either way) counts as close."""

_UNIT_FORMATS = {"s": "{:.2f} s", "ms": "{:.1f} ms", "x": "{:.1f}×", "": "{}"}


@dataclass(frozen=True)
class Prediction:
    """One guess: `key` such as "07.a", `guess` (a string, a number or None), and what was
    offered: `choices` (for a choice) or `unit` (for a number: "s", "ms", "x" or "")."""

    key: str
    guess: object
    choices: tuple[str, ...] = ()
    unit: str = ""


_predictions: dict[str, Prediction] = {}


def _format(value: object, unit: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _UNIT_FORMATS.get(unit, "{} " + unit).format(value)
    return str(value)


def predict(key: str, guess: object, *, choices: list[str] | tuple[str, ...] = (),
            unit: str = "") -> None:
    """Record the learner's guess for the experiment `key` and print one line about it.

    Args:
        key: the prediction's name, lesson number first, such as "07.a".
        guess: `None` (not guessed yet), one of `choices`, or a number in `unit`.
        choices: the possible answers, when the guess is a choice.
        unit: the unit of a number guess: "s" (seconds), "ms" (milliseconds), "x" (a ratio)
            or "" (a count).

    Prints, never raises: a guess that is not one of `choices`, or not a number where a number
    is asked for, gets a line saying what is expected (and counts as no guess).
    """
    choices = tuple(choices)
    if guess is None:
        _predictions.pop(key, None)
        offered = (" one of " + ", ".join(repr(c) for c in choices)) if choices else (
            f" a number{f' in {unit}' if unit not in ('', 'x') else ''}")
        print(f"🔮 {key}: no prediction yet. Replace None with your guess ({offered.strip()}),"
              " run this cell, then the next one.")
        return
    if choices and guess not in choices:
        _predictions.pop(key, None)
        print(f"🔮 {key}: {guess!r} is not one of the choices: "
              + ", ".join(repr(c) for c in choices) + ".")
        return
    if not choices and (not isinstance(guess, (int, float)) or isinstance(guess, bool)
                        or not math.isfinite(guess)):
        _predictions.pop(key, None)
        print(f"🔮 {key}: the guess should be a number{f' in {unit}' if unit else ''},"
              f" such as 0.5; got {guess!r}.")
        return
    _predictions[key] = Prediction(key, guess, choices, unit)
    print(f"🔮 {key}: your prediction, {_format(guess, unit)}, is noted. Now run the next cell.")


def reveal(key: str, actual: object, *, unit: str = "") -> bool | None:
    """Print the experiment's answer next to the learner's guess for `key`.

    Args:
        key: the name given to `predict`.
        actual: what the experiment showed: one of the prediction's choices, or a number.
        unit: the unit of a number ("s", "ms", "x" or ""), printed in the course's fixed format.

    Returns True when the guess was right (or close, for a number: within `CLOSE_FACTOR`), False
    when it was not, None when there was no guess. Never raises.
    """
    shown = _format(actual, unit)
    prediction = _predictions.get(key)
    if prediction is None:
        print(f"🔮 {key}: the answer is {shown}. (No prediction was made; edit the cell above"
              " to try one.)")
        return None
    guess = prediction.guess
    if prediction.choices or not isinstance(actual, (int, float)):
        right = guess == actual
    else:
        small, large = sorted((abs(float(guess)), abs(float(actual))))
        right = (small == large) or (small > 0 and large / small <= CLOSE_FACTOR)
    verdict = "right" if right else "not quite"
    print(f"🔮 {key}: you predicted {_format(guess, prediction.unit or unit)}; the answer is"
          f" {shown}: {verdict}.")
    return right
