"""Lesson 6 (page faults): the exercise keys checked against the kernel's rules and a twin kernel.

Every key of ``vmwidgets.exercises.l6_page_faults`` is read off the model by the module
itself; here each one is recomputed another way: from the rule the kernel follows
(do_page_fault's checks, 2.6.24 vs 2.6.32 read faults, get_page/put_page counting,
copy_one_pte's flag changes, vmalloc_fault) and, where it helps, by replaying the case
on a fresh kernel and walking its page tables with ``translate``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from vmwidgets import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE, Config, Kernel
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises import l6_page_faults as l6

PAGE = 4096
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE
_PAGE_RW, _PAGE_USER, _PAGE_ACCESSED = 0x2, 0x4, 0x20
SEEDS = range(0, 40)


# -- the lesson as a whole ----------------------------------------------------------------------
def test_lesson_is_registered_with_five_exercises_that_vary_with_the_seed() -> None:
    assert LESSONS[6] is l6.LESSON
    sets = [l6.LESSON.exercises(s) for s in range(5)]
    assert [e.id for e in sets[0]] == ["fault_or_not", "frames_per_era", "cow_refcount", "pte_after_fork",
                                       "vmalloc_fault"]  # fmt: skip
    for a, b in itertools.pairwise(sets):
        assert [e.answer for e in a] != [e.answer for e in b]
    again = l6.LESSON.exercises(3)
    assert [e.prompt for e in again] == [e.prompt for e in sets[3]]  # the same seed, the same questions
    for e in sets[0]:
        assert e.hint and e.explain and "`" not in e.prompt and "\n\n" not in e.prompt


@pytest.mark.parametrize("seed", range(0, 30))
def test_every_wrong_choice_says_why(seed: int) -> None:
    for e in l6.make(seed):
        assert e.check(e.answer_text() if not isinstance(e, NumberExercise) else str(e.answer)).correct
        if isinstance(e, ChoiceExercise):
            for option, why in e.options.items():
                if option != e.correct:
                    assert len(why) > 30 and e.check(option).message == why


# -- 1. does this access fault? ---------------------------------------------------------------------
def expected_outcome(c: l6.OutcomeCase) -> str:
    """The kernel's rules for each kind of access, written out."""
    if c.kind == "read_then_write":  # 2.6.24: the read fault left a writable private frame; 2.6.32: ZERO_PAGE
        return l6.NO_FAULT if c.era == "2.6.24" else l6.WP
    if c.kind == "stack_near":
        assert c.stack_start - c.addr <= l6.STACK_SLACK
        return l6.DEMAND
    if c.kind == "stack_far":
        assert c.stack_start - c.addr > l6.STACK_SLACK
        return l6.SEGV
    return {
        "untouched": l6.DEMAND,
        "again": l6.NO_FAULT,
        "text_write": l6.SEGV,
        "text_read": l6.DEMAND,
        "hole": l6.SEGV,
        "kernel": l6.SEGV,
        "fork_child_write": l6.WP,
        "fork_child_read": l6.NO_FAULT,
    }[c.kind]


def replay_outcome(c: l6.OutcomeCase):
    """The case on a fresh kernel, stopped just before the access: (kernel, the task that accesses)."""
    k = Kernel(Config(era=c.era))
    task = k.spawn(c.comm)
    assert task.mmap(0, c.pages * PAGE, RW, ANON) == c.buf
    for (p, w), off in zip(c.history, c.offsets, strict=True):
        task.access(c.buf + p * PAGE + off, write=w)
    return k, (k.fork(task) if c.fork else task)


@pytest.mark.parametrize("seed", SEEDS)
def test_fault_or_not_follows_do_page_fault_and_the_mmu(seed: int) -> None:
    c = l6.outcome_case(seed)
    e = l6.outcome_exercise(c)
    assert e.answer == c.answer == expected_outcome(c)
    assert f"{c.addr:#010x}" in e.prompt and f"Linux {c.era}" in e.prompt and c.maps in e.prompt
    # the MMU's side, on a twin: no fault exactly when a present PTE allows the access
    k, task = replay_outcome(c)
    walk = k.translate(c.addr, pgd=task.mm.pgd)
    entry = walk.steps[-1].entry
    allowed = walk.ok and entry & _PAGE_USER and (entry & _PAGE_RW or not c.write)
    assert bool(allowed) == (c.answer == l6.NO_FAULT)
    # a write-protect fault needs a present PTE; a demand fault an empty one
    if c.answer == l6.WP:
        assert walk.ok and not entry & _PAGE_RW
    if c.answer == l6.DEMAND:
        assert not walk.ok
    if c.answer == l6.SEGV:
        why = {"text_write": "without VM_WRITE", "hole": "hole below a VMA", "kernel": "kernel address",
               "stack_far": "too far below"}[c.kind]  # fmt: skip
        assert why in c.reason


