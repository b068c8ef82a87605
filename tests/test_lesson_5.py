"""Lesson 5 (VMAs and the mm_rb tree): the exercises' answers, checked without the model.

Each prompt carries the numbers a student needs; the tests read them back from the prompt
and compute the answer a second way: VMA counts from the pieces a range leaves, the
top-down hole from the listed VMAs, find_vma from its definition, and the rotations and
colours by re-inserting into the written-out tree with a textbook (CLRS) red-black insert.
They also check the feedback for typical mistakes and the facts the notebook states.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vmwidgets import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, InvalidArgument, Kernel
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises.l5_vmas import (
    LESSON,
    insert_scenario,
    lesson_question,
    rb_events,
    rb_steps,
    rotation_exercise,
    rotations,
    tree_text,
    vma_changes,
)
from vmwidgets.model.mmap import validate_mm
from vmwidgets.render.narrate import narration_html

PAGE = 4096
SEEDS = range(12)


def by_id(seed: int) -> dict:
    return {e.id: e for e in LESSON.exercises(seed)}


# -- a textbook red-black tree, independent of vmwidgets.model.rbtree -------------------------
class Node:
    def __init__(self, key: int, red: bool) -> None:
        self.key, self.red = key, red
        self.left = self.right = self.parent = None


def parse_tree(text: str) -> Node:
    """``B b7fe5000(R 0804c000(B 08048000, -), B b8000000)`` -> nodes with parent links."""
    pos = 0

    def node() -> Node | None:
        nonlocal pos
        if text.startswith("-", pos):
            pos += 1
            return None
        m = re.compile(r"([RB]) ([0-9a-f]{8})").match(text, pos)
        assert m, text[pos:]
        pos = m.end()
        n = Node(int(m[2], 16), m[1] == "R")
        if text.startswith("(", pos):
            pos += 1
            n.left = node()
            assert text.startswith(", ", pos)
            pos += 2
            n.right = node()
            assert text.startswith(")", pos)
            pos += 1
            for c in (n.left, n.right):
                if c is not None:
                    c.parent = n
        return n

    root = node()
    assert pos == len(text)
    return root


def black_height(n: Node | None) -> int:
    if n is None:
        return 1
    for c in (n.left, n.right):
        assert not (n.red and c is not None and c.red), "red node with a red child"
    lh, rh = black_height(n.left), black_height(n.right)
    assert lh == rh, "unequal black heights"
    return lh + (not n.red)


def keys(n: Node | None) -> list[int]:
    return [] if n is None else [*keys(n.left), n.key, *keys(n.right)]


class Tree:
    """CLRS RB-INSERT and RB-INSERT-FIXUP, recording each rotation's direction."""

    def __init__(self, root: Node) -> None:
        self.root, self.rotations = root, []

    def rotate(self, x: Node, left: bool) -> None:
        self.rotations.append("left" if left else "right")
        y = x.right if left else x.left
        inner = y.left if left else y.right
        if left:
            x.right = inner
        else:
            x.left = inner
        if inner is not None:
            inner.parent = x
        y.parent = x.parent
        if x.parent is None:
            self.root = y
        elif x is x.parent.left:
            x.parent.left = y
        else:
            x.parent.right = y
        if left:
            y.left = x
        else:
            y.right = x
        x.parent = y

    def insert(self, key: int) -> tuple[Node, Node, str]:
        """Insert ``key``; return the node, the parent it was hung under and on which side."""
        z, parent, cur = Node(key, True), None, self.root
        while cur is not None:
            parent = cur
            cur = cur.left if key < cur.key else cur.right
        z.parent = parent
        side = "left" if key < parent.key else "right"
        setattr(parent, side, z)
        node = z
        while node.parent is not None and node.parent.red:
            p = node.parent
            g = p.parent
            p_left = p is g.left
            uncle = g.right if p_left else g.left
            if uncle is not None and uncle.red:
                p.red = uncle.red = False
                g.red = True
                node = g
                continue
            if node is (p.right if p_left else p.left):
                node = p
                self.rotate(node, p_left)
            node.parent.red = False
            node.parent.parent.red = True
            self.rotate(node.parent.parent, not p_left)
        self.root.red = False
        return z, parent, side


