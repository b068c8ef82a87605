"""No exercise's answer is in sight before it is committed, in any stored lesson.

Each stored lesson's code is run again in this process, noting which cell builds each
exercise (an ``ExerciseWidget``, or a ``Quiz``'s items, with seed 0 as stored).  Then every
cell above a question in the lesson's body, its own cell (source, printed output, the
widgets it shows) and the two cells after it must not contain the answer: a number
written as the student would type it (hex with or without 0x for an address, decimal for
a count).  Worked answers belong in ``ExerciseWidget(after=...)``, which no stored widget
state holds.

Words give an answer away too: the start of an exercise's explanation or worked answer,
or a choice's answer written as ``correct="..."`` in the cell that builds it (a student
reads code cells), count as the answer.

The review quiz at the end asks what the whole lesson taught (the 896 MB of lesson 1), so
for its questions "above" is the quiz's own cell and the two after it.  Above a question,
numbers its prompt states itself do not count (a prompt may list the free blocks and ask
which one is taken); after it, nothing is excused.  Short numbers (under three digits),
which every page is full of, are not checked as numbers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from vmwidgets.exercises import ChoiceExercise, Exercise, FieldsExercise, NumberExercise

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def needles(e: Exercise) -> list[re.Pattern[str]]:
    """The ways a student could read ``e``'s answer on the page."""
    if isinstance(e, NumberExercise):
        values, hexa, unit = [e.value], e.hex, e.unit
    elif isinstance(e, FieldsExercise):
        values, hexa, unit = list(e.fields.values()), e.hex, 1
    else:
        return []
    out = []
    for v in values:
        if hexa and v >= 0x100:
            out.append(re.compile(rf"(?i)(?<![0-9a-fx])(0x)?0*{v:x}(?![0-9a-f])"))
        if v >= 100 and not (hexa and v >= 1 << 16):
            out.append(re.compile(rf"(?<![\d.x])({v}|{v:,})(?![\d])"))
        if unit != 1 and v * unit >= 0x100:
            out.append(re.compile(rf"(?i)(?<![0-9a-fx])0x0*{v * unit:x}(?![0-9a-f])"))
    return out


def phrases(e: Exercise, after: str | None) -> list[re.Pattern[str]]:
    """The words that give ``e``'s answer: its explanation's and worked answer's first 40
    characters (white space in any amount), and a choice's ``correct="..."`` in code."""
    out = []
    for text in (e.explain, e.worked, after or ""):
        words = " ".join(text.split())[:40]
        if len(words) >= 30:
            out.append(re.compile(r"\s+".join(re.escape(w) for w in words.split())))
    if isinstance(e, ChoiceExercise):
        out.append(re.compile(rf"correct\s*=\s*[\"']{re.escape(e.correct)}"))
    return out


def run_lesson(path: Path) -> list[tuple[int, Exercise, bool, str | None]]:
    """Run the stored lesson's code cells here; (cell index, exercise, in a quiz, its worked
    answer) for each exercise shown."""
    from vmwidgets.widgets import exercise as mod

    nb = nbformat.read(path, as_version=4)
    made: list[tuple[int, Exercise, bool, str | None]] = []
    at, quiz = [0], [False]
    init, build = mod.ExerciseWidget.__init__, mod.Quiz._build

    def noting(self: Any, exercise: Any, *args: Any, **kwargs: Any) -> None:
        init(self, exercise, *args, **kwargs)
        made.append((at[0], exercise, quiz[0], self.shown_after()))

    def quizzing(self: Any, seed: int) -> None:
        quiz[0] = True
        try:
            build(self, seed)
        finally:
            quiz[0] = False

    ns: dict[str, Any] = {"__name__": "__main__"}
    old = Path.cwd()
    os.environ["VMWIDGETS_STORED_MAPS"] = "1"
    try:
        os.chdir(NOTEBOOKS)
        mod.ExerciseWidget.__init__ = noting  # type: ignore[method-assign]
        mod.Quiz._build = quizzing  # type: ignore[method-assign]
        with contextlib.redirect_stdout(io.StringIO()):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    at[0] = i
                    exec(compile(cell.source, f"{path.name}[{i}]", "exec"), ns)  # our own lesson
    finally:
        mod.ExerciseWidget.__init__ = init  # type: ignore[method-assign]
        mod.Quiz._build = build  # type: ignore[method-assign]
        os.chdir(old)
        os.environ.pop("VMWIDGETS_STORED_MAPS", None)
    return made


def _strings(x: Any) -> Iterator[str]:
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from _strings(v)


def widget_text(nb: nbformat.NotebookNode, model_id: str) -> str:
    """Every string in the stored state of a widget and the widgets it holds."""
    states = nb.metadata.get("widgets", {}).get(STATE, {}).get("state", {})
    seen, todo, out = set(), [model_id], []
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in states:
            continue
        seen.add(mid)
        for s in _strings(states[mid].get("state", {})):
            if s.startswith("IPY_MODEL_"):
                todo.append(s[len("IPY_MODEL_") :])
            elif not s.startswith("data:"):
                out.append(s)
    return "\n".join(out)


def cell_text(nb: nbformat.NotebookNode, i: int) -> str:
    """What a reader sees of cell ``i``: its source and its outputs, widgets included."""
    cell = nb.cells[i]
    parts = [cell.source]
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", ""), data.get("text/markdown", "")]
        if WIDGET in data:
            parts.append(widget_text(nb, data[WIDGET]["model_id"]))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_answer_is_in_sight_before_its_commit(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    made = run_lesson(path)
    assert made or path.name.startswith("00-"), "a lesson without exercises?"
    found = []
    texts = [cell_text(nb, j) for j in range(len(nb.cells))]
    for i, e, in_quiz, after in made:
        for pat in needles(e) + phrases(e, after):
            stated = bool(pat.search(e.prompt))  # the question gives it: fine up to its cell, not after
            for j in range(i if in_quiz else 0, min(i + 3, len(nb.cells))):
                m = None if stated and j <= i else pat.search(texts[j])
                if m:
                    found.append(f"{e.id} (cell {i}): answer {m.group(0)!r} in cell {j}")
                    break
    assert not found, "\n".join(found)


def test_the_scan_finds_an_answer_printed_beside_its_question(tmp_path: Path) -> None:
    """The test's own check: an answer printed in the cell under a question is found."""
    e = NumberExercise("where", "Where does it start?", value=0xF8007000)
    text = "c = 0xf8007000\nsize f8007000 and 4160778240"
    assert all(p.search(text) for p in needles(e))
    assert not any(p.search("0xf80070001 0x1f8007000") for p in needles(e))
    count = NumberExercise("n", "How many pages?", value=300, hex=False)
    assert [bool(p.search("it took 300 pages")) for p in needles(count)] == [True]
    assert not any(p.search("3000 or 1300 or 0x300") for p in needles(count))
    assert needles(NumberExercise("s", "?", value=12, hex=False)) == []