def test_the_maps_excerpt_has_one_vma_a_line_and_folds_the_libraries() -> None:
    for seed in range(12):
        c = l6.outcome_case(seed)
        lines = c.maps.splitlines()
        assert len(lines) == 5 and all(line.startswith("  ") for line in lines)
        assert lines[0].split()[1] == "r-xp" and lines[-1].endswith("[stack]")
        assert lines[2].startswith(f"  {c.buf:08x}-") and "anonymous mapping" in lines[2]
        assert "5 VMAs of the shared libraries" in lines[3]
        assert f"  {c.stack_start:08x}-c0000000 rw-p [stack]" == lines[-1]
        prompt = l6.outcome_exercise(c).prompt
        assert prompt.splitlines()[-1].startswith("What happens when")


def test_every_kind_of_access_is_asked_for_some_seed_and_era() -> None:
    cases = [l6.outcome_case(s) for s in range(80)]
    assert {c.kind for c in cases} == set(l6.KINDS)
    assert {c.answer for c in cases} == set(l6.OUTCOMES)
    assert {(c.kind, c.era) for c in cases if c.kind == "read_then_write"} == {
        ("read_then_write", "2.6.24"),
        ("read_then_write", "2.6.32"),
    }


# -- 2. frames for N reads and M writes -----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_frames_are_pages_touched_in_2_6_24_and_pages_written_in_2_6_32(seed: int) -> None:
    c = l6.frames_case(seed)
    touched = len({p for p, _ in c.accesses})
    written = len({p for p, w in c.accesses if w})
    want = {"2.6.24": touched, "2.6.32": written}
    assert c.answer == want[c.era]
    assert c.other == want["2.6.32" if c.era == "2.6.24" else "2.6.24"]
    assert c.tables == 1  # all pages lie in one 4 MB range, whose PTE table the first fault allocates
    # the buddy allocator's side: free pages drop by the data frames plus the table
    k = Kernel(Config(era=c.era))
    task = k.spawn("frames")
    buf = task.mmap(0, c.pages * PAGE, RW, ANON)
    free = sum(z.free_pages for z in k.zones)
    for p, w in c.accesses:
        task.access(buf + p * PAGE, write=w)
    assert free - sum(z.free_pages for z in k.zones) == c.answer + c.tables


def test_frames_feedback_names_the_other_era_the_table_and_one_frame_per_access() -> None:
    cases = [l6.frames_case(s) for s in SEEDS]
    c = next(c for c in cases if c.other != c.answer)
    e = l6.frames_exercise(c)
    assert "other era" in e.check(str(c.other)).message
    c = next(c for c in cases if c.answer + c.tables not in (c.other, len(c.accesses)))
    assert "page-table" in l6.frames_exercise(c).check(str(c.answer + c.tables)).message
    c = next(c for c in cases if len(c.accesses) not in (c.other, c.answer))
    assert "one frame per access" in l6.frames_exercise(c).check(str(len(c.accesses))).message
    assert l6.frames_exercise(c).check(str(c.answer)).correct


# -- 3. copy-on-write reference counts -------------------------------------------------------------------
def holders_after(children: int, writers: tuple[int, ...]) -> int:
    """Who still maps the original frame: a writer leaves (it copies) unless it is the last one (reuse)."""
    holders = set(range(children + 1))
    for w in writers:
        if w in holders and len(holders) > 1:
            holders.remove(w)
    return len(holders)


@pytest.mark.parametrize("seed", SEEDS)
def test_cow_refcount_is_the_number_of_processes_still_mapping_the_frame(seed: int) -> None:
    c = l6.cow_case(seed)
    assert c.after_fork == 1 + c.children
    assert c.answer == holders_after(c.children, c.writers)
    # the page tables' side, on a twin: count the PTEs that point at the frame
    k = Kernel(Config(era=c.era))
    parent = k.spawn("server")
    parent.mmap(0, PAGE, RW, ANON)
    parent.access(c.buf, write=True)
    tasks = [parent] + [k.fork(parent) for _ in range(c.children)]
    for i in c.writers:
        tasks[i].access(c.buf, write=True)
    mapping = [t for t in tasks if k.translate(c.buf, pgd=t.mm.pgd).phys >> 12 == c.frame]
    assert len(mapping) == c.answer