def textbook(prompt: str) -> tuple[Tree, Node]:
    """Rebuild the tree a tree prompt writes out, check it, insert the new VMA as described."""
    m = re.search(r"child:\n(.*)\nA new VMA is inserted: ([0-9a-f]{8}) hangs red as the (left|right) child of "
                  r"([0-9a-f]{8})\.", prompt)  # fmt: skip
    assert m, prompt
    tree = Tree(parse_tree(m[1]))
    assert not tree.root.red and black_height(tree.root) >= 1
    ks = keys(tree.root)
    assert ks == sorted(ks) and len(set(ks)) == len(ks)
    node, parent, side = tree.insert(int(m[2], 16))
    assert (f"{parent.key:08x}", side) == (m[4], m[3]), "the prompt hangs the node where a search would"
    black_height(tree.root)
    return tree, node


# -- the answers, computed another way -----------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_vma_count_is_the_pieces_a_range_leaves(seed: int) -> None:
    e = by_id(seed)["vma_count"]
    m = re.search(r"has (\d+) VMAs\. .* mapping ([0-9a-f]{8})-([0-9a-f]{8}) .* calls (munmap|mprotect)\((0x[0-9a-f]+), "
                  r"(0x[0-9a-f]+)", e.prompt)  # fmt: skip
    assert m, e.prompt
    count, start, end, call = int(m[1]), int(m[2], 16), int(m[3], 16), m[4]
    lo, hi = int(m[5], 16), int(m[5], 16) + int(m[6], 16)
    assert start <= lo < hi <= end
    outside = (lo > start) + (hi < end)  # pieces of the VMA left outside the range
    expected = count - 1 + outside + (call == "mprotect")  # mprotect keeps the inside piece as a VMA
    assert e.answer == expected
    assert e.check(str(expected)).correct


@pytest.mark.parametrize("seed", SEEDS)
def test_mmap_topdown_tries_free_area_cache_then_walks_down_from_mmap_base(seed: int) -> None:
    """arch_get_unmapped_area_topdown: the length just below free_area_cache if it is free,
    else the top of the highest hole below mmap_base that fits (both numbers are in the prompt)."""
    e = by_id(seed)["mmap_topdown"]
    base = int(re.search(r"mmap_base is (0x[0-9a-f]+)", e.prompt)[1], 16)
    cache = int(re.search(r"free_area_cache is (0x[0-9a-f]+)", e.prompt)[1], 16)
    listed = re.search(r"from the top down: (.*?); nothing", e.prompt)[1]
    ranges = [tuple(int(x, 16) for x in r.split("-")) for r in listed.split(", ")]
    n = int(re.search(r"mmap\(NULL, (0x[0-9a-f]+),", e.prompt)[1], 16)
    assert ranges == sorted(ranges, reverse=True)

    def free(lo: int, hi: int) -> bool:
        return all(end <= lo or start >= hi for start, end in ranges)

    if free(cache - n, cache):
        expected = cache - n
    else:
        top = base
        for start, end in ranges:  # walk down from mmap_base: the first gap with room wins
            if end <= top and top - end >= n:
                expected = top - n
                break
            top = min(top, start)
        else:
            raise AssertionError("no hole")
    assert e.answer == expected, (hex(e.answer), hex(expected))
    assert "free_area_cache" in e.hint and "mmap_base" in e.hint


@pytest.mark.parametrize("seed", SEEDS)
def test_find_vma_returns_the_first_vma_ending_above(seed: int) -> None:
    e = by_id(seed)["find_vma"]
    listed = re.search(r"these VMAs: (.*?)\.\nWhat", e.prompt)[1]
    ranges = [tuple(int(x, 16) for x in r.split("-")) for r in listed.split(", ")]
    addr = int(re.search(r"find_vma\(mm, (0x[0-9a-f]+)\)", e.prompt)[1], 16)
    expected = next((s for s, end in ranges if addr < end), 0)
    assert e.answer == expected
    assert "0x" in e.prompt.split("hex")[1]  # the prompt says bare hex is fine too
    for reply in (f"{expected:08x}", f"{expected:#x}"):  # b7ea2000 as the list prints it, or 0xb7ea2000
        assert e.check(reply).correct, reply


