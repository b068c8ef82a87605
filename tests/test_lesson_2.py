"""Lesson 2 (page frames, zones, the buddy allocator): the exercises' keys, checked another way.

Each answer key comes from the model.  Here it is recomputed from the numbers the prompt
gives the student, with the kernel-notes formulas (pfn = phys >> 12, lowmem ends at 896 MB
in 2.6.24, buddy = pfn ^ (1 << order)) and a small textbook buddy allocator written for
this test, which shares no code with ``vmwidgets.model.buddy``.
"""

from __future__ import annotations

import functools
import itertools
import re

import pytest

from vmwidgets import GFP_KERNEL, Config, Kernel
from vmwidgets.exercises import LESSONS, ChoiceExercise, FieldsExercise, NumberExercise
from vmwidgets.exercises.core import MAX_REPLY
from vmwidgets.exercises.l2_buddy import LESSON, predict_alloc, predict_free

SEEDS = range(40)
MAX_ORDER = 11
MB = 1 << 20


@functools.cache  # the exercises of a seed are built once for all the tests
def by_id(seed: int) -> dict:
    return {e.id: e for e in LESSON.exercises(seed)}


def hexes(text: str) -> list[int]:
    return [int(h, 16) for h in re.findall(r"0x[0-9a-f]+", text)]


class RefBuddy:
    """A textbook binary buddy allocator over one zone: lists head first, as the kernel keeps them."""

    def __init__(self, start: int, end: int, first_free: int) -> None:
        self.start, self.end = start, end
        self.free: list[list[int]] = [[] for _ in range(MAX_ORDER)]
        pfn = first_free  # boot frees ascending: each new block goes to the head
        while pfn < end:
            order = MAX_ORDER - 1
            while pfn % (1 << order) or pfn + (1 << order) > end:
                order -= 1
            self.free[order].insert(0, pfn)
            pfn += 1 << order

    def alloc(self, order: int) -> int:
        for o in range(order, MAX_ORDER):
            if self.free[o]:
                pfn = self.free[o].pop(0)
                while o > order:  # keep the lower half, free the upper one
                    o -= 1
                    self.free[o].insert(0, pfn + (1 << o))
                return pfn
        raise MemoryError

    def release(self, pfn: int, order: int) -> int:
        while order < MAX_ORDER - 1:
            buddy = pfn ^ (1 << order)
            if not (self.start <= buddy < self.end and buddy in self.free[order]):
                break
            self.free[order].remove(buddy)
            pfn = min(pfn, buddy)
            order += 1
        self.free[order].insert(0, pfn)
        return order