def test_cow_prompt_reads_well_for_one_writer_and_for_many() -> None:
    cases = [l6.cow_case(s) for s in SEEDS]
    one = next(c for c in cases if len(c.writers) == 1)
    assert "writes to the page, once." in l6.cow_exercise(one).prompt
    assert "in this order" not in l6.cow_exercise(one).prompt
    many = next(c for c in cases if len(c.writers) > 1 and len(set(c.writers)) < len(c.writers))
    prompt = l6.cow_exercise(many).prompt
    assert f"Then {len(many.writers)} writes to the page follow, in this order: " in prompt and " again" in prompt


def test_cow_feedback_for_the_count_after_fork_and_for_zero() -> None:
    cases = [l6.cow_case(s) for s in SEEDS]
    c = next(c for c in cases if c.answer != c.after_fork)
    assert "right after the fork" in l6.cow_exercise(c).check(str(c.after_fork)).message
    c = next(c for c in cases if c.after_fork - len(c.writers) not in (0, c.answer))
    assert "Not every write copies" in l6.cow_exercise(c).check(str(c.after_fork - len(c.writers))).message
    assert "never freed" in l6.cow_exercise(cases[0]).check("0").message


def test_cow_feedback_when_the_parent_is_thought_to_copy_too() -> None:
    """One write by a child: _count goes from children + 1 to children.  A student who thinks the
    parent copies too takes two off: children - 1 (issue 14)."""
    one = [c for c in (l6.cow_case(s) for s in range(80)) if len(c.writers) == 1 and c.writers[0] != 0]
    assert {c.children for c in one} >= {1, 2}
    for c in one:
        assert c.answer == c.children
        msg = l6.cow_exercise(c).check(str(c.children - 1)).message
        assert msg.startswith("That is what you get if the parent copies too.") and "only the writer" in msg


# -- 4. PTEs right after fork -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_fork_clears_rw_in_both_and_accessed_in_the_child(seed: int) -> None:
    c = l6.pte_fork_case(seed)
    assert c.before & 0xFFF == 0x067  # PRESENT RW USER ACCESSED DIRTY after a write fault
    assert c.parent == c.before & ~_PAGE_RW
    assert c.child == c.before & ~_PAGE_RW & ~_PAGE_ACCESSED
    e = l6.pte_fork_exercise(c)
    assert f"{c.before:#010x}" in e.prompt and f"{c.addr:#010x}" in e.prompt
    assert e.check(f"parent={c.parent:#x} child={c.child:#x}").correct


@pytest.mark.parametrize("seed", range(0, 6))
def test_pte_after_fork_on_a_twin_kernel(seed: int) -> None:
    c = l6.pte_fork_case(seed)
    k = Kernel(Config(era=c.era, aged=True, seed=seed))  # the same machine, so the same frames
    task = k.spawn(c.comm)
    assert task.mmap(c.addr, PAGE, RW, ANON | MAP_FIXED) == c.addr
    task.access(c.addr, write=True)
    assert k.translate(c.addr, pgd=task.mm.pgd).steps[-1].entry == c.before
    child = k.fork(task)
    assert k.translate(c.addr, pgd=task.mm.pgd).steps[-1].entry == c.parent
    assert k.translate(c.addr, pgd=child.mm.pgd).steps[-1].entry == c.child


def test_pte_mistakes_name_the_other_processs_value() -> None:
    e = l6.pte_fork_exercise(l6.pte_fork_case(0))
    c = l6.pte_fork_case(0)
    assert set(e.mistakes["child"]) == {c.before, c.parent} and "pte_mkold" in e.mistakes["child"][c.parent]
    assert set(e.mistakes["parent"]) == {c.before, c.child}


def test_pte_feedback_is_per_field() -> None:
    c = l6.pte_fork_case(0)
    fb = l6.pte_fork_exercise(c).check(f"parent={c.parent:#x} child={c.before:#x}")
    assert not fb.correct and fb.message.startswith("parent is right; child: ")  # the slip's own message
    assert "writable" in fb.message and not fb.message.endswith("..")
    fb = l6.pte_fork_exercise(c).check(f"parent={c.before:#x} child={c.child:#x}")
    assert "ptep_set_wrprotect" in fb.message


