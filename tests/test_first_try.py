"""The first wrong try gets a hint, not the answer (issue 14).

For every lesson, seeds 0 to 4, every exercise and every wrong reply the exercise
anticipates (each key of ``mistakes``, each wrong option, a few generic wrong numbers),
the feedback must not contain the right answer in a form the student could copy: the
number in decimal, in hex with or without 0x (any width), the option's text, each field's
value.  The answer is shown only with a right answer (``explain``); *Show me* reveals the
step, not the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from vmwidgets.exercises import LESSONS, ChoiceExercise, Exercise, FieldsExercise, NumberExercise
from vmwidgets.exercises.lessons import load_all

load_all()
SEEDS = range(5)


SMALL = 16  # below this a number is everywhere in the text (bit 1, order 0, 2.6.24): only its use as a result counts
RESULT = r"(?:order|is|are|at|to|count|be|gives?|makes?|stays?|=)"
COUNT = r"(?:is|are|count|be|gives?|makes?|stays?|=)"  # a field's count: "down to order 0" is the question's order


def number_forms(v: int, result: str = RESULT) -> list[re.Pattern[str]]:
    """Patterns for ``v`` as a student could copy it: decimal, hex with or without 0x (leading
    zeros too); a small number only where a sentence gives it as a result ("stops at order 1")."""
    if 0 <= v < SMALL:
        return [re.compile(rf"\b{result}\s+(?:0x)?{v}(?![\w.])", re.I)]
    forms = [rf"(?<![\w.]){v}(?![\w]|\.\d)", rf"\b0x0*{v:x}\b"]
    if v >= 0x100:  # shorter bare hex ("a", "1f") is a word or a decimal number
        forms.append(rf"(?<![\w.])0*{v:x}(?![\w])")
    return [re.compile(f, re.I) for f in forms]


def told(message: str) -> str:
    """What a message tells about this reply: the rough distance to the key ("too high, by 1 to
    16 MB") and the exercise's hint (the Hint button shows it anyway) are not the key."""
    message = message.split(" Hint: ")[0]
    return re.sub(r"your answer is too (high|low)(, by [^.]*|, but close \(within 10%\))?", "", message)


def leaks(message: str, v: int, result: str = RESULT) -> str | None:
    for p in number_forms(v, result):
        m = p.search(told(message))
        if m:
            return m.group(0)
    return None


def said(message: str, option: str) -> str | None:
    m = re.search(rf"(?<![\w.]){re.escape(option)}(?![\w]|\.\d)", told(message), re.I)
    return m.group(0) if m else None


def wrong_numbers(e: NumberExercise) -> Iterator[int]:
    yield from e.mistakes
    v = e.value
    for w in (v + 1, v - 1, v + 7, v * 2 + 3, v + 0x5000, v - 0x3000):
        if w >= 0 and w != v:
            yield w


def fmt(e: NumberExercise, n: int) -> str:
    return f"{n:#x}" if e.hex else str(n)


def cases() -> Iterator[tuple[str, Exercise, Any, list[str]]]:
    """(label, exercise, wrong reply, texts or numbers the feedback must not contain)."""
    for n, lesson in sorted(LESSONS.items()):
        for seed in SEEDS:
            for e in lesson.exercises(seed):
                label = f"lesson {n} seed {seed} {e.id}"
                if isinstance(e, NumberExercise):
                    for w in dict.fromkeys(wrong_numbers(e)):
                        yield label, e, fmt(e, w), [e.value]
                elif isinstance(e, ChoiceExercise) and len(e.options) > 2:  # of two, the other one is right anyway
                    for o in e.options:
                        if o != e.correct:
                            yield label, e, o, [e.correct]
                elif isinstance(e, FieldsExercise):
                    values = list(e.fields.values())
                    for k, slips in e.mistakes.items():
                        for w in slips:
                            reply = " ".join(f"{f}={w if f == k else v:#x}" for f, v in e.fields.items())
                            yield label, e, reply, [e.fields[k]]
                    reply = " ".join(f"{f}={v + 1:#x}" for f, v in e.fields.items())
                    yield label, e, reply, values


def failures() -> list[str]:
    out = []
    for label, e, reply, secrets in cases():
        fb = e.check(reply)
        if fb.correct:
            continue  # a generic "wrong" number that is right after all (two fields equal, say)
        for s in secrets:
            result = COUNT if isinstance(e, FieldsExercise) else RESULT
            got = leaks(fb.message, s, result) if isinstance(s, int) else said(fb.message, s)
            if got is not None:
                out.append(f"{label}: reply {reply!r} is told {got!r}: {fb.message}")
    return out


def test_a_first_wrong_try_gets_a_hint_not_the_answer() -> None:
    bad = failures()
    assert not bad, f"{len(bad)} wrong replies are told the answer:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("message", "value", "leaked"),
    [
        ("Merging stops at order 1: the buddy is busy.", 1, True),
        ("Merging stops where the buddy is not free.", 1, False),
        ("The area starts at 0xf8801000.", 0xF8801000, True),
        ("The area starts at f8801000.", 0xF8801000, True),
        ("The area starts at 0xf8801000.", 0xF8802000, False),
        ("That is 8192 bytes.", 8192, True),
        ("That is 0x2000 bytes.", 8192, True),
        ("bit 12 of 0x1234", 1, False),
        ("pfn 0x037c08", 0x37C08, True),
        ("That is the count right after the fork (1 + one per child).", 1, False),
        ("Not yet: your answer is too high, but close (within 10%). Hint: the count is 1 here", 1, False),
        ("Linux 2.6.32 maps the ZERO_PAGE", 2, False),
        ("That is a free block", 10, False),
    ],
)
def test_the_leak_detector(message: str, value: int, leaked: bool) -> None:
    assert (leaks(message, value) is not None) == leaked
