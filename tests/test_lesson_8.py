"""Lesson 8 (high memory and temporary mappings): the exercise keys agree with the kernel's
rules recomputed independently from the prompts, typical mistakes get their own feedback,
and the model does what the lesson says it does."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from vmwidgets import GFP_HIGHUSER, GFP_KERNEL, KM_USER0, KM_USER1, Config, Kernel
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises.l8_highmem import LESSON, slot_list

SEEDS = range(21)
PAGE = 4096
HEX = r"0x[0-9a-f]+"
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08-highmem.ipynb"


@cache
def exercises(seed: int) -> tuple:
    return tuple(LESSON.exercises(seed))


def by_id(seed: int) -> dict:
    return {e.id: e for e in exercises(seed)}


def num(pattern: str, text: str) -> int:
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return int(m.group(1), 0)


def slots_of(text: str) -> list[int]:
    """``2-4, 43, 56`` -> [2, 3, 4, 43, 56]."""
    out: list[int] = []
    for part in text.split(", "):
        a, _, b = part.partition("-")
        out += range(int(a), int(b or a) + 1)
    return out


class Pkmap:
    """kernel-notes A2-A4, written out again: pkmap_count, last_pkmap_nr, a page -> slot map."""

    def __init__(self, last: int, era: str) -> None:
        self.count = [0] * last
        self.last = 0
        self.slot: dict[str, int] = {}
        self.era = era
        self.flushes = 0

    def flush(self) -> None:
        cleared = [nr for nr, c in enumerate(self.count) if c == 1]
        for nr in cleared:
            self.count[nr] = 0
            self.slot = {p: s for p, s in self.slot.items() if s != nr}
        if cleared or self.era == "2.6.24":
            self.flushes += 1

    def kmap(self, page: str) -> int | None:
        if page not in self.slot:
            n = len(self.count)
            left = n
            while True:
                self.last = (self.last + 1) % n
                if self.last == 0:
                    self.flush()
                    left = n
                if self.count[self.last] == 0:
                    break
                left -= 1
                if left == 0:
                    return None
            self.count[self.last] = 1
            self.slot[page] = self.last
        self.count[self.slot[page]] += 1
        return self.slot[page]

    def kunmap(self, page: str) -> None:
        self.count[self.slot[page]] -= 1


def machine(prompt: str) -> tuple[str, int, int]:
    m = re.search(rf"Linux (2\.6\.\d+), 1 GB of RAM(?:, PAE)?: LAST_PKMAP = (\d+), PKMAP_BASE = ({HEX})", prompt)
    assert m, prompt
    return m.group(1), int(m.group(2)), int(m.group(3), 16)


def wrap_state(prompt: str) -> tuple[str, int, int, list[int], bool]:
    """(era, LAST_PKMAP, PKMAP_BASE, slots with count 2, slot 0 at count 0?) from a wrap prompt."""
    era, last, base = machine(prompt)
    assert f"last_pkmap_nr = {last - 1}." in prompt
    held = slots_of(re.search(r"slots ([\d, -]+) have count 2 \(one user each\)", prompt).group(1))
    fresh = "slot 0 has count 0 (never used since boot)" in prompt
    assert fresh != ("second round" in prompt)
    return era, last, base, held, fresh


# -- the keys, recomputed from the prompts ------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_next_kmap_follows_the_circular_search(seed: int) -> None:
    e = by_id(seed)["next_kmap"]
    era, last, base = machine(e.prompt)
    sim = Pkmap(last, era)
    for call, page, addr in re.findall(rf"  (kmap|kunmap)\((\w)\)(?: = ({HEX}))?", e.prompt):
        if call == "kmap":
            assert base + sim.kmap(page) * PAGE == int(addr, 16)  # the prompt's own addresses agree
        else:
            sim.kunmap(page)
    target = re.search(r"Which address does kmap\((\w)\) return next\?", e.prompt).group(1)
    assert e.answer == base + sim.kmap(target) * PAGE


@pytest.mark.parametrize("seed", SEEDS)
def test_wrap_kmap_takes_the_first_slot_without_a_user_after_the_flush(seed: int) -> None:
    e = by_id(seed)["wrap_kmap"]
    _, last, base, held, _ = wrap_state(e.prompt)
    assert e.answer == base + min(set(range(last)) - set(held)) * PAGE


@pytest.mark.parametrize("seed", SEEDS)
def test_flush_count_is_the_count_1_slots(seed: int) -> None:
    e = by_id(seed)["flush_count"]
    _, last, _, held, fresh = wrap_state(e.prompt)
    assert e.answer == last - len(held) - fresh


@pytest.mark.parametrize("seed", SEEDS)
def test_tlb_flush_follows_the_wrap_and_the_era(seed: int) -> None:
    e = by_id(seed)["tlb_flush"]
    assert isinstance(e, ChoiceExercise)
    era, last, _ = machine(e.prompt)
    sim = Pkmap(last, era)
    m = re.search(r"pkmap_count\[0\.\.(\d+)\] = ([\d, ]+); every later slot has count 0\. last_pkmap_nr = (\d+)\.",
                  e.prompt)  # fmt: skip
    if m:
        counts = [int(c) for c in m.group(2).split(", ")]
        sim.count[: len(counts)] = counts
        sim.last = int(m.group(3))
    elif "every one has a user" in e.prompt:
        sim.count = [0] + [2] * (last - 1)
        sim.last = last - 1
    else:
        _, _, _, held, fresh = wrap_state(e.prompt)
        sim.count = [2 if nr in held else 1 for nr in range(last)]
        sim.count[0] = 0 if fresh else sim.count[0]
        sim.last = last - 1
    wrapped = sim.last + 1 == last or 0 not in sim.count[sim.last + 1 :]
    sim.kmap("new")
    want = {
        1: "one TLB flush of the whole pkmap band",
        0: "no flush: it wraps, but no slot needed clearing" if wrapped else "no flush: it finds a free slot first",
    }[sim.flushes]
    assert e.answer == want
    for option in e.options:
        assert e.check(option).correct == (option == want)


@pytest.mark.parametrize("seed", SEEDS)
def test_atomic_addr_counts_down_from_fixaddr_top(seed: int) -> None:
    e = by_id(seed)["atomic_addr"]
    top = num(rf"FIXADDR_TOP = ({HEX})", e.prompt)
    begin = num(r"FIX_KMAP_BEGIN = (\d+)", e.prompt)
    t = num(r"; KM_\w+ = (\d+)\.", e.prompt)
    nr = num(r"KM_TYPE_NR = (\d+)", e.prompt)
    assert nr == (13 if "Linux 2.6.24" in e.prompt else 19)
    assert e.answer == top - (begin + t + nr * 0) * PAGE


@pytest.mark.parametrize("seed", SEEDS)
def test_lowmem_kmap_is_the_direct_map(seed: int) -> None:
    e = by_id(seed)["lowmem_kmap"]
    offset = num(rf"PAGE_OFFSET = ({HEX})", e.prompt)
    high = num(rf"high_memory = ({HEX})", e.prompt)
    pfn = num(rf"the page of pfn ({HEX})", e.prompt)
    assert offset + pfn * PAGE < high  # the question's page is lowmem indeed
    assert e.answer == offset + pfn * PAGE


def test_slot_list() -> None:
    assert slot_list([7, 0, 1, 2, 5, 8]) == "0-2, 5, 7-8"
    assert slots_of(slot_list([3, 4, 900])) == [3, 4, 900]
    assert slot_list([]) == "none"


# -- feedback ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_anticipated_mistake_gets_its_message(seed: int) -> None:
    for e in exercises(seed):
        if isinstance(e, NumberExercise):
            assert e.value not in e.mistakes, e.id
            for wrong, why in e.mistakes.items():
                fb = e.check(hex(wrong) if e.hex else str(wrong))
                assert not fb.correct and fb.message == why, (e.id, wrong)
            assert e.check(hex(e.value) if e.hex else str(e.value)).correct
        else:
            assert isinstance(e, ChoiceExercise)
            for option, why in e.options.items():
                fb = e.check(option)
                assert fb.correct == (option == e.correct)
                if option != e.correct:
                    assert fb.message == why and e.correct not in why


def test_the_typical_mistakes_are_anticipated() -> None:
    """Over the seeds: a kunmap'ed slot taken as free, PKMAP_ADDR without * PAGE_SIZE or without
    PKMAP_BASE, the fixmap counted upwards, a lowmem page given a slot."""
    said = [why for s in SEEDS for e in exercises(s) if isinstance(e, NumberExercise)
            for why in e.mistakes.values()]  # fmt: skip
    for words in (
        "kunmap only lowered its count to 1",
        "multiplies the slot number by PAGE_SIZE",
        "the pkmap band starts at PKMAP_BASE",
        "grows down from FIXADDR_TOP",
        "A lowmem page needs no pkmap slot",
        "A lowmem page needs no fixmap slot",
        "flush_all_zero_pkmaps runs first",
        "kunmap leaves its PTE and its page_address in place",
    ):
        assert any(words in w for w in said), words


def test_next_kmap_in_the_lesson_setting() -> None:
    """seed 0's wrong answer of B's old slot (count 1) is told why, not the key."""
    e = by_id(0)["next_kmap"]
    for line in re.findall(r"kunmap\((\w)\)", e.prompt):
        addr = int(re.search(rf"kmap\({line}\) = ({HEX})", e.prompt).group(1), 16)
        fb = e.check(hex(addr))
        assert not fb.correct and "count to 1" in fb.message and hex(e.value) not in fb.message


@pytest.mark.parametrize("seed", SEEDS)
def test_seeds_build(seed: int) -> None:
    ids = [e.id for e in LESSON.exercises(seed)]  # built afresh
    assert ids == ["next_kmap", "wrap_kmap", "flush_count", "tlb_flush", "atomic_addr", "lowmem_kmap"]
    assert LESSONS[8] is LESSON and LESSON.title == "High memory and temporary mappings"


def test_other_seeds_ask_other_questions() -> None:
    zero = {e.id: e.prompt for e in LESSON.exercises(0)}
    for s in range(1, 8):
        for e in LESSON.exercises(s):
            if e.id == "atomic_addr":
                assert e.prompt != zero[e.id]


def test_the_tlb_question_takes_each_answer_over_the_seeds() -> None:
    got = {by_id(s)["tlb_flush"].answer for s in SEEDS}
    assert got == {
        "one TLB flush of the whole pkmap band",
        "no flush: it finds a free slot first",
        "no flush: it wraps, but no slot needed clearing",
    }


# -- what the lesson says about the model -------------------------------------------------


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_kmap_kunmap_as_the_lesson_tells(era: str) -> None:
    k = Kernel(Config(era=era), record=False)
    low = k.alloc_pages(GFP_KERNEL)
    a, b, c, d = (k.alloc_pages(GFP_HIGHUSER) for _ in range(4))
    assert k.page_address(a) is None
    assert k.page_address(low) == 0xC0000000 + low.pfn * PAGE
    assert [k.kmap(p) for p in (a, b, c)] == [0xFF801000, 0xFF802000, 0xFF803000]  # slot 1 first
    for p in (a, b, c):
        k.kunmap(p)
    assert k.pkmap_count[:5] == (0, 1, 1, 1, 0)
    assert k.page_address(b) == 0xFF802000  # still mapped after kunmap
    assert k.kmap(a) == 0xFF801000 and k.pkmap_count[1] == 2
    assert k.kmap(d) == 0xFF804000  # §3's question: not a count-1 slot


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_the_wrap_flushes_count_1_slots_once(era: str) -> None:
    k = Kernel(Config(era=era))
    pages = [k.alloc_pages(GFP_HIGHUSER) for _ in range(1030)]
    with k.timeline.paused():
        for p in pages[:1023]:
            k.kmap(p)
        for p in pages[1:8]:  # slots 2..8 to count 1
            k.kunmap(p)
    assert k.last_pkmap_nr == 1023
    n0 = len(k.timeline)
    assert k.kmap(pages[1023]) == 0xFF800000  # slot 0, after the flush
    events = k.timeline[n0:]
    assert sum(e.kind == "TlbFlushed" for e in events) == 1
    assert sorted(e.nr for e in events if e.kind == "PkmapCountChanged" and e.new == 0) == list(range(2, 9))
    assert k.page_address(pages[1]) is None
    assert k.kmap(pages[1024]) == 0xFF802000  # the first freed slot the search meets


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_every_slot_in_use_sleeps_after_going_round_twice(era: str) -> None:
    k = Kernel(Config(era=era))
    with k.timeline.paused():
        users = [k.alloc_pages(GFP_HIGHUSER) for _ in range(1025)]
        for p in users[:-1]:
            k.kmap(p)
    assert all(c >= 2 for c in k.pkmap_count)
    assert k.kmap(users[-1]) is None
    op = k.timeline.operations[-1]
    events = k.timeline[op.start : op.end]
    assert sum(e.kind == "PkmapSlotVisited" and e.verdict == "busy" for e in events) == 2047  # §5
    assert any(e.kind == "PkmapWaitQueued" for e in events)
    k.kunmap(users[5])
    assert k.kmap(users[-1]) == 0xFF806000


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_kmap_atomic_as_the_lesson_tells(era: str) -> None:
    k = Kernel(Config(era=era), record=False)
    src, dst, low = k.alloc_pages(GFP_HIGHUSER), k.alloc_pages(GFP_HIGHUSER), k.alloc_pages(GFP_KERNEL)
    v0 = k.kmap_atomic(src, KM_USER0)
    v1 = k.kmap_atomic(dst, KM_USER1)
    assert (v0, v1) == (0xFFFB6000, 0xFFFB5000)  # a higher type is a lower address
    assert v0 == 0xFFFFF000 - (70 + 3) * PAGE and v1 == 0xFFFFF000 - (70 + 4) * PAGE
    k.kunmap_atomic(v1, KM_USER1)
    k.kunmap_atomic(v0, KM_USER0)
    assert k.translate(v0).fault == "pte" and k.translate(v1).fault == "pte"
    assert k.kmap_atomic(low, KM_USER0) == 0xC0000000 + low.pfn * PAGE


def test_the_era_table() -> None:
    """§8: LAST_PKMAP 1024/512, KM_TYPE_NR 13/19, 896 MB of lowmem in 2.6.24, and the flush
    on a wrap with nothing to clear (2.6.24 yes, 2.6.32 no)."""
    for era, nr in (("2.6.24", 13), ("2.6.32", 19)):
        for pae, last in ((False, 1024), (True, 512)):
            k = Kernel(Config(era=era, pae=pae), record=False)
            assert k.layout.last_pkmap == last and len(k.km_types) == nr
    assert Kernel(record=False).layout.high_memory == 0xC0000000 + (896 << 20)
    for era, want in (("2.6.24", 1), ("2.6.32", 0)):
        k = Kernel(Config(era=era))
        with k.timeline.paused():
            for _ in range(1023):
                k.kmap(k.alloc_pages(GFP_HIGHUSER))
        k.kmap(k.alloc_pages(GFP_HIGHUSER))
        op = k.timeline.operations[-1]
        assert sum(e.kind == "TlbFlushed" for e in k.timeline[op.start : op.end]) == want


def _texts(cell: dict) -> str:
    out = "".join(cell["source"])
    for o in cell.get("outputs", []):
        out += "".join(o.get("text", ""))
        out += json.dumps(o.get("data", {}).get("text/plain", ""))
    return out


def test_the_notebook_keeps_its_answers_until_the_question() -> None:
    """The predict-then-check answers (kmap(D), kmap_atomic(KM_USER1)) appear in no cell, output
    or view scene before their question; the wrap's option is not written out either."""
    nb = json.loads(NOTEBOOK.read_text())
    cells = nb["cells"]
    asks = [i for i, c in enumerate(cells) if "ExerciseWidget(" in "".join(c["source"])]
    assert len(asks) == 3
    for ask, answer in zip(asks, ["0xff804000", "one TLB flush of the whole pkmap band", "0xfffb5000"], strict=True):
        for c in cells[:ask]:
            assert answer not in _texts(c).lower()
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    for model in state.values():
        text = json.dumps(model)
        if "vmw-prompt" in text or "RadioButtons" in model["model_name"]:
            continue  # a question's own prompt and options (the quiz's)
        assert "ff804000" not in text and "fffb5000" not in text