# -- 5. vmalloc faults --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_vmalloc_fault_only_without_pae_for_an_entry_the_process_lacks(seed: int) -> None:
    c = l6.vmalloc_case(seed)
    want = {"sync": l6.VM_SYNC, "early": l6.VM_NONE, "pae": l6.VM_NONE, "user": l6.VM_SEGV, "guard": l6.VM_OOPS,
            "same_pde": l6.VM_NONE}[c.kind]  # fmt: skip
    assert c.answer == want
    assert c.pae == (c.kind == "pae" or (c.kind == "user" and c.pae))
    last_addr, last_size = c.areas[-1]
    if c.kind == "guard":  # the address lies in the unmapped guard page
        assert last_addr + last_size - PAGE <= c.addr < last_addr + last_size
    else:
        target = c.areas[0] if c.kind == "early" else c.areas[-1]
        assert target[0] <= c.addr < target[0] + target[1] - PAGE
    if c.kind == "same_pde":  # one 4 MB PGD entry covers both areas
        assert c.areas[0][0] >> 22 == c.areas[1][0] >> 22 and c.before_spawn and c.after_spawn
    if c.kind in ("sync", "guard"):
        assert not c.before_spawn and not c.pae
    e = l6.vmalloc_exercise(c)
    assert f"{c.addr:#010x}" in e.prompt and ("no PAE" in e.prompt) != c.pae
    assert all(f"{a:#010x}" in e.prompt for a, _ in c.areas)


def test_every_vmalloc_case_is_asked() -> None:
    assert {l6.vmalloc_case(s).kind for s in range(12)} == set(l6.VM_KINDS)


# -- what the lesson's text relies on ---------------------------------------------------------------------
def test_the_lessons_claims_about_the_model() -> None:
    # demand paging: the VMA comes first, the PTE only on the first touch
    k = Kernel()
    t = k.spawn("cat")
    buf = t.mmap(0, 3 * PAGE, RW, ANON)
    assert not k.translate(buf, pgd=t.mm.pgd).ok
    assert t.access(buf).faulted and not t.access(buf + 8, write=True).faulted  # 2.6.24: writable at once
    # a page-cache page: one reference for the cache, one per mapping
    sh = k.spawn("sh")
    f1, f2 = t.access(0xB7EA2000), sh.access(0xB7EA2000)
    assert f1.phys == f2.phys and k.page(f1.phys >> 12).count == 3
    # the stack grows for an access up to 65536 + 128 bytes below the stack pointer, not one word more
    start = t.mm.find_vma(t.mm.start_stack).vm_start
    assert t.access(start - l6.STACK_SLACK - 4, write=True).signal == "SIGSEGV"
    assert t.access(start - l6.STACK_SLACK, write=True).ok
    # 2.6.32 maps the ZERO_PAGE for a read; the write after it copies
    k32 = Kernel(Config(era="2.6.32"))
    t32 = k32.spawn("cat")
    b32 = t32.mmap(0, PAGE, RW, ANON)
    zero = t32.access(b32).phys >> 12
    assert k32.page(zero).reserved and t32.access(b32, write=True).phys >> 12 != zero
    # vmalloc_fault: without PAE only
    for pae, synced in ((False, True), (True, False)):
        kv = Kernel(Config(pae=pae))
        tv = kv.spawn("cat")
        a = kv.vmalloc(2 * PAGE)
        assert tv.access(a, user=False).faulted == synced


