"""Lesson 6 exercises: page faults, demand paging, copy-on-write and vmalloc faults.

Each exercise is built in two steps.  A ``*_case(seed)`` function draws the scenario from
``random.Random`` (era, sizes, addresses, the order of the accesses …), runs it on a
booted model kernel and reads the key off what the kernel did: the events of the access
(no fault, a new PTE, ``do_wp_page``, a signal), the frames the buddy allocator handed
out, a frame's ``_count`` or a PTE's value.  The matching ``*_exercise(case)`` function
writes the question.  Tests rebuild the cases and check the keys with the rules of the
kernel, independently of the model.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model.config import Config
from ..model.constants import PAGE_SIZE, pte_flag_names
from ..model.fault import Access
from ..model.kernel import Kernel
from ..model.mm_types import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE
from ..model.sched import Task
from . import register
from .core import ChoiceExercise, Exercise, FieldsExercise, Lesson, NumberExercise, ok, recorded, unlike_seed0

__all__ = [
    "ANON",
    "COMMS",
    "CowCase",
    "DEMAND",
    "ERAS",
    "FramesCase",
    "KINDS",
    "LESSON",
    "NO_FAULT",
    "OUTCOMES",
    "OutcomeCase",
    "PAGE",
    "PteForkCase",
    "RW",
    "SEGV",
    "STACK_SLACK",
    "VM_KINDS",
    "VM_NONE",
    "VM_OOPS",
    "VM_OUTCOMES",
    "VM_SEGV",
    "VM_SYNC",
    "VmallocCase",
    "WP",
    "classify",
    "cow_case",
    "cow_predict",
    "cow_exercise",
    "data_frames",
    "frames_case",
    "frames_exercise",
    "make",
    "maps_excerpt",
    "outcome_case",
    "outcome_exercise",
    "pte_fork_case",
    "pte_fork_exercise",
    "vmalloc_case",
    "vmalloc_exercise",
]

PAGE = PAGE_SIZE
ANON = MAP_PRIVATE | MAP_ANONYMOUS
RW = PROT_READ | PROT_WRITE
ERAS = ("2.6.24", "2.6.32")
COMMS = ("cat", "sh", "vim", "less", "gzip", "top", "awk", "sed")
STACK_SLACK = 65536 + 32 * 4  # do_page_fault: "enter $65535,$31" may touch this far below %esp

# -- what an access did ----------------------------------------------------------------------
NO_FAULT = "no fault"
DEMAND = "demand fault: a new PTE"
WP = "write-protect fault: do_wp_page"
SEGV = "SIGSEGV"
OUTCOMES = (NO_FAULT, DEMAND, WP, SEGV)

VM_NONE = "no fault"
VM_SYNC = "vmalloc_fault copies the PGD entry"
VM_OOPS = "Oops"
VM_SEGV = "SIGSEGV"
VM_OUTCOMES = (VM_NONE, VM_SYNC, VM_OOPS, VM_SEGV)


def _ops_events(k: Kernel, first_op: int) -> list[Any]:  # one Event base class in issue 12
    """Every event of the operations from ``first_op`` (an index into timeline.operations) on."""
    ops = recorded(k).operations
    return list(recorded(k)[ops[first_op].start : ops[-1].end]) if first_op < len(ops) else []


def classify(k: Kernel, out: Access, first_op: int) -> str:
    """The kind of one access, read off its events: one of :data:`OUTCOMES`."""
    if not out.faulted:
        return NO_FAULT
    if out.signal is not None:
        return SEGV
    events = _ops_events(k, first_op)
    if any(e.kind == "PteChanged" and e.fn.endswith("do_wp_page") for e in events):
        return WP
    if any(e.kind == "PteInstalled" for e in events):
        return DEMAND
    raise AssertionError("an access that faulted without a signal, a new PTE or do_wp_page")  # pragma: no cover


def data_frames(k: Kernel, first_op: int) -> int:
    """Frames the buddy allocator handed out since operation ``first_op``, page-table pages excepted."""
    events = _ops_events(k, first_op)
    tables = {e.pfn for e in events if e.kind == "PageTableAllocated"}
    return sum(1 for e in events if e.kind == "FrameAllocated" and e.pfn not in tables)


def _flags(entry: int) -> str:
    return " ".join(pte_flag_names(entry)) or "none"


def _verb(write: bool) -> str:
    return "a write to" if write else "a read of"


def _does(write: bool) -> str:
    return "writes to" if write else "reads"


def maps_excerpt(task: Task, buf: int) -> str:
    """What the outcome question needs of the task's /proc/PID/maps, one VMA a line
    (``start-end perms name``): the program, the anonymous mapping at ``buf``, the stack.
    The shared libraries, which no question touches, are folded into one line."""
    lines: list[str] = []
    libs: list[tuple[int, int]] = []
    for line in task.mm.maps().splitlines():
        f = line.split()
        start, end = (int(x, 16) for x in f[0].split("-"))
        name = f[5] if len(f) > 5 else ""
        if name.startswith("/lib/") or (libs and not name and start != buf):
            libs.append((start, end))
            continue
        if libs:
            lines.append(f"  {libs[0][0]:08x}-{libs[-1][1]:08x} ({len(libs)} VMAs of the shared libraries)")
            libs = []
        note = "  <- the anonymous mapping" if start == buf else ""
        lines.append(f"  {f[0]} {f[1]} {name}".rstrip() + note)
    return "\n".join(lines)


def _history_text(buf: int, history: tuple[tuple[int, bool], ...], offsets: tuple[int, ...]) -> str:
    if not history:
        return "It has not touched the anonymous pages yet."
    steps = [f"{_verb(w)} {buf + p * PAGE + off:#010x}" for (p, w), off in zip(history, offsets, strict=True)]
    return "Since the mmap it has made, in order: " + ", ".join(steps) + "."


# == 1. what does this access do? =============================================================
@dataclass(frozen=True)
class OutcomeCase:
    seed: int
    kind: str
    era: str
    comm: str
    pages: int
    buf: int
    history: tuple[tuple[int, bool], ...]
    offsets: tuple[int, ...]
    fork: bool  # the access is made by a child forked after the history
    addr: int
    write: bool
    answer: str
    reason: str  # the SIGSEGV reason, if any
    maps: str  # an excerpt of /proc/PID/maps, one VMA a line, before the access
    stack_start: int


KINDS = (
    "untouched",
    "again",
    "read_then_write",
    "text_write",
    "text_read",
    "hole",
    "kernel",
    "stack_near",
    "stack_far",
    "fork_child_write",
    "fork_child_read",
)


def outcome_case(seed: int) -> OutcomeCase:
    rng = random.Random(f"l6-outcome-{seed}")
    kind = KINDS[seed % len(KINDS)] if seed < len(KINDS) else rng.choice(KINDS)
    era = rng.choice(ERAS)
    comm = rng.choice(COMMS)
    pages = rng.randint(4, 7)
    order = rng.sample(range(pages), pages)
    fork = kind.startswith("fork_")
    # the history: a write to order[0], a read of order[1], maybe a write to order[2]
    history: list[tuple[int, bool]] = [(order[0], True), (order[1], False)]
    if rng.random() < 0.5:
        history.append((order[2], True))
    rng.shuffle(history)
    offsets = tuple(rng.randrange(0, PAGE, 4) for _ in history)
    written = [p for p, w in history if w]
    only_read = [p for p, w in history if not w and p not in written]
    untouched = [p for p in range(pages) if p not in {q for q, _ in history}]
    off = rng.randrange(0, PAGE, 4)
    write = rng.random() < 0.5
    k = Kernel(Config(era=era))
    task = ok(k.spawn(comm), "spawn")
    buf = task.mmap(0, pages * PAGE, RW, ANON)
    text = ok(task.mm.mmap, "the first VMA")  # /bin/NAME's text, r-xp
    text_pages = (text.vm_end - text.vm_start) // PAGE
    page_addr: dict[str, Callable[[], int]] = {
        "untouched": lambda: buf + rng.choice(untouched) * PAGE,
        "again": lambda: buf + rng.choice(written) * PAGE,
        "read_then_write": lambda: buf + rng.choice(only_read) * PAGE,
        "text_write": lambda: text.vm_start + rng.randrange(text_pages) * PAGE,
        "text_read": lambda: text.vm_start + rng.randrange(text_pages) * PAGE,
        "hole": lambda: rng.randrange(0x0806, 0xB000) << 16,
        "kernel": lambda: 0xC0000000 + (rng.randrange(0x380) << 20),
        "fork_child_write": lambda: buf + rng.choice(written) * PAGE,
        "fork_child_read": lambda: buf + rng.choice(written) * PAGE,
    }
    if kind in ("stack_near", "stack_far"):
        below = rng.randrange(4, 0xF000, 4) if kind == "stack_near" else rng.randrange(0x11000, 0x80000, 4)
        addr, write = ok(task.mm.find_vma(task.mm.start_stack), "the stack VMA").vm_start - below, True
    else:
        addr = page_addr[kind]() + off
    if kind in ("read_then_write", "text_write", "fork_child_write"):
        write = True
    elif kind in ("text_read", "hole", "kernel", "fork_child_read"):
        write = False
    maps = maps_excerpt(task, buf)
    stack_start = ok(task.mm.find_vma(task.mm.start_stack), "the stack VMA").vm_start
    for (p, w), o in zip(history, offsets, strict=True):
        task.access(buf + p * PAGE + o, write=w)
    if fork:
        task = ok(k.fork(task), "fork")
    first = len(recorded(k).operations)
    out = task.access(addr, write=write)
    answer = classify(k, out, first)
    return OutcomeCase(
        seed,
        kind,
        era,
        comm,
        pages,
        buf,
        tuple(history),
        offsets,
        fork,
        addr,
        write,
        answer,
        out.reason,
        maps,
        stack_start,
    )


def _outcome_texts(c: OutcomeCase) -> tuple[str, str, dict[str, str]]:
    """(hint, explain, why each wrong option is wrong) for an outcome case."""
    stack_rule = (
        f"do_page_fault lets the stack grow down to an access at most 65536 + 32*4 = {STACK_SLACK} bytes below "
        "the stack pointer (the model puts the stack pointer at the stack VMA's start)"
    )
    hint = (
        "Ask in order, as do_page_fault does: is there a present PTE that allows the access (then no fault)? "
        "If not: is the address in a VMA (or just below the stack) and does the VMA allow the access? "
        "An empty PTE is filled on demand; a present read-only PTE in a writable private VMA goes to do_wp_page."
    )
    explain = {
        "untouched": "The VMA exists but nothing has touched this page, so its PTE is empty: the MMU faults, "
        "find_vma finds the anonymous VMA, which allows the access, and handle_mm_fault fills the PTE "
        "(do_anonymous_page" + (", with the ZERO_PAGE for a read in 2.6.32)." if c.era == "2.6.32" else ")."),
        "again": "An earlier write already faulted this page in, with a writable, dirty PTE: the MMU walks the "
        "tables, finds a present PTE that allows the access and never calls the kernel.",
        "read_then_write": (
            "In 2.6.24 the earlier read fault already gave the page its own zeroed frame, and do_anonymous_page "
            "made the PTE writable (maybe_mkwrite) because the VMA is writable: the write needs no fault."
            if c.era == "2.6.24"
            else "In 2.6.32 the earlier read mapped the shared ZERO_PAGE read-only. The write finds a present "
            "read-only PTE in a writable VMA: handle_pte_fault calls do_wp_page, which gives the page a new "
            "zeroed frame and makes the PTE writable."
        ),
        "text_write": "The program text is mapped r-xp: the VMA has no VM_WRITE, so do_page_fault goes to "
        "bad_area and sends SIGSEGV, whether or not the page was in memory.",
        "text_read": "Nothing has read this text page yet, so its PTE is empty. The VMA (r-xp) allows reads: "
        "handle_mm_fault takes the file path (__do_fault) and maps the page-cache page read-only.",
        "hole": "No VMA contains this address: find_vma returns the next VMA above it, which starts higher "
        "and does not grow down, so do_page_fault sends SIGSEGV.",
        "kernel": "The address is in the kernel's gigabyte (at or above PAGE_OFFSET 0xc0000000). The kernel "
        "maps its pages without the USER bit (its PTEs and the 4 MB PGD entries of its lowmem lack it), and the "
        "MMU allows a user-mode access only if every level of the walk has USER. So the access faults, and "
        "do_page_fault sends SIGSEGV for a user-mode access to an address at or above TASK_SIZE.",
        "stack_near": f"The address lies just below the stack VMA, within the slack: {stack_rule}. "
        "expand_stack moves vm_start down and do_anonymous_page fills the PTE.",
        "stack_far": f"The address lies below the stack VMA, too far to be a push: {stack_rule}. "
        "So do_page_fault sends SIGSEGV instead of growing the stack.",
        "fork_child_write": "fork write-protected the PTEs of written private pages in both processes and "
        "shared the frame. The child's write finds a present read-only PTE in a writable VMA: do_wp_page "
        "copies the page (the frame has two users) and makes the child's PTE writable.",
        "fork_child_read": "fork copied the parent's PTE for this written page into the child (write-protected, "
        "but present): a read is allowed, so the MMU needs no help and nothing faults.",
    }[c.kind]
    why = {
        NO_FAULT: "The MMU cannot finish this access alone: the PTE is missing or does not allow it, so the "
        "CPU raises a page fault and do_page_fault runs.",
        DEMAND: (
            "A new PTE is filled only for an address inside a VMA (or just below the stack) whose flags allow "
            "the access; here do_page_fault gives up first."
            if c.answer == SEGV
            else "There is nothing to fill: the PTE for this page is already present."
            if c.answer in (NO_FAULT, WP)
            else ""
        ),
        WP: (
            "do_wp_page runs for a write to a present but read-only PTE in a writable VMA; "
            + (
                "this PTE is empty (never touched), so the fault fills a new one."
                if c.answer == DEMAND
                else "here the PTE already allows the access."
                if c.answer == NO_FAULT
                else "here the VMA itself forbids the access (or there is no VMA)."
            )
        ),
        SEGV: "The address is inside a VMA (or close enough below the stack to grow it) and the VMA allows "
        "this access, so the kernel fixes the fault instead of killing the process.",
    }
    why.pop(c.answer)
    return hint, explain, why


def outcome_exercise(c: OutcomeCase) -> ChoiceExercise:
    actor = "the child" if c.fork else "it"
    fork = " Then it calls fork(); the child makes the next access." if c.fork else ""
    sp = (
        f" (Take the stack pointer to be at the stack VMA's start, {c.stack_start:#010x}.)"
        if c.kind.startswith("stack")
        else ""
    )
    prompt = (
        f"Linux {c.era}, no PAE. Process {c.comm} has mapped {c.pages} pages of anonymous memory at {c.buf:#010x} "
        f"with mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS). Its /proc/PID/maps is now "
        f"(start-end, permissions, file):\n{c.maps}\n"
        f"{_history_text(c.buf, c.history, c.offsets)}{fork}{sp}\n"
        f"What happens when {actor} {_does(c.write)} {c.addr:#010x} (in user mode)?"
    )
    hint, explain, why = _outcome_texts(c)
    options = {o: why.get(o, "") for o in OUTCOMES}
    return ChoiceExercise("fault_or_not", prompt, hint=hint, explain=explain, options=options, correct=c.answer)


# == 2. how many frames do N reads and M writes cost? ======================================
@dataclass(frozen=True)
class FramesCase:
    seed: int
    era: str
    pages: int
    buf: int
    accesses: tuple[tuple[int, bool], ...]
    answer: int
    other: int  # the same accesses in the other era
    tables: int  # page-table pages the faults allocated


def _run_frames(era: str, pages: int, accesses: tuple[tuple[int, bool], ...]) -> tuple[int, int, int]:
    k = Kernel(Config(era=era))
    task = ok(k.spawn("frames"), "spawn")
    buf = task.mmap(0, pages * PAGE, RW, ANON)
    first = len(recorded(k).operations)
    for p, w in accesses:
        task.access(buf + p * PAGE, write=w)
    events = _ops_events(k, first)
    return buf, data_frames(k, first), sum(1 for e in events if e.kind == "PageTableAllocated")


def frames_case(seed: int) -> FramesCase:
    rng = random.Random(f"l6-frames-{seed}")
    era = ERAS[seed % 2] if seed < 2 else rng.choice(ERAS)
    pages = rng.randint(4, 8)
    n = rng.randint(4, 8)
    accesses = [(rng.randrange(pages), rng.random() < 0.4) for _ in range(n)]
    if all(w for _, w in accesses):
        accesses[0] = (accesses[0][0], False)
    acc = tuple(accesses)
    buf, answer, tables = _run_frames(era, pages, acc)
    other = _run_frames(ERAS[1 - ERAS.index(era)], pages, acc)[1]
    return FramesCase(seed, era, pages, buf, acc, answer, other, tables)


def frames_exercise(c: FramesCase) -> NumberExercise:
    steps = ", ".join(f"{'write' if w else 'read'} page {p}" for p, w in c.accesses)
    prompt = (
        f"Linux {c.era}, no PAE. A process maps {c.pages} pages of anonymous memory with mmap(PROT_READ|PROT_WRITE, "
        f"MAP_PRIVATE|MAP_ANONYMOUS) at {c.buf:#010x} (page i starts at {c.buf:#010x} + i*0x1000); nothing has "
        f"touched them yet. It then makes these accesses, in order: {steps}. How many page frames does the kernel "
        "allocate to hold the data of these pages? (Do not count the page-table page the first fault needs.)"
    )
    if c.era == "2.6.24":
        explain = (
            "In 2.6.24 do_anonymous_page gives every page its own zeroed frame on its first touch, read or write, "
            "and makes the PTE writable at once; later accesses to that page do not fault. So the count is the "
            "number of different pages touched."
        )
    else:
        explain = (
            "In 2.6.32 a first read maps the shared ZERO_PAGE read-only and costs no frame; a frame is allocated "
            "on the first write to a page (by do_anonymous_page if the page was untouched, by do_wp_page if it "
            "had the ZERO_PAGE). So the count is the number of different pages written."
        )
    mistakes: dict[int, str] = {}
    if c.other != c.answer:
        mistakes[c.other] = f"That is the count for the other era. In Linux {c.era} " + (
            "a read fault does allocate a zeroed frame (no ZERO_PAGE in 2.6.24)."
            if c.era == "2.6.24"
            else "a read fault maps the ZERO_PAGE and allocates nothing."
        )
    mistakes.setdefault(
        c.answer + c.tables,
        f"That includes the {c.tables} page-table page(s) (__pte_alloc) the first fault needed: count only the "
        "frames that hold the region's data.",
    )
    mistakes.setdefault(
        len(c.accesses),
        "That is one frame per access. Only the first fault on a page allocates; after that its PTE is "
        "present" + (" (in 2.6.32 the first write after a read still needs do_wp_page)." if c.era == "2.6.32" else "."),
    )
    mistakes.pop(c.answer, None)
    return NumberExercise(
        "frames_per_era",
        prompt,
        hint="Go page by page: which access is the first to touch it, and is it a read or a write? "
        "Then remember what a read fault of anonymous memory does in this era.",
        explain=explain,
        value=c.answer,
        hex=False,
        mistakes=mistakes,
    )


# == 3. copy-on-write: the original frame's reference count ==================================
@dataclass(frozen=True)
class CowCase:
    seed: int
    era: str
    children: int
    writers: tuple[int, ...]  # 0 = the parent, i = child i, in the order they write
    buf: int
    frame: int
    answer: int
    after_fork: int


def cow_case(seed: int, attempt: int = 0) -> CowCase:
    """The fork-and-write story for ``seed``; ``attempt`` > 0 draws another (see :func:`unlike_seed0`)."""
    rng = random.Random(f"l6-cow-{seed}" + (f"-{attempt}" if attempt else ""))
    era = rng.choice(ERAS)
    children = rng.randint(1, 3)
    procs = list(range(children + 1))
    writers = tuple(rng.choice(procs) for _ in range(rng.randint(1, children + 2)))
    k = Kernel(Config(era=era))
    parent = ok(k.spawn("server"), "spawn")
    buf = parent.mmap(0, PAGE, RW, ANON)
    frame = ok(parent.access(buf, write=True).phys, "the buffer's frame") >> 12
    tasks = [parent] + [ok(k.fork(parent), "fork") for _ in range(children)]
    after_fork = k.page(frame).count
    for i in writers:
        tasks[i].access(buf + 8 * i, write=True)
    return CowCase(seed, era, children, writers, buf, frame, k.page(frame).count, after_fork)


def _parent_copies_too(c: CowCase) -> int:
    """The count a student gets who thinks a child's copy-on-write copies the parent's page too:
    each write that copies takes the writer and the parent off the old frame."""
    holders = set(range(c.children + 1))  # 0 = the parent
    for i in c.writers:
        if i in holders and len(holders) > 1:
            holders -= {i, 0}
    return len(holders)


def cow_exercise(c: CowCase) -> NumberExercise:
    name = {0: "the parent"} | {i: f"child {i}" for i in range(1, c.children + 1)}
    kids = "one child (child 1)" if c.children == 1 else f"{c.children} children (child 1 first)"
    if len(c.writers) == 1:
        writes = f"Then {name[c.writers[0]]} writes to the page, once."
    else:
        order = [name[i] + (" again" if i in c.writers[:n] else "") for n, i in enumerate(c.writers)]
        writes = f"Then {len(c.writers)} writes to the page follow, in this order: " + ", then ".join(order) + "."
    prompt = (
        f"Linux {c.era}, no PAE. A parent process maps one page of private anonymous memory at {c.buf:#010x} and "
        f"writes to it, so the page gets frame {c.frame:#x} with _count 1. It then forks {kids}; each fork shares "
        f"the page copy-on-write.\n{writes}\n"
        f"What is frame {c.frame:#x}'s reference count (_count) now?"
    )
    mistakes = {
        c.after_fork: (
            f"That is the count right after the fork{'s' if c.children > 1 else ''} (1 + one per child). "
            "A write to a shared page makes do_wp_page copy it, and put_page drops the writer's reference "
            "to the old frame."
        ),
        c.after_fork - len(c.writers): (
            "Not every write copies: a process that already has its own copy writes without a fault, and "
            "the last process that still maps the frame finds _count 1 and simply reuses it (do_wp_page makes "
            "its PTE writable again)."
        ),
        0: "The frame is never freed here: the last process that maps it reuses it instead of copying.",
    }
    both = _parent_copies_too(c)
    if both not in mistakes or both == 0:  # 0 is most likely this slip: the frame emptied by both copying
        mistakes[both] = (
            "That is what you get if the parent copies too. A write fault gives only the writer a new frame "
            "(do_wp_page); every other process, the parent included, keeps its PTE on the old frame until it "
            "writes itself." + (" So the old frame is never freed here." if both == 0 else "")
        )
    mistakes.pop(c.answer, None)
    return NumberExercise(
        "cow_refcount",
        prompt,
        hint="Keep a list of the processes whose PTE still points at the frame. A write by one of them copies "
        "the page and removes it from the list, unless it is the only one left. Writes by others change nothing.",
        explain="Each fork adds a reference (copy_one_pte calls get_page). Each write that copies drops one "
        "(do_wp_page, then put_page on the old frame). A process that is the only user left reuses the frame, "
        "so the count stays at 1 instead of falling to 0.",
        value=c.answer,
        hex=False,
        mistakes=mistakes,
    )


# == 4. the PTEs right after fork =================================================================
@dataclass(frozen=True)
class PteForkCase:
    seed: int
    era: str
    comm: str
    addr: int
    before: int
    parent: int
    child: int


def pte_fork_case(seed: int) -> PteForkCase:
    rng = random.Random(f"l6-ptefork-{seed}")
    era = rng.choice(ERAS)
    comm = rng.choice(COMMS)
    k = Kernel(Config(era=era, aged=True, seed=seed))  # an aged machine: the frame differs from seed to seed
    task = ok(k.spawn(comm), "spawn")
    pages = rng.randint(1, 5)
    buf = task.mmap(0, pages * PAGE, RW, ANON)
    addr = buf + rng.randrange(pages) * PAGE
    first = len(recorded(k).operations)
    task.access(addr + rng.randrange(0, PAGE, 4), write=True)
    before = next(e.entry for e in _ops_events(k, first) if e.kind == "PteInstalled" and e.vaddr == addr)
    first = len(recorded(k).operations)
    k.fork(task)
    events = _ops_events(k, first)
    changed = [e.new for e in events if e.kind == "PteChanged" and e.vaddr == addr]
    parent = changed[-1] if changed else before
    child = next(e.entry for e in events if e.kind == "PteInstalled" and e.vaddr == addr)
    return PteForkCase(seed, era, comm, addr, before, parent, child)


def pte_fork_exercise(c: PteForkCase) -> FieldsExercise:
    prompt = (
        f"Linux {c.era}, no PAE. Process {c.comm} wrote to a page of its private anonymous mapping "
        "(mmap with PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS), which faulted it in. "
        f"Its PTE for {c.addr:#010x} now holds {c.before:#010x} ({_flags(c.before)}). The process calls fork(). "
        "What do the parent's and the child's PTEs for that address hold right after the fork? "
        "Answer as parent=0x... child=0x..."
    )
    explain = (
        "copy_one_pte write-protects a private writable mapping in both processes: ptep_set_wrprotect clears "
        "RW (0x2) in the parent's PTE and the child's copy has it cleared too. The child's copy is also made "
        "'old' (pte_mkold clears ACCESSED, 0x20). The frame stays the same: nothing is copied until a write."
    )
    return FieldsExercise(
        "pte_after_fork",
        prompt,
        hint="Two flags matter: RW (bit 1, 0x2) and ACCESSED (bit 5, 0x20). Which of them does fork clear, "
        "and in whose PTE?",
        explain=explain,
        fields={"parent": c.parent, "child": c.child},
        why={
            "parent": "fork write-protects the parent's PTE too (ptep_set_wrprotect clears RW, 0x2) if it was "
            "writable; nothing else changes",
            "child": "the child gets the parent's entry write-protected (no RW) and old (pte_mkold clears "
            "ACCESSED, 0x20), pointing at the same frame",
        },
        mistakes={
            "parent": {
                c.before: "fork does change the parent's PTE: ptep_set_wrprotect clears RW (0x2), so the "
                "parent's next write faults too.",
                c.child: "That is the child's value: only the child's copy is made old (pte_mkold).",
            },
            "child": {
                c.before: "The child's copy cannot stay writable: both processes must fault on their next write.",
                c.parent: "That is the parent's new value; the child's copy is also made old: pte_mkold clears "
                "ACCESSED (0x20).",
            },
        },
    )


# == 5. a kernel access to vmalloc memory from a process ===================================
@dataclass(frozen=True)
class VmallocCase:
    seed: int
    kind: str
    pae: bool
    before_spawn: tuple[int, ...]  # sizes (pages) vmalloc'ed before the process started
    after_spawn: tuple[int, ...]  # sizes (pages) vmalloc'ed after
    areas: tuple[tuple[int, int], ...]  # (addr, size with guard page) of every area, in order
    addr: int
    user: bool
    answer: str


VM_KINDS = ("sync", "early", "pae", "user", "guard", "same_pde")


def vmalloc_case(seed: int) -> VmallocCase:
    rng = random.Random(f"l6-vmalloc-{seed}")
    kind = VM_KINDS[seed % len(VM_KINDS)] if seed < len(VM_KINDS) else rng.choice(VM_KINDS)
    pae = kind == "pae" or (kind == "user" and rng.random() < 0.5)
    sizes = tuple(rng.randint(1, 6) for _ in range(2))
    before, after = {"early": (sizes[:1], ()), "same_pde": (sizes[:1], sizes[1:])}.get(kind, ((), sizes[:1]))
    k = Kernel(Config(pae=pae, ram=rng.choice((512, 768, 1024)) << 20))
    areas = [ok(k.vmalloc(n * PAGE, caller="drv_init"), "vmalloc") for n in before]
    task = ok(k.spawn(rng.choice(COMMS)), "spawn")
    areas += [ok(k.vmalloc(n * PAGE, caller="drv_probe"), "vmalloc") for n in after]
    area = ok(k.find_vm_area(areas[-1]), "find_vm_area")
    mapped = area.size // PAGE - 1  # the pages before the guard page
    page = mapped if kind == "guard" else rng.randrange(mapped)
    addr = area.addr + page * PAGE + rng.randrange(0, PAGE, 4)
    user = kind == "user"
    first = len(recorded(k).operations)
    out = task.access(addr, user=user)
    events = _ops_events(k, first)
    if out.signal is not None:
        answer = out.signal
    elif any(e.kind == "PteChanged" and e.fn.endswith("vmalloc_sync_one") for e in events):
        answer = VM_SYNC
    else:
        assert not out.faulted, "a vmalloc-area access that faulted without vmalloc_fault or a signal"
        answer = VM_NONE
    spans = tuple((a, ok(k.find_vm_area(a), "find_vm_area").size) for a in areas)
    return VmallocCase(seed, kind, pae, before, after, spans, addr, user, answer)


def vmalloc_exercise(c: VmallocCase) -> ChoiceExercise:
    def area(i: int) -> str:
        a, size = c.areas[i]
        return f"vmalloc({size - PAGE}) returned {a:#010x} (area size {size:#x} with its guard page)"

    mode = "user mode (the program itself dereferences it)" if c.user else "kernel mode (a system call of the process)"
    steps = []
    if c.before_spawn:
        steps.append(f"a driver's {area(0)}")
    steps.append("the process starts (pgd_alloc gives it a page directory, and pgd_ctor copies the kernel part)")
    if c.after_spawn:
        steps.append(f"then a driver's {area(len(c.areas) - 1)}")
    prompt = (
        f"Linux 2.6.24, {'PAE' if c.pae else 'no PAE'}. In this order: {'; '.join(steps)}. "
        f"Now, while that process runs, the CPU reads {c.addr:#010x} in {mode}. What happens?"
    )
    explain = {
        "sync": "The area's PTE table was linked into swapper_pg_dir after the process copied the kernel part of "
        "its page directory, so the process's PGD entry is empty. do_page_fault sees a kernel-mode, not-present "
        "fault at a kernel address and calls vmalloc_fault, which copies the entry from swapper_pg_dir "
        "(vmalloc_sync_one); the access then succeeds.",
        "early": "The vmalloc ran before the process started, so pgd_ctor copied the PGD entry that points at "
        "the area's PTE table: the walk succeeds and nothing faults.",
        "pae": "With PAE the kernel's PMD pages are shared by every page directory (SHARED_KERNEL_PMD), so the "
        "new PTE table is visible to every process at once: no fault.",
        "user": "vmalloc PTEs have no USER bit: a user-mode access to a kernel address faults and do_page_fault "
        "sends SIGSEGV. vmalloc_fault only runs for kernel-mode faults.",
        "guard": "That address is the area's guard page, which is never mapped. vmalloc_fault copies the PGD "
        "entry, but the PTE is still not present (swapper_pg_dir does not map it either), so it fails. A "
        "kernel-mode access to a kernel address with nothing mapped there, and no exception fixup, is an Oops.",
        "same_pde": "Both areas lie in the same 4 MB range, so they share one PGD entry, and that entry existed "
        "(from the first vmalloc) when the process copied the kernel part: the second area's PTEs are reached "
        "through it and nothing faults.",
    }[c.kind]
    why = {
        VM_NONE: (
            "The access faults: vmalloc PTEs have no USER bit, so a user-mode access to them always faults."
            if c.user
            else "The access faults: walk the process's own page directory, and the entry for this 4 MB "
            "(or the PTE) is missing."
        ),
        VM_SYNC: "vmalloc_fault copies a PGD entry that swapper_pg_dir has and the process lacks, for a "
        "kernel-mode fault only"
        + (
            "; here the process's page tables already reach the area."
            if c.answer == VM_NONE
            else "; it cannot make a user-mode access valid."
            if c.user
            else "; copying the entry cannot map a page that swapper_pg_dir does not map either."
        ),
        VM_OOPS: (
            "An Oops is a kernel-mode fault nobody can fix; this access is in user mode, so the process "
            "gets a signal instead."
            if c.user
            else "An Oops is a kernel-mode fault nobody can fix; this access succeeds"
            + (" after vmalloc_fault has fixed it." if c.answer == VM_SYNC else ".")
        ),
        VM_SEGV: "Signals are for faults in user mode; this access is made by the kernel.",
    }
    why.pop(c.answer)
    return ChoiceExercise(
        "vmalloc_fault",
        prompt,
        hint="vmalloc fills only swapper_pg_dir. Does this process's page directory already have the entry "
        "for the area's 4 MB (non-PAE), or are the kernel PMDs shared (PAE)? Who makes the access?",
        explain=explain,
        options={o: why.get(o, "") for o in VM_OUTCOMES},
        correct=c.answer,
    )


def cow_predict(
    child: Task, parent: Task, addr: int, frame: int, eid: str = "cow_predict"
) -> tuple[NumberExercise, Any]:
    """Lesson 6's predict-then-check: after ``fork``, ``child`` writes to ``addr`` (mapped by
    both to ``frame``, ``_count`` 2), then ``parent`` does.  Runs both writes and a read by each
    (for the worked answer) and returns the question "the frame's ``_count`` after the child's
    write" with the child's write (an operation: ``.start`` before it, ``.end`` after it)."""
    timeline = recorded(child.mm.kernel)
    child.access(addr, write=True)
    child_write = timeline.operations[-1]
    parent.access(addr, write=True)
    refs = [e.count for e in timeline[child_write.start : child_write.end] if e.kind == "PageRefChanged"]
    now = {who: ok(t.access(addr).phys, "access") >> 12 for who, t in (("child", child), (parent.comm, parent))}
    worked = (
        f"The frame was mapped twice, so `do_wp_page` copied: the child now maps `{addr:#010x}` to a new frame "
        f"`{now['child']:#x}`, and `put_page` dropped the child's reference to `{frame:#x}`, whose `_count` is "
        f"now {refs[-1]}.\n\nThen {parent.comm} wrote. It was the only process left that maps `{frame:#x}` "
        f"(it still maps it: `{now[parent.comm]:#x}`), so its write **reused** the frame: no copy and no new "
        "frame, just `RW` set again. Copy-on-write copies only what someone writes, and never one page more "
        "than needed."
    )
    question = NumberExercise(
        eid,
        f"Frame {frame:#x} has _count 2 ({parent.comm} and its child map it). The child writes to {addr:#010x}. "
        f"What is frame {frame:#x}'s _count after that write?",
        hint="Does the child still use the old frame after do_wp_page has run?",
        explain="do_wp_page saw the frame mapped twice, so it copied the page into a new frame for the child and "
        f"dropped the child's reference to the old one with put_page. Only {parent.comm} holds it now.",
        value=refs[-1],
        hex=False,
        mistakes={
            2: "The write does change the count: the child gets its own copy and put_page drops its reference.",
            3: "The copy is a new frame with its own count; the old frame loses a user, it does not gain one.",
            0: f"The frame is not freed: {parent.comm} still maps it.",
        },
        worked=worked,
    )
    return question, child_write


def make(seed: int) -> list[Exercise]:
    return [
        outcome_exercise(outcome_case(seed)),
        frames_exercise(frames_case(seed)),
        unlike_seed0(seed, make, lambda attempt: cow_exercise(cow_case(seed, attempt))),
        pte_fork_exercise(pte_fork_case(seed)),
        vmalloc_exercise(vmalloc_case(seed)),
    ]


LESSON = register(Lesson(6, "Page faults: demand paging, permissions, copy-on-write", make))