@pytest.mark.parametrize("seed", SEEDS)
def test_rotations_and_colour_match_a_textbook_insert(seed: int) -> None:
    ex = by_id(seed)
    rot, colour = ex["rb_rotation"], ex["rb_colour"]
    tree, _ = textbook(rot.prompt)
    assert rot.answer == ("-".join(tree.rotations) or "none")
    _, node2 = textbook(colour.prompt)
    assert colour.answer == ("red" if node2.red else "black")
    assert colour.prompt.split("\n")[1] != rot.prompt.split("\n")[1]  # its own tree: rot's explain would answer it


def test_every_rotation_answer_and_both_colours_come_up() -> None:
    seen = {(e["rb_rotation"].answer, e["rb_colour"].answer) for e in map(by_id, range(40))}
    assert {r for r, _ in seen} == {"none", "left", "right", "left-right", "right-left"}
    assert {c for _, c in seen} == {"red", "black"}


def test_the_real_insert_matches_the_dry_run_and_leaves_a_valid_mm() -> None:
    for seed in range(6):
        k, mm, op, before = insert_scenario(seed)
        validate_mm(mm)
        tree, _ = textbook(rotation_exercise(k, op, before).prompt)
        assert rotations(k, op) == ("-".join(tree.rotations) or "none")
        assert tree_text(mm).startswith(f"B {tree.root.key:08x}")


def test_no_seed_repeats_the_question_the_lesson_answers() -> None:
    """§4 reveals the rotations for its own insert; the seeded tree questions ask others."""
    tree, (parent, left) = lesson_question()
    shown = f"{tree}\nA new VMA is inserted: "
    for seed in range(40):
        rot = by_id(seed)["rb_rotation"]
        if shown in rot.prompt:
            assert f"as the {'left' if left else 'right'} child of {parent:08x}." not in rot.prompt, seed


# -- feedback ------------------------------------------------------------------------------
def test_rotation_feedback_follows_the_cases_as_they_fire() -> None:
    """A wrong option's feedback names case 1 first when it fires, and calls inner/outer the
    node that is checked after case 1 has moved up, not the new node."""
    checked = 0
    for seed in range(40):
        rot = by_id(seed)["rb_rotation"]
        if rot.answer == "none" or "case 1" not in rot.explain:
            continue
        moved = re.findall(r"the check moves up to ([0-9a-f]{8})", rot.explain)[-1]
        for option, why in rot.options.items():
            if why:
                assert "case 1" in why and why.index("case 1") < min(
                    (
                        why.index(w)
                        for w in (
                            "case 2",
                            "case 3",
                            "red pair",
                            "lean outward",
                            "is red under",
                            "child of a",
                            "is red too",
                        )
                        if w in why
                    ),
                    default=len(why),
                ), (seed, option, why)
                assert moved in why, (seed, option, why)
                checked += 1
    assert checked >= 8


def test_typical_mistakes_get_their_own_feedback() -> None:
    kinds = set()
    for seed in SEEDS:
        ex = by_id(seed)
        count = ex["vma_count"]
        before = int(re.search(r"has (\d+) VMAs", count.prompt)[1])
        if count.answer != before:
            fb = count.check(str(before))
            assert not fb.correct and ("split" in fb.message or "hole" in fb.message), fb.message
            kinds.add("count unchanged")
        top = ex["mmap_topdown"]
        lowest = int(re.search(r"between 0804d000 and ([0-9a-f]{8})", top.prompt)[1], 16)
        n = int(re.search(r"mmap\(NULL, (0x[0-9a-f]+),", top.prompt)[1], 16)
        fb = top.check(hex(lowest))
        assert not fb.correct and "subtract the length" in fb.message
        if top.answer != lowest - n:
            assert "first tries" in top.check(hex(lowest - n)).message
            kinds.add("bottom of the area")
        find = ex["find_vma"]
        if "in a hole" in find.explain:
            fb = find.check("0")
            assert not fb.correct and "does not return NULL" in fb.message
            kinds.add("NULL for a hole")
        rot = ex["rb_rotation"]
        for option, why in rot.options.items():
            assert (option == rot.answer) == (why == ""), option
            fb = rot.check(option)
            assert fb.correct == (option == rot.answer)
            if not fb.correct:
                assert len(fb.message) > 40
        col = ex["rb_colour"]
        wrong = next(o for o in col.options if o != col.answer)
        assert "case 3" in col.check(wrong).message
    assert kinds == {"count unchanged", "bottom of the area", "NULL for a hole"}