def test_the_lessons_player_steps_and_names() -> None:
    k = Kernel()
    t = k.spawn("cat")
    buf = t.mmap(0, 3 * PAGE, RW, ANON)
    first = len(k.timeline.operations)
    for addr, write in [(buf, False), (buf + 0x10, True), (buf + PAGE + 8, True)]:
        t.access(addr, write=write)
    ops = k.timeline.operations
    assert k.timeline[ops[first].start - 1].kind == "OperationEnded"  # the player waits after mmap returns
    fns = [e.fn for e in k.timeline[ops[first].start : ops[first].end]]
    assert fns[0] == fns[1] == fns[-1] == "x86 MMU:page walk"
    assert fns[2] == "arch/x86/mm/fault_32.c:do_page_fault"  # 2.6.24's file
    order = ["mm/mmap.c:find_vma", "mm/memory.c:__pte_alloc", "mm/page_alloc.c:expand", "mm/memory.c:do_anonymous_page"]
    assert [fns.index(f) for f in order] == sorted(fns.index(f) for f in order)
    assert fns.count("mm/page_alloc.c:expand") == 10  # a 4 MB HighMem block halved ten times
    assert fns.index("mm/page_alloc.c:buffered_rmqueue") < fns.index("mm/memory.c:__pte_alloc")
    assert not any("handle_mm_fault" in f for f in fns)  # no step of its own
    second = {e.fn for e in k.timeline[ops[first + 1].start : ops[first + 1].end]}
    assert second == {"x86 MMU:page walk"}  # no fault, no do_page_fault step
    third = [e for e in k.timeline[ops[first + 2].start : ops[first + 2].end]]
    assert not any(e.kind == "PageTableAllocated" or e.kind == "VmaVisited" for e in third)
    # the step numbers the text gives, as the player numbers them: step n shows timeline[n - 1]
    assert ops[first].start == 126  # this scenario has no translate before the read: mmap's return
    rmqueue, handout = "mm/page_alloc.c:__rmqueue_smallest", "mm/page_alloc.c:buffered_rmqueue"
    ranges = {
        (127, 128): {"x86 MMU:page walk"},
        (129, 129): {"arch/x86/mm/fault_32.c:do_page_fault"},
        (130, 134): {"mm/mmap.c:find_vma"},
        (135, 137): {rmqueue, handout, "mm/memory.c:__pte_alloc"},
        (138, 150): {rmqueue, "mm/page_alloc.c:expand", handout, "mm/memory.c:do_anonymous_page"},
        (151, 153): {"x86 MMU:page walk"},
    }
    assert sum(hi - lo + 1 for lo, hi in ranges) == ops[first].end - ops[first].start
    for (lo, hi), names in ranges.items():
        assert {k.timeline[n - 1].fn for n in range(lo, hi + 1)} == names, (lo, hi)
    assert k.timeline[149].kind == "PteInstalled" and k.timeline[136].kind == "PageTableAllocated"
    source = (Path(__file__).parent.parent / "notebooks" / "src" / "06_page_faults.py").read_text()
    assert "**Steps 1" not in source and "stands at step 1" not in source  # the lesson prints its numbers
    # 2.6.32 names the merged file
    k32 = Kernel(Config(era="2.6.32"))
    t32 = k32.spawn("cat")
    t32.access(t32.mmap(0, PAGE, RW, ANON))
    assert any(e.fn == "arch/x86/mm/fault.c:do_page_fault" for e in k32.timeline)


def test_the_lessons_claims_about_fork_and_file_pages() -> None:
    k = Kernel()
    cat = k.spawn("cat")
    r, w = cat.access(0x0804C000), cat.access(0x0804C000, write=True)  # a private file page, read then written
    assert r.phys != w.phys and k.page(r.phys >> 12).count == 1
    assert any(e.fn == "mm/memory.c:do_wp_page" for e in k.timeline[k.timeline.operations[-1].start :])
    # the child's read sets ACCESSED in its PTE: 0x45 after fork, 0x65 after the read
    k2 = Kernel()
    bash = k2.spawn("bash")
    heap = bash.mmap(0, 2 * PAGE, RW, ANON)
    bash.access(heap, write=True)
    child = k2.fork(bash)
    fork_op = k2.timeline.operations[-1]
    installed = [e for e in k2.timeline[fork_op.start : fork_op.end] if e.kind == "PteInstalled"]
    assert [e.entry & 0xFFF for e in installed] == [0x045]  # only the written page: text and data have no anon_vma
    child.access(heap)
    read_op = k2.timeline.operations[-1]
    changed = [e for e in k2.timeline[read_op.start : read_op.end] if e.kind == "PteChanged"]
    assert [(e.old & 0xFFF, e.new & 0xFFF) for e in changed] == [(0x045, 0x065)]


def test_the_lessons_vmalloc_fault_steps() -> None:
    k = Kernel()
    top = k.spawn("top")
    area = k.vmalloc(2 * PAGE)
    first = len(k.timeline.operations)
    assert top.access(area, user=False).ok
    events = list(k.timeline[k.timeline.operations[first].start : k.timeline.operations[first].end])
    kinds = [(e.kind, e.fn) for e in events]
    i = kinds.index(("PageFaulted", "arch/x86/mm/fault_32.c:do_page_fault"))
    assert kinds[i + 1] == ("PteChanged", "arch/x86/mm/fault_32.c:vmalloc_sync_one")  # no find_vma between
    assert events[i + 1].index == 994
    guard = top.access(area + 2 * PAGE, user=False)
    assert guard.signal == "Oops" and "nothing mapped there" in guard.reason