def test_the_worked_answers_show_their_step_lists() -> None:
    """Each predict-then-check question of the lesson has a worked answer whose step list
    comes out preformatted, one line per step with its file:function."""
    import contextlib
    import importlib.util
    import io
    import sys

    from vmwidgets.render.notes import note_html
    from vmwidgets.widgets import exercise as mod

    src = NOTEBOOK.parent / "src"
    spec = importlib.util.spec_from_file_location("_nb_08", src / "08_highmem.py")
    assert spec and spec.loader
    cells = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(src))
    init = mod.ExerciseWidget.__init__
    shown: list[tuple[object, str | None, object]] = []

    def noting(self: object, exercise: object, *args: object, **kwargs: object) -> None:
        init(self, exercise, *args, **kwargs)  # type: ignore[arg-type]
        shown.append((exercise, self.after_text, kwargs.get("player")))  # type: ignore[attr-defined]

    try:
        spec.loader.exec_module(cells)
        mod.ExerciseWidget.__init__ = noting  # type: ignore[method-assign]
        ns: dict = {"__name__": "__notebook__"}
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in cells.CELLS:
                if cell.cell_type == "code":
                    exec(compile(cell.source, "08_highmem.py", "exec"), ns)
    finally:
        mod.ExerciseWidget.__init__ = init  # type: ignore[method-assign]
        sys.path.remove(str(src))
    held = [(exercise, after) for exercise, after, player in shown if player is not None]  # not the quiz's
    assert len(held) == 3
    for exercise, after in held:
        assert after, exercise
        html = note_html(after)
        pre = re.search(r"<pre>(.*?)</pre>", html, re.S)
        assert pre, html[:300]
        lines = pre.group(1).splitlines()
        assert len(lines) >= 3 and all(re.match(r"step +\d+ +[\w/.]+\.[ch]:\w+ ", line) for line in lines), lines