def fresh_normal(ram_mb: int) -> RefBuddy:
    """ZONE_NORMAL of a just-booted 2.6.24 machine: pfn 0x1000 up to min(RAM, 896 MB), with
    mem_map (32 bytes per frame) reserved at its start."""
    max_pfn = ram_mb * MB >> 12
    end = min(max_pfn, (896 * MB) >> 12)
    mem_map_pages = -(-max_pfn * 32 // 4096)
    return RefBuddy(0x1000, end, 0x1000 + mem_map_pages)


# -- the exercises --------------------------------------------------------------------------
def test_lesson_is_registered_and_changes_with_the_seed() -> None:
    assert LESSONS[2] is LESSON and LESSON.title == "Page frames, zones and the buddy allocator"
    keys = [tuple(str(e.answer) for e in LESSON.exercises(s)) for s in range(10)]
    assert len(set(keys)) == 10
    ids = [e.id for e in LESSON.exercises(0)]
    assert ids == ["zone", "buddy", "split", "next-pfn", "merge"]
    for e in LESSON.exercises(3):
        assert e.hint and e.explain
        assert e.check(e.answer_text()).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_feedback_reads_as_sentences(seed: int) -> None:
    """No template slips: no range of one list, no plural after 'once'."""
    for e in LESSON.exercises(seed):
        texts = [e.prompt, e.hint, e.explain, *getattr(e, "mistakes", {}).values()]
        for text in texts:
            assert not re.search(r"free_area\[(\d+)\] to free_area\[\1\]", text), text
            assert not re.search(r"order (\d+) to \1\b", text), text
            assert "once, putting each" not in text and "once, freeing the upper halves" not in text, text
            assert not re.search(r"\b1 blocks", text) and "1 block, head first" not in text, text


def test_pfn_answers_read_bare_digits_as_hex_and_give_rough_distances() -> None:
    for seed in SEEDS:
        e = by_id(seed)["next-pfn"]
        text = f"{e.answer:x}"
        if text.isdigit():  # a pfn like 0x37400 written without 0x, as the lists print none
            assert e.check(text).correct
        wrong = e.answer + 0x100
        if wrong not in e.mistakes:
            msg = e.check(hex(wrong)).message
            assert "too high, by 1 to 16 MB" in msg  # 0x100 frames: a band, not the distance


def test_pfn_reply_near_the_length_limit_is_counted_as_typed() -> None:
    e = by_id(0)["next-pfn"]
    for n in (MAX_REPLY - 1, MAX_REPLY):  # too many digits to be a number, not too long
        fb = e.check("1" * n)
        assert not fb.correct and fb.message.startswith("I could not read '111") and not e.understood("1" * n)
    fb = e.check("1" * (MAX_REPLY + 1))
    assert fb.message == f"That reply has {MAX_REPLY + 1} characters; an answer here has at most {MAX_REPLY}."


@pytest.mark.parametrize("seed", SEEDS)
def test_zone_from_the_pfn_and_the_896_mb_limit(seed: int) -> None:
    e = by_id(seed)["zone"]
    assert isinstance(e, ChoiceExercise)
    ram_mb = int(re.search(r"with (\d+) MB of RAM", e.prompt).group(1))
    phys = int(re.search(r"physical address (0x[0-9a-f]+)", e.prompt).group(1), 16)
    max_low_pfn = min(ram_mb * MB, 896 * MB) >> 12  # MAXMEM is 896 MB up to 2.6.27
    assert f"max_low_pfn = {max_low_pfn:#x}" in e.prompt
    pfn = phys >> 12
    want = "DMA" if pfn < 0x1000 else "Normal" if pfn < max_low_pfn else "HighMem"
    assert e.answer == want and e.check(want).correct
    for wrong in {"DMA", "Normal", "HighMem"} - {want}:
        fb = e.check(wrong)
        assert not fb.correct and f"pfn {pfn:#x}" in fb.message


def test_zone_mistake_of_comparing_the_address_is_named() -> None:
    seen = 0
    for seed in SEEDS:
        e = by_id(seed)["zone"]
        if e.answer != "HighMem":
            assert "Shift it right by 12" in e.check("HighMem").message
            seen += 1
    assert seen


@pytest.mark.parametrize("seed", SEEDS)
def test_buddy_is_the_xor(seed: int) -> None:
    e = by_id(seed)["buddy"]
    order = int(re.search(r"\(order (\d+)\)", e.prompt).group(1))
    pfn = int(re.search(r"starts at pfn (0x[0-9a-f]+)", e.prompt).group(1), 16)
    assert pfn % (1 << order) == 0  # a block is aligned to its size
    assert e.answer == pfn ^ (1 << order)
    assert e.answer not in e.mistakes
    assert "physical address" in e.check(hex(e.answer << 12)).message
    for wrong in (order + 1, order - 1, order + 2):  # the wrong bit flipped (issue 14)
        if wrong >= 0 and pfn ^ (1 << wrong) not in (pfn + (1 << order), pfn - (1 << order)):
            msg = e.check(hex(pfn ^ (1 << wrong))).message
            assert msg.startswith(f"You flipped bit {wrong},") and f"differs from it in bit {order}:" in msg


def test_buddy_asks_about_lower_and_upper_halves_and_names_the_wrong_direction() -> None:
    halves = set()
    for seed in SEEDS:
        e = by_id(seed)["buddy"]
        order = int(re.search(r"\(order (\d+)\)", e.prompt).group(1))
        pfn = int(re.search(r"starts at pfn (0x[0-9a-f]+)", e.prompt).group(1), 16)
        upper = bool(pfn >> order & 1)
        halves.add(upper)
        wrong = pfn + (1 << order) if upper else pfn - (1 << order)
        msg = e.check(hex(wrong)).message
        assert ("lies below it" if upper else "lies above it") in msg
    assert halves == {False, True}


@pytest.mark.parametrize("seed", SEEDS)
def test_split_counts_follow_the_rule(seed: int) -> None:
    e = by_id(seed)["split"]
    assert isinstance(e, FieldsExercise)
    nr = [int(n) for n in re.search(r"zone Normal ((?:\d+ ){10}\d+)\.", e.prompt).group(1).split()]
    order = int(re.search(r"alloc_pages\(GFP_KERNEL, (\d+)\)", e.prompt).group(1))
    m = next(o for o in range(order, MAX_ORDER) if nr[o])
    after = nr[:]
    after[m] -= 1
    for o in range(order, m):
        after[o] += 1
    assert e.answer == {f"o{o}": after[o] for o in range(order, order + 4)}
    assert 1 <= m - order <= 3  # a split that the four fields show


def test_split_feedback_says_which_list_is_wrong_and_why() -> None:
    e = by_id(0)["split"]
    fields = dict(e.answer)
    first = next(iter(fields))
    fields[first] += 1
    fb = e.check(" ".join(f"{k}={v}" for k, v in fields.items()))
    assert not fb.correct and f"{first} is not right yet (" in fb.message
    assert all(f"{k} is right" in fb.message for k in list(fields)[1:])


def parse_lists(text: str) -> dict[int, list[int]]:
    """The prompt's free lists, one a line: '  free_area[ 5]: 2 blocks: 0x1fc20, 0x1fc60'."""
    lists = {}
    for line in text.splitlines():
        m = re.fullmatch(r"  free_area\[ ?(\d+)\]: (.*)", line)
        if m:
            lists[int(m.group(1))] = [] if m.group(2) == "empty" else hexes(m.group(2))
    return lists


@pytest.mark.parametrize("seed", SEEDS)
def test_next_pfn_is_the_head_of_the_first_non_empty_list(seed: int) -> None:
    e = by_id(seed)["next-pfn"]
    order = int(re.search(r"alloc_pages\(GFP_KERNEL, (\d+)\)", e.prompt).group(1))
    lists = parse_lists(e.prompt)
    assert min(lists) == order
    m = next(o for o in sorted(lists) if lists[o])
    assert e.answer == lists[m][0]  # the head; expand keeps the lower half, which starts there
    assert e.answer not in e.mistakes
    if m > order:
        assert "upper half" in e.check(hex(e.answer + (1 << (m - 1)))).message
    for o in sorted(lists):
        if o > m and lists[o]:
            assert "only used when" in e.check(hex(lists[o][0])).message


def test_next_pfn_covers_both_a_split_and_a_direct_hit() -> None:
    kinds = {"expand halves" in by_id(s)["next-pfn"].explain for s in SEEDS}
    assert kinds == {False, True}


@pytest.mark.parametrize("seed", SEEDS)
def test_merge_replayed_on_a_reference_allocator(seed: int) -> None:
    e = by_id(seed)["merge"]
    ram_mb = int(re.search(r"A (\d+) MB machine", e.prompt).group(1))
    ref = fresh_normal(ram_mb)
    boot = parse_lists(e.prompt.split("These calls", 1)[0])
    for o, heads in boot.items():
        assert ref.free[o][: len(heads)] == heads
    assert {o for o in range(MAX_ORDER) if ref.free[o]} == set(boot)
    blocks = {}
    for name, order, pfn in re.findall(r"(\w) = alloc_pages\(GFP_KERNEL, (\d)\) returns pfn (0x[0-9a-f]+)", e.prompt):
        assert ref.alloc(int(order)) == int(pfn, 16)  # the prompt's pfns are what a buddy allocator gives
        blocks[name] = (int(pfn, 16), int(order))
    assert len(blocks) >= 3
    calls = e.prompt.split("These calls run in order:", 1)[1]
    freed = re.findall(r"free_pages\((\w), (\d)\)", calls)
    *earlier, (target, order) = freed
    for name, o in earlier:
        ref.release(blocks[name][0], int(o))
    assert blocks[target][1] == int(order)
    assert e.answer == ref.release(blocks[target][0], int(order))


def test_merge_feedback_for_no_merge_too_few_and_too_many() -> None:
    seen = set()
    for seed in SEEDS:
        e = by_id(seed)["merge"]
        order = int(re.findall(r"free_pages\(\w, (\d)\)", e.prompt)[-1])
        assert set(e.mistakes) == set(range(order, MAX_ORDER)) - {e.answer}
        if e.answer > order:
            assert e.check(str(order)).message.startswith("That would mean no merge")
            seen.add("none")
        if e.answer > order + 1:
            assert "does not stop at order" in e.check(str(order + 1)).message
            seen.add("short")
        if e.answer < MAX_ORDER - 1:
            fb = e.check("10")  # a hint, not the answer (issue 14)
            assert fb.message.startswith("Merging stops before order 10")
            assert not re.search(rf"order {e.answer}\b", fb.message)
            seen.add("far")
    assert seen == {"none", "short", "far"}


# -- the lesson's predict-then-check questions -------------------------------------------
def test_predict_alloc_on_the_lessons_machine() -> None:
    k = Kernel()
    k.alloc_pages(GFP_KERNEL, 8)
    q, op = predict_alloc(k, GFP_KERNEL, 7)
    assert isinstance(q, NumberExercise) and "alloc_pages(GFP_KERNEL, 7)" in q.prompt
    ref = fresh_normal(1024)
    ref.alloc(8)
    assert q.answer == ref.alloc(7) == 0x37D00
    assert "upper half" in q.check("0x37d80").message
    assert "once" in q.explain and "0x37d80, on free_area[7]" in q.explain
    assert "only used when" in q.check("0x37e00").message
    tl = k.timeline
    assert tl[op.start].kind == "OperationBegan" and tl[op.end - 1].kind == "OperationEnded"
    assert op.name == "alloc_pages" and op.end == len(tl)


def test_predict_free_on_the_lessons_machine() -> None:
    k = Kernel()
    a, b = k.alloc_pages(GFP_KERNEL, 0), k.alloc_pages(GFP_KERNEL, 0)
    k.free_pages(a, 0)
    q, op = predict_free(k, b, 0, label="b")
    assert q.answer == 10 and op.name == "free_pages"
    assert q.check("0").message.startswith("That would mean no merge")
    assert "does not stop at order 3" in q.check("3").message
    assert k.buddyinfo() == Kernel().buddyinfo()


# -- facts the lesson shows ---------------------------------------------------------------
def test_fresh_frames_are_neighbours_and_aged_frames_are_scattered() -> None:
    fresh = Kernel()
    pfns = [fresh.alloc_pages(GFP_KERNEL, 0).pfn for _ in range(6)]
    assert pfns == list(range(0x37C00, 0x37C06))
    aged = Kernel(Config(aged=True, seed=1))
    # what section 6 says: the aging used only the top 20 MB of ZONE_NORMAL (five order-10
    # blocks, pfn 0x36c00-0x37fff, the light-green end of the grid); every small free block
    # lies there, the rest is untouched
    normal = aged.zones[1]
    assert normal.free_area[10].nr_free == 218 - 5
    small = [p for o in range(10) for p in normal.free_area[o].free_list]
    assert small and all(0x36C00 <= p < 0x38000 for p in small)
    pfns = [aged.alloc_pages(GFP_KERNEL, 0).pfn for _ in range(6)]
    assert all(abs(q - p) > 1 for p, q in itertools.pairwise(pfns))
    assert all(0x36C00 <= p < 0x38000 for p in pfns)
    assert pfns[:3] == [0x37E9E, 0x37F4E, 0x37A3A]  # the pfns the text names, as the narration prints them
    # each in its own 1 MB cell of the grid (no two neighbours share one), unlike the fresh machine's
    assert all((p >> 8) != (q >> 8) for p, q in itertools.pairwise(pfns))


def test_a_small_aged_machine_cannot_give_a_large_block() -> None:
    small = Kernel(Config(ram=64 << 20, aged=True, seed=1))
    normal = small.zones[1]
    assert normal.free_pages > 4 * 512
    assert max(o for o, fa in enumerate(normal.free_area) if fa.nr_free) == 5
    assert small.alloc_pages(GFP_KERNEL, 9) is None


def test_boot_lists_match_the_reference_decomposition() -> None:
    for ram_mb in (256, 384, 768, 1024, 2048):
        k = Kernel(Config(ram=ram_mb * MB), record=False)
        ref = fresh_normal(ram_mb)
        assert [fa.free_list for fa in k.zones[1].free_area] == ref.free


def test_quiz_widget_builds() -> None:
    from vmwidgets.widgets import Quiz

    quiz = Quiz(LESSON, seed=0)
    assert [w.exercise.id for w in quiz.items] == ["zone", "buddy", "split", "next-pfn", "merge"]
