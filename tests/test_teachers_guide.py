"""The guide for teachers (notebooks/teachers-guide.ipynb) teaches what it says.

Its code cells are run again here, in a temporary folder (so the replay page it exports
lands there), and what they build is checked: the exercise of §2 gives the anticipated
mistakes their messages and keeps its worked answer for after the commit; the seeded set
of §3 builds for every seed and its keys agree with a computation from each prompt alone;
the teacher's keys the notebook stores are what ``answer_key`` and the shell print, and
come after the exercises they answer; the exported page holds the player's steps and,
as the guide warns, the answer.  nbval checks the stored outputs; test_docs.py the page.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from test_answers_hidden import cell_text, needles

from vmwidgets import PAGE_SIZE
from vmwidgets.exercises import LESSONS

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "notebooks" / "teachers-guide.ipynb"
KEY = "# Teacher's key"  # the first line of every cell that prints answers


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The guide's namespace after all its code cells ran, the cells' printed text, and the
    cell index of each exercise shown (an ExerciseWidget, or the items of a Quiz)."""
    from vmwidgets.widgets import exercise as mod

    nb = nbformat.read(GUIDE, as_version=4)
    tmp = tmp_path_factory.mktemp("guide")
    ns: dict[str, Any] = {"__name__": "__main__"}
    printed: dict[int, str] = {}
    shown: list[tuple[int, Any]] = []
    at = [0]
    init = mod.ExerciseWidget.__init__

    def noting(self: Any, exercise: Any, *args: Any, **kwargs: Any) -> None:
        init(self, exercise, *args, **kwargs)
        shown.append((at[0], exercise))

    old, before = Path.cwd(), dict(LESSONS)
    try:
        os.chdir(tmp)
        mod.ExerciseWidget.__init__ = noting  # type: ignore[method-assign]
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                at[0] = i
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(cell.source, f"{GUIDE.name}[{i}]", "exec"), ns)  # our own guide
                printed[i] = out.getvalue()
    finally:
        mod.ExerciseWidget.__init__ = init  # type: ignore[method-assign]
        os.chdir(old)
        LESSONS.clear()
        LESSONS.update(before)  # the guide's register() must not leak into other tests
    return {"nb": nb, "ns": ns, "printed": printed, "shown": shown, "tmp": tmp}


def _key_cells(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith(KEY)]


def test_the_exercise_gives_each_anticipated_mistake_its_message(guide: dict[str, Any]) -> None:
    ns = guide["ns"]
    q, first = ns["question"], ns["first"]
    # from the prompt alone: 3 pages and a guard page at `first`, then 2 pages and a guard page
    assert f"3 pages at {first:#x}" in q.prompt and "vmalloc(8192)" in q.prompt
    assert q.value == first + 7 * PAGE_SIZE == ns["where"]
    assert q.check(f"{first + 7 * PAGE_SIZE:#x}").correct
    for wrong, why in q.mistakes.items():
        fb = q.check(f"{wrong:#x}")
        assert not fb.correct and fb.message == why
        assert f"{q.value:x}" not in fb.message.lower()  # a first wrong try never states the answer
    assert "guard page" in q.check(f"{first + 6 * PAGE_SIZE:#x}").message
    assert f"{q.value:x}" not in repr(q) and f"{q.value:x}" not in guide["printed"][_cell_of(guide, "print(question)")]


def _cell_of(guide: dict[str, Any], text: str) -> int:
    (i,) = [i for i, c in enumerate(guide["nb"].cells) if c.cell_type == "code" and text in c.source]
    return i


def test_predict_then_check_holds_the_player_and_keeps_the_worked_answer_for_after(guide: dict[str, Any]) -> None:
    from vmwidgets.widgets import ExerciseWidget, Player, VmlistView

    ns = guide["ns"]
    k2, q, worked = ns["k2"], ns["question"], ns["worked"]
    assert f"{q.value:#x}" in worked and "mm/vmalloc.c:__get_vm_area_node" in worked  # the steps, named
    player = Player(k2, [VmlistView(k2)])
    player.seek(ns["before"])
    w = ExerciseWidget(q, player=player, reveal=ns["call"].end, after=worked)
    assert w.after.value == ""  # nothing of the worked answer before a commit
    player.seek(ns["call"].end)
    assert player.position == ns["before"]  # held
    w.check(f"{ns['first'] + 6 * PAGE_SIZE:#x}")
    assert w.after.value == "" and player.position == ns["before"]
    w.check(f"{q.value:#x}")
    assert f"{q.value:#x}" in w.after.value and player.position == ns["call"].end


def test_no_answer_is_in_sight_before_its_exercise_but_in_the_teachers_keys(guide: dict[str, Any]) -> None:
    """test_answers_hidden.py's rule, for the guide: an exercise's answer is in no cell above
    it, nor in its own cell or the two after, except in the cells marked as a teacher's key,
    which all come after the exercises they answer."""
    nb, shown = guide["nb"], guide["shown"]
    keys = _key_cells(nb)
    assert len(keys) == 2, keys
    assert {"guide_where", "guide_next", "guide_hole", "guide_walk"} <= {e.id for _, e in shown}
    found = []
    for i, e in shown:
        for pat in needles(e):
            if pat.search(e.prompt):
                continue  # the question states it
            for j in range(min(i + 3, len(nb.cells))):
                m = None if j in keys else pat.search(cell_text(nb, j))
                if m:
                    found.append(f"{e.id} (cell {i}): answer {m.group(0)!r} in cell {j}")
    assert not found, "\n".join(found)
    quiz = _cell_of(guide, "Quiz(my_quiz, seed=0)")
    assert all(k > quiz for k in keys)  # a key follows the exercises it answers
    in_quiz = [e for i, e in shown if i == quiz]
    assert in_quiz and all(any(p.search(cell_text(nb, keys[0])) for p in needles(e)) for e in in_quiz if needles(e))