def test_answers_are_right_by_their_own_check_and_explained() -> None:
    for seed in SEEDS:
        for e in LESSON.exercises(seed):
            assert e.hint and e.explain and e.prompt
            assert "`" not in e.prompt and "\n\n" not in e.prompt  # plain text; single line breaks only
            shown = e.answer_text() if isinstance(e, NumberExercise) else e.answer
            fb = e.check(shown)
            assert fb.correct and fb.message.startswith("Right. ")
            if isinstance(e, ChoiceExercise):
                assert e.correct in e.options


# -- seeds, registration -----------------------------------------------------------------------
def test_seeds_change_the_numbers() -> None:
    answers = set()
    for seed in range(8):
        ex = LESSON.exercises(seed)
        assert [e.id for e in ex] == ["vma_count", "mmap_topdown", "find_vma", "rb_rotation", "rb_colour"]
        answers.add(tuple(e.answer for e in ex if isinstance(e, NumberExercise)))
        assert LESSON.exercises(seed)[1].prompt == ex[1].prompt  # deterministic
    assert len(answers) == 8
    assert LESSONS[5] is LESSON


# -- the helpers and the facts the notebook states ---------------------------------------------
def test_rb_steps_name_nodes_as_the_view_does() -> None:
    k = Kernel()
    k.spawn("cat")
    execve = k.timeline.operations[0]
    for i, _, names in rb_events(k, execve):
        labels = k.timeline.seek(i + 1).rb_labels["mm_rb:1"]
        for node, start in names.items():
            if node in labels:
                assert labels[node].startswith(f"{start:08x}-")
    k.timeline.seek(len(k.timeline))
    lines = rb_steps(k, execve).splitlines()
    assert re.match(r"step +16 +link +08048000 hangs red as the root", lines[0])
    with pytest.raises(InvalidArgument, match="op"):
        rotation_exercise(k, execve, "")


def test_vma_changes_groups_the_munmap_and_names_the_renamed_vma() -> None:
    """§5's printout: two splits (new_below 0, then 1, whose old VMA's start moves up), then
    the detach with its erase; the renamed VMA is written as the lesson says."""
    k = Kernel()
    task = k.spawn("cat")
    rw, anon = PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
    task.mmap(0, 3 * PAGE, rw, anon)
    more = task.mmap(0, 2 * PAGE, rw, anon)
    task.munmap(more + 2 * PAGE, 2 * PAGE)
    text = vma_changes(k, k.timeline.operations[-1])
    heads = [line for line in text.splitlines() if not line.startswith(" ")]
    assert heads == [
        "split_vma at b7e9f000, new_below=0: the old VMA keeps the part below, the new one the part above",
        "split_vma at b7ea1000, new_below=1: the old VMA keeps the part above, the new one the part below",
        "detach_vmas_to_be_unmapped: the VMAs inside the range leave the tree and the list",
    ]
    detach = text.split(heads[2])[1]
    assert "rb_erase" in detach and "b7e9f000-b7ea1000" in detach and "rb_erase" not in text.split(heads[2])[0]
    assert "shrinks to b7ea1000-b7ea2000: old b7e9f000, now b7ea1000" in text
    assert "b7ea1000 (was b7e9f000)→red" in text
    assert "b7ea1000 (was b7e9f000)" in rb_steps(k, k.timeline.operations[-1])


