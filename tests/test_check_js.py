"""check.js, the browser's exercise check, gives the Python check's feedback word for word.

Every lesson's exercises (seeds 0 to 5) and the predict-then-check questions the notebooks
show get many replies each: the answer spelt several ways, the anticipated mistakes, near
misses, hex read as decimal, garbage, huge numbers, replies of MAX_REPLY characters and of
one more, long hostile ones.  All of them go through one Node process running
``vmwidgets/widgets/check.js`` on ``Exercise.page_spec()``, and each verdict, message and
``readable`` must equal ExerciseWidget's check and ``Exercise.understood``.  The limits
check.js applies (``vmwCheck.LIMITS``) must equal the Python ones.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vmwidgets import errors
from vmwidgets.exercises import LESSONS, ChoiceExercise, Exercise, FieldsExercise, NumberExercise
from vmwidgets.exercises import core as exercises_core
from vmwidgets.exercises.core import MAX_REPLY
from vmwidgets.exercises.l2_buddy import PfnExercise
from vmwidgets.exercises.l3_page_tables import SlipFieldsExercise
from vmwidgets.exercises.l5_vmas import _AddressExercise
from vmwidgets.exercises.lessons import load_all

ROOT = Path(__file__).resolve().parent.parent
CHECK_JS = ROOT / "vmwidgets" / "widgets" / "check.js"
NOTEBOOK_SRC = ROOT / "notebooks" / "src"
NODE = shutil.which("node")

RUNNER = r"""
const fs = require("fs"), vm = require("vm");
vm.runInThisContext(fs.readFileSync(process.argv[1], "utf8"), { filename: process.argv[1] });  // a classic script
const { specs, cases } = JSON.parse(fs.readFileSync(0, "utf8"));
const out = cases.map(([i, reply]) => {
  try { return globalThis.vmwCheck(specs[i], reply); } catch (e) { return { error: String(e && e.stack) }; }
});
process.stdout.write(JSON.stringify(out));
"""

GARBAGE = [
    "",
    "  ",
    "\t\n",
    None,
    "abc?",
    "it's",
    'x"y',
    "both ' and \"",
    "0x",
    "0b",
    "1e3",
    "—",
    "８",
    "٣٤",
    "１２３４５６７８",
    "0x８",
    "-5",
    "-0x10",
    "+4",
    "b",
    "page",
    "3 pages",
    "3 Pages",
    "8k",
    "8 kB",
    "1 mb",
    "2 GiB",
    "0b101",
    "0o17",
    "0O17",
    "1,000",
    "1_000",
    "0x_1f",
    "12345678",
    " 12345678 ",
    "08048000",
    "0804800",
    "1.5",
    "0x10 pages",
    "\x1c42\x1c",
    "\u00a042\u3000",
    "\ufeff42",
    "a\\b",
    "tab\there",
    "cr\rlf\n",
    "\x7f\x00",
    "\u200b",
    "\u2028",
    "😀",
    "İ",
    "9" * 40,
    "0x" + "f" * 64,
    "1" + "0" * 30 + " MB",
    "pgd=1",
    "887 MB",
    "887MB",
    "4 KB",
    "4 kB",
    "4096 bytes",
    "1 byte",
    "2 GB",
    "ff",
    "abc",
    "704",
]


def long_replies(e: Exercise) -> list[Any]:
    """Replies at the length limit and one past it (the key padded, too many digits, text that
    reads as no number), astral characters (one code point, two UTF-16 units) and hostile
    lengths: the check counts code points as Python's len does and reads nothing of a long one."""
    key = e.correct if isinstance(e, ChoiceExercise) else e.answer_text()
    out: list[Any] = []
    for n in (MAX_REPLY, MAX_REPLY + 1):
        out += [key.ljust(n), key.rjust(n), "\u3000" * (n - len(key)) + key, "9" * n, "a" * n, "😀" * n]
        out += ["1" * n, "1" * (n - 1) + "😀", ("pgd=1 " * n)[:n], key + "\x00" * (n - len(key))]
    out += ["😀" * (MAX_REPLY // 2 + 1), "9" * 100_000, "\u2028" * 20_000 + key, ("pte=0x" + "f" * 200 + " ") * 40]
    return out


def node_results(specs: list[dict], cases: list[tuple[int, Any]]) -> list[dict]:
    done = subprocess.run(
        [NODE, "-e", RUNNER, str(CHECK_JS)],
        input=json.dumps({"specs": specs, "cases": cases}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def number_replies(e: NumberExercise) -> list[Any]:
    v = e.value
    out: list[Any] = [f"{v:#x}", f"{v:x}", f"{v:X}", f"0X{v:X}", str(v), f" {v} ", f"{v:08x}", f"{v:,}", f"{v:#_x}"]
    out += [f"{v:07x}", f"0{v:07x}", f"{v:o}", f"{v:b}"]
    if e.units:
        out += [f"{v} B", f"{v >> 10} kB", f"{v >> 10}k", f"{v >> 20} MB", f"{v >> 12} pages", f"{v >> 12} page"]
        out += [f"{v >> 10} KiB", f"{v >> 20}M", f"{v} bytes", f"{v}bytes", f"{v >> 10} KB"]
    if e.unit != 1:  # counted in MB (or pages): the answer with the question's unit, and in other units
        out += [f"{v} MB", f"{v}MB", f"{v * e.unit >> 10} kB", f"{v * e.unit} bytes", f"{v} pages", f"{v + 1} mb"]
        out += [f"{(v * e.unit >> 10) + 1} kB", f"{v}.5 MB", f"{v} GB"]
    if e.hex:  # the address as a size in MB, from 0 and from PAGE_OFFSET
        out += [str(v >> 20), str((v - 0xC0000000) >> 20), str(max(v - 0xC0000000, 0) >> 20 or 1)]
    else:  # hex typed without 0x to a decimal question
        out += [f"{v:x}a", f"{v + 10:x}", "1e3"]
    for m in e.mistakes:
        out += [f"{m:#x}", str(m), f"{m:x}"]
    for d in (1, 2, 0x10, 0x1000, 0x2000, 1 << 20, 3 << 20, 0x1234, 1 << 32):
        out += [f"{v + d:#x}", f"{v - d:#x}", str(v + d), str(v - d), f"{v + d:x}"]
    return out


def choice_replies(e: ChoiceExercise) -> list[Any]:
    out: list[Any] = []
    for o in e.options:
        out += [o, o.upper(), o.swapcase(), f"  {o.title()} \t", o + ".", o[:-1]]
    return out


def fields_replies(e: FieldsExercise) -> list[Any]:
    names, values = list(e.fields), list(e.fields.values())

    def text(vals: list[Any], sep: str = "=", join: str = " ", fmt: str = "#x") -> str:
        pairs = zip(names, vals, strict=True)
        return join.join(f"{k}{sep}{format(v, fmt) if isinstance(v, int) else v}" for k, v in pairs)

    out: list[Any] = [e.answer_text(), text(values), text(values, " : ", ", ", "d"), text(values, "=", ";")]
    out += [text(values).upper(), text(values, ":", "", "x"), f"{names[0]}={values[0]:#x}"]  # partial
    out += [text(values[::-1]), text([values[1], values[0], *values[2:]])]  # swapped
    out += [text([(v + 1) for v in values]), text([f"{v:x}" for v in values], fmt="")]  # wrong, hex as decimal
    out += [f"x{names[0]}={values[0]}", f"{names[0]} = ", f"{names[0]}=0x1;", f"{names[-1]}==1", f"{names[0]}=٣"]
    out += [f"_{names[0]}=1 {names[-1]}:{values[-1]:#x}", f"{names[0]}\u3000=\u30001", f"{names[0]}:\t1,0"]
    out += [f"é{names[0]}=1 ٣{names[-1]}=2 -{names[1]}=3", text(values).replace("s", "ſ").replace("k", "\u212a")]
    for table in (e.mistakes, getattr(e, "slips", {})):
        for k, wrongs in table.items():
            for w in wrongs:
                vals = [w if n == k else v for n, v in zip(names, values, strict=True)]
                out += [text(vals), text(vals, fmt="d")]
    return out


def replies(e: Exercise) -> list[Any]:
    if isinstance(e, ChoiceExercise):
        own = choice_replies(e)
    elif isinstance(e, FieldsExercise):
        own = fields_replies(e)
    else:
        assert isinstance(e, NumberExercise)
        own = number_replies(e)
    return list(dict.fromkeys([*own, *GARBAGE, *long_replies(e)]))  # no repeats, order kept


@dataclass
class Case:
    exercise: Exercise
    reply: Any
    correct: bool
    message: str
    readable: bool


def expected(e: Exercise) -> list[Case]:
    """What the notebook says to each reply: ExerciseWidget's check (its own words for a blank
    box, the exercise's check otherwise), and ``understood``."""
    from vmwidgets.widgets.exercise import ExerciseWidget

    box = ExerciseWidget(e)
    return [Case(e, r, *box.check(r), e.understood(r)) for r in replies(e)]


@contextlib.contextmanager
def _shown_exercises() -> Iterator[list[Exercise]]:
    """ExerciseWidget swapped for one that records the exercise it shows."""
    import vmwidgets.widgets as vw
    from vmwidgets.widgets.exercise import ExerciseWidget

    shown: list[Exercise] = []

    class Recorder(ExerciseWidget):
        def __init__(self, exercise: Exercise, *args: Any, **kwargs: Any) -> None:
            shown.append(exercise)
            super().__init__(exercise, *args, **kwargs)

    saved = vw.ExerciseWidget
    vw.ExerciseWidget = Recorder
    sys.path.insert(0, str(NOTEBOOK_SRC))
    try:
        yield shown
    finally:
        vw.ExerciseWidget = saved
        sys.path.remove(str(NOTEBOOK_SRC))


def notebook_exercises() -> list[Exercise]:
    """The exercises the lesson notebooks show with ExerciseWidget, made by running their code cells."""
    with _shown_exercises() as shown, contextlib.redirect_stdout(io.StringIO()):
        for src in sorted(NOTEBOOK_SRC.glob("[0-9][0-9]_*.py")):
            spec = importlib.util.spec_from_file_location(f"_nb_{src.stem}", src)
            assert spec and spec.loader
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            ns: dict[str, Any] = {"__name__": "__notebook__"}
            for cell in mod.CELLS:
                if cell.cell_type == "code":
                    exec(compile(cell.source, str(src), "exec"), ns)
    return shown


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    load_all()
    exercises = [e for n in sorted(LESSONS) for seed in range(6) for e in LESSONS[n].exercises(seed)]
    shown = notebook_exercises()
    assert len(shown) >= 8, [e.id for e in shown]
    return [c for e in exercises + shown for c in expected(e)]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_check_js_gives_the_python_feedback(cases: list[Case]) -> None:
    specs: list[dict] = []
    index: dict[int, int] = {}
    for c in cases:
        if id(c.exercise) not in index:
            spec = c.exercise.page_spec()
            assert spec is not None, c.exercise.id
            index[id(c.exercise)] = len(specs)
            specs.append(spec)
    got = node_results(specs, [(index[id(c.exercise)], c.reply) for c in cases])
    assert len(got) == len(cases) > 10000
    bad = []
    for c, g in zip(cases, got, strict=True):
        want = {"correct": c.correct, "message": c.message, "readable": c.readable}
        if g != want:
            bad.append(f"{type(c.exercise).__name__} {c.exercise.id!r} reply {c.reply!r}:\n  py {want}\n  js {g}")
    assert not bad, f"{len(bad)} of {len(cases)} differ:\n" + "\n".join(bad[:20])


def test_every_kind_and_variant_is_covered(cases: list[Case]) -> None:
    kinds = {type(c.exercise) for c in cases}
    assert {NumberExercise, ChoiceExercise, FieldsExercise, PfnExercise, SlipFieldsExercise, _AddressExercise} <= kinds
    said = {c.message for c in cases}
    starts = ("Right", "I could not read", "Not yet:", "Choose one of", "Write each part", "Type an answer")
    for start in (*starts, "That reply has"):
        assert any(m.startswith(start) for m in said), start
    at_limit = [c for c in cases if isinstance(c.reply, str) and len(c.reply) == MAX_REPLY]
    assert any(c.correct for c in at_limit) and all(c.readable for c in at_limit if c.correct)
    past = [c for c in cases if isinstance(c.reply, str) and len(c.reply) > MAX_REPLY and c.reply.strip()]
    assert past and all(c.message.startswith(f"That reply has {len(c.reply)} characters") for c in past)
    assert "Choose an answer first." in said
    assert any("was read as decimal" in m for m in said)
    for slip in (
        "looks like a size in MB",
        "looks like hex without 0x",
        "exactly one page (0x1000)",
        "whole number of MB",
    ):
        assert any(slip in m for m in said), slip
    assert any(re.search(r"frames? \(", m) for m in said)  # PfnExercise's distance in frames


def test_understood_is_false_exactly_when_the_reply_cannot_be_read(cases: list[Case]) -> None:
    unreadable = (
        "I could not read",
        "Choose one of",
        "Write each part",
        "Type an answer",
        "Choose an answer",
        "That reply has",
    )
    for c in cases:
        assert c.readable == (not c.message.startswith(unreadable)), (c.exercise.id, c.reply, c.message)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_check_js_limits_are_the_python_ones() -> None:
    script = f"{CHECK_JS.read_text()}\nprocess.stdout.write(JSON.stringify(globalThis.vmwCheck.LIMITS));"
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60, check=True)
    limits = json.loads(done.stdout)
    assert limits == {
        "maxReply": exercises_core.MAX_REPLY,
        "maxDigits": exercises_core._MAX_DIGITS,
        "shown": errors._SHOWN,
    }


def test_page_spec_is_json_and_none_when_check_needs_python() -> None:
    load_all()
    for n in sorted(LESSONS):
        for e in LESSONS[n].exercises(0):
            spec = e.page_spec()
            assert spec is not None and spec["id"] == e.id
            assert spec["kind"] in ("number", "choice", "fields")
            assert json.loads(json.dumps(spec)) == spec

    class Strict(NumberExercise):  # a teacher's own check: the page cannot know it
        def check(self, reply: Any) -> Any:
            return super().check(reply)

    class Plain(NumberExercise):  # only data changes: the check is NumberExercise's
        pass

    class OwnPfn(PfnExercise):
        def check(self, reply: Any) -> Any:
            return super().check(reply)

    assert Strict("q", "?", value=5).page_spec() is None
    assert OwnPfn("q", "?", value=5).page_spec() is None
    assert Plain("q", "?", value=5).page_spec()["kind"] == "number"
    assert PfnExercise("q", "?", value=5).page_spec()["pfn"] is True
    assert _AddressExercise("q", "?", value=5).page_spec()["address"] is True
    assert Strict("q", "?", value=5).understood("anything")  # its check is unknown: any non-blank reply counts
    assert not Strict("q", "?", value=5).understood("  ")
    assert NumberExercise("q", "?", value=1 << 60, mistakes={1 << 60 | 1: "x"}).page_spec()["value"] == str(1 << 60)
    assert ChoiceExercise("q", "?", options={"b": "no", "a": ""}, correct="a").page_spec()["options"] == [
        ["b", "no"],
        ["a", ""],
    ]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_check_js_applies_the_number_rule_itself() -> None:
    """The rule of core.parse_number on the static page, spelt out (not only equal to Python):
    units on a question counted in MB, hex without 0x refused by a decimal question and not
    an attempt, a size in MB given for an address, a reply that is no number."""
    mb = NumberExercise("lowmem", "How many MB?", value=887, hex=False, units=True, unit=1 << 20).page_spec()
    count = NumberExercise("n", "How many?", value=483, hex=False).page_spec()
    address = NumberExercise("a", "Where? Answer in hex.", value=0xEBFFFD40).page_spec()
    cases = [(0, "887 MB"), (0, "887MB"), (0, "908288 kB"), (0, "887"), (0, "1000 kB"), (1, "1e3"), (1, "0x1e3")]
    cases += [(2, "704"), (2, "hello"), (2, "ebfffd40")]
    got = [(g["correct"], g["readable"], g["message"]) for g in node_results([mb, count, address], cases)]
    assert got[:4] == [(True, True, "Right.")] * 4
    assert got[4] == (False, False, "I could not read '1000 kB' as a whole number of MB: write it like 42 or 42 MB.")
    assert got[5][:2] == (False, False) and "looks like hex without 0x" in got[5][2]
    assert got[6] == (True, True, "Right.")
    assert got[7][:2] == (False, True) and got[7][2].startswith("704 looks like a size in MB; this question asks")
    assert got[8] == (False, False, "I could not read 'hello' as a number: write it like 0xc0801234.")
    assert got[9] == (True, True, "Right.")