def test_the_stored_keys_are_what_answer_key_and_the_shell_print(guide: dict[str, Any]) -> None:
    nb, ns = guide["nb"], guide["ns"]
    mine, lesson4 = _key_cells(nb)
    stored = ["".join(o.get("text", "") for o in nb.cells[i].outputs) for i in (mine, lesson4)]
    assert stored[0] == ns["my_quiz"].answer_key(0) + "\n"
    assert all(f"{e.id}: " in stored[0] for e in ns["my_quiz"].exercises(0))
    shell = subprocess.run(
        [sys.executable, "-m", "vmwidgets.exercises", "4", "0"], capture_output=True, text=True, check=True
    )
    assert stored[1] == shell.stdout and shell.stdout.startswith("Lesson 4: ")
    assert ns["status"] == 0


def _from_prompt(pattern: str, prompt: str) -> list[int]:
    m = re.search(pattern, prompt)
    assert m, (pattern, prompt)
    return [int(g, 0) for g in m.groups()]


@pytest.mark.parametrize("seed", range(21))
def test_each_seed_builds_and_its_keys_follow_from_the_prompts(guide: dict[str, Any], seed: int) -> None:
    nxt, hole, walk = guide["ns"]["my_quiz"].exercises(seed)
    size, first = _from_prompt(r"vmalloc\((\d+)\) returned (0x[0-9a-f]+)", nxt.prompt)
    pages = size // PAGE_SIZE
    assert nxt.value == first + (pages + 1) * PAGE_SIZE  # the area, then its guard page
    assert "guard" in nxt.check(f"{first + pages * PAGE_SIZE:#x}").message
    (ask,) = _from_prompt(r"vmalloc\((\d+)\) runs", hole.prompt)
    fits = ask // PAGE_SIZE + 1 <= pages + 1  # the new area and its guard page, in the hole and the old guard page
    assert hole.answer == ("in the hole the first area left" if fits else "after the second area")
    wrong = next(o for o in hole.options if o != hole.answer)
    assert not hole.check(wrong).correct and hole.answer not in hole.check(wrong).message
    (addr,) = _from_prompt(r"for (0x[0-9a-f]+)\?", walk.prompt)
    assert walk.answer == {"pgd": addr >> 22, "pte": (addr >> 12) & 0x3FF, "offset": addr & 0xFFF}


def test_a_class_gets_different_numbers(guide: dict[str, Any]) -> None:
    quiz = guide["ns"]["my_quiz"]
    prompts = {s: tuple(e.prompt for e in quiz.exercises(s)) for s in range(100, 130)}
    assert len(set(prompts.values())) == len(prompts)  # thirty students, thirty sets of numbers
    assert quiz.exercises(117)[0].prompt == quiz.exercises(117)[0].prompt  # a seed is its numbers, always
    printed = guide["printed"][_cell_of(guide, "for seed in (101, 102, 103)")]
    assert len(set(printed.splitlines())) == 3


def test_the_exported_page_holds_the_steps_and_as_the_guide_warns_the_answer(guide: dict[str, Any]) -> None:
    ns = guide["ns"]
    page = guide["tmp"] / "teachers-guide-replay.html"
    assert ns["page"] == Path(page.name) and page.is_file()  # beside the notebook: here, the folder it ran in
    text = page.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" class="vmw-data">(.*?)</script>', text, re.S)
    assert block  # the first one: the page's data comes before its script
    data = json.loads(block.group(1).replace("<\\/", "</"))
    (player,) = data["players"].values()
    assert player["n"] == len(ns["k2"].timeline) and player["limit"] == ns["before"]  # every step, held
    (box,) = data["roots"].values()
    spec = next(c for c in box["c"] if c.get("t") == "exercise")
    assert spec["spec"]["id"] == "guide_where" and spec["spec"]["value"] == ns["question"].value
    assert f"{ns['question'].value:#x}" in spec["after"]
    assert not re.search(r'(src|href)="(https?:)?//', text)
    stored = "".join(o.get("text", "") for o in guide["nb"].cells[_cell_of(guide, "export_html(box")].outputs)
    assert "the answer is in the page's source: True" in stored


def test_a_quiz_page_carries_its_seed_and_the_next_four(guide: dict[str, Any], tmp_path: Path) -> None:
    """What §3 tells teachers: hand out seeds from 5 up."""
    from vmwidgets.widgets import Quiz, export_html

    quiz = guide["ns"]["my_quiz"]
    text = export_html(Quiz(quiz, seed=0), tmp_path / "quiz.html").read_text(encoding="utf-8")
    assert all(str(quiz.exercises(s)[0].value) in text for s in range(5))
    assert str(quiz.exercises(5)[0].value) not in text


def test_the_guide_is_not_a_lesson() -> None:
    sys.path.insert(0, str(ROOT / "website"))
    try:
        import build as site
    finally:
        sys.path.remove(str(ROOT / "website"))
    assert GUIDE not in site.lessons() and site.GUIDE == GUIDE
    assert not GUIDE.name[:2].isdigit() and (ROOT / "notebooks" / "src" / "teachers_guide.py").is_file()