def test_the_lesson_scenario() -> None:
    """What the notebook's prose says about its own process."""
    k = Kernel()
    task = k.spawn("cat")
    mm = task.mm
    execve = k.timeline.operations[0]
    linked = [ev.vm_start for ev in k.timeline[execve.start : execve.end] if ev.kind == "VmaLinked"]
    assert linked[:3] == [0x08048000, 0x0804C000, 0xBFFEB000]  # the model's order: program, then stack
    for pos, name in ((23, "0804c000-0804d000"), (27, None), (38, "bffeb000-c0000000")):
        text = narration_html(k.timeline[pos - 1], pos, len(k.timeline), execve, k.timeline.seek(pos))
        assert "0x1" not in text.replace("0x1000", "")  # nodes are named by range, not id
        assert name is None or name in text
        if name is None:
            assert "mm/mmap.c:find_vma" in text  # the forward pointer to §8 (steps 27–29)
    steps = {int(line.split()[1]): line for line in rb_steps(k, execve).splitlines()}
    assert "insert case 3" in steps[24] and "rotate left" in steps[25] and "bffeb000" in steps[23]
    assert "insert case 1" in steps[32] and "b7fe5000" in steps[31]
    assert "insert case 2" in steps[36] and "rotate right" in steps[38] and "b8000000" in steps[35]
    assert len(steps) >= 13 and sorted(steps)[12] == 38
    # the numbers the lesson's text gives are these (the player shows timeline[n - 1] as step n)
    fns = {n: k.timeline[n - 1].fn for n in range(1, 43)}
    assert {fns[n] for n in (*range(27, 30), *range(39, 43))} == {"mm/mmap.c:find_vma"}
    assert k.timeline[22 - 1].kind == "VmaLinked" and k.timeline[22 - 1].vm_start == 0xBFFEB000  # p1 starts here
    source = (Path(__file__).parent.parent / "notebooks" / "src" / "05_vmas.py").read_text()
    for text in ("(steps 23–25)", "(steps 31–33)", "(steps 35–38)", "starts at step 22", "(27–29, 39–42"):
        assert text in source, text
    assert mm.mmap_base == 0xB8000000 and mm.free_area_cache == 0xB7FE5000  # §4's first try fails there
    assert mm.find_vma(0xB7FE2000).vm_start == 0xB7FE2000  # libc's bss
    rw, anon = PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
    before = tree_text(mm)
    assert task.mmap(0, 3 * PAGE, rw, anon) == 0xB7E9F000
    op = k.timeline.operations[-1]
    q = rotation_exercise(k, op, before)
    assert q.answer == "left-right" and "as the left child of b7ea2000" in q.prompt
    assert mm.mm_rb.rb_node.owner.vm_start == 0xB7FDF000  # the root changed
    count = mm.map_count
    more = task.mmap(0, 2 * PAGE, rw, anon)
    assert more == 0xB7E9D000 and mm.map_count == count  # merged
    assert mm.find_vma(more).vm_pgoff == 0xB7E9D  # 0xb7e9d + 2 pages = the old vm_pgoff 0xb7e9f
    task.munmap(more + 2 * PAGE, 2 * PAGE)
    assert mm.map_count == count + 1
    buf = task.mmap(0x40000000, 4 * PAGE, rw, anon)
    n = mm.map_count
    task.mprotect(buf + PAGE, 2 * PAGE, PROT_READ)
    assert mm.map_count == n + 2
    task.mprotect(buf + PAGE, 2 * PAGE, rw)
    assert mm.map_count == n
    n = mm.map_count
    task.brk(0x0806E123)
    assert mm.map_count == n + 1 and "[heap]" in mm.maps()
    task.brk(0x08080000)
    assert mm.map_count == n + 1
    assert mm.find_vma(0x20000000).vm_start == 0x40000000
    assert mm.find_vma(0xBF000000).vm_start == 0xBFFEB000
    assert mm.find_vma(0xC0001000) is None
    validate_mm(mm)
