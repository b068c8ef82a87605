"""The maps panel names each VMA as ``maps()`` does (fs/proc/task_mmu.c:show_map): the file,
else ``[heap]`` for the VMA covering start_brk..brk, else ``[stack]`` for the one holding
start_stack.  The views replay events only, so ``MmStructUpdated`` carries those fields."""

from __future__ import annotations

import html
import random
import re

import pytest

from vmwidgets import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_PRIVATE,
    PAGE_SIZE,
    PROT_READ,
    PROT_WRITE,
    Config,
    Kernel,
    from_proc_maps,
)
from vmwidgets.render.svg import maps_scene
from vmwidgets.render.vma_scene import maps_html, vma_list_scene

RW, ANON = PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
_ROW = re.compile(r"<tr[^>]*><td>([0-9a-f]{8,16})-[0-9a-f]+</td>(?:<td>[^<]*</td>){3}<td>([^<]*)</td></tr>")


def maps_names(text: str) -> list[tuple[int, str]]:
    """(vm_start, name) of each line of /proc/PID/maps text: the name is the sixth field, if any."""
    out = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        out.append((int(parts[0].split("-")[0], 16), parts[5] if len(parts) == 6 else ""))
    return out


def panel_names(state, mm: str) -> list[tuple[int, str]]:
    """The same pairs as the maps panel (HTML), the SVG maps scene and the VMA list's tooltips show them."""
    rows = [(int(a, 16), html.unescape(n)) for a, n in _ROW.findall(maps_html(state, mm))]
    svg = [(int(r[0].split("-")[0], 16), r[4]) for r in maps_scene(state, mm)["nodes"][0]["rows"][1:] if len(r) == 5]
    assert svg == rows
    tips = [n["tip"] for n in vma_list_scene(state, mm, limit=10_000)["nodes"] if n.get("tip")]
    assert [t.split(" ", 4)[4] for t in tips] == [n for _, n in rows]  # range, perms, size ("16 kB"), name
    return rows


def _random_call(rng: random.Random, task) -> None:
    mm = task.mm
    heap, top = mm.start_brk, mm.task_size
    pick = rng.choice([0, 0, 0, 1, 2, 3, 4, 5])  # brk most often: a heap to name
    if pick == 0:  # brk: grow, shrink, page-aligned or not, or below the floor (refused)
        task.brk(rng.choice([0, heap, heap + rng.randrange(0, 40) * PAGE_SIZE + rng.choice([0, 0x123])]))
    elif pick == 1:  # an anonymous mapping on or near the heap, fixed or hinted
        addr = heap + rng.randrange(-2, 48) * PAGE_SIZE
        flags = ANON | (MAP_FIXED if rng.random() < 0.6 else 0) | (MAP_GROWSDOWN if rng.random() < 0.2 else 0)
        task.mmap(addr, rng.randrange(1, 6) * PAGE_SIZE, RW, flags)
    elif pick == 2:  # munmap a piece of the heap's neighbourhood
        task.munmap(heap + rng.randrange(-2, 48) * PAGE_SIZE, rng.randrange(1, 8) * PAGE_SIZE)
    elif pick == 3:  # munmap a piece of the stack: a part without start_stack keeps VM_GROWSDOWN
        task.munmap(top - rng.randrange(1, 24) * PAGE_SIZE, rng.randrange(1, 4) * PAGE_SIZE)
    elif pick == 4:  # split a VMA by a protection change
        task.mprotect(heap + rng.randrange(0, 40) * PAGE_SIZE, rng.randrange(1, 4) * PAGE_SIZE, PROT_READ)
    else:  # a hinted mapping anywhere: usually top down, below the libraries
        task.mmap(0, rng.randrange(1, 4) * PAGE_SIZE, RW, ANON | (MAP_GROWSDOWN if rng.random() < 0.3 else 0))


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
@pytest.mark.parametrize("seed", range(12))
def test_the_panel_names_every_vma_as_maps_does_after_every_call(era: str, seed: int) -> None:
    rng = random.Random(f"heap-{era}-{seed}")
    k = Kernel(Config(era=era), checkpoint_every=64)
    task = k.spawn("cat")
    seen = {"heap": False, "stack": False}
    texts = []
    for i in range(40):
        if i == 0:  # a heap first, then whatever comes
            task.brk(task.mm.brk + rng.randrange(1, 20) * PAGE_SIZE + rng.choice([0, 0x123]))
        else:
            _random_call(rng, task)
        text = task.mm.maps()
        names = maps_names(text)
        assert panel_names(k.timeline.head, "1") == names, text
        texts.append((len(k.timeline), names))
        seen["heap"] |= any(n == "[heap]" for _, n in names)
        seen["stack"] |= any(n == "[stack]" for _, n in names)
    assert seen["heap"] and seen["stack"]  # the sequences reach both names
    for pos, names in reversed(texts):  # replayed backwards, through checkpoints, the names come back
        assert panel_names(k.timeline.seek(pos), "1") == names


def test_the_heap_appears_with_brk_and_moves_with_it() -> None:
    k = Kernel()
    task = k.spawn("cat")
    mm = task.mm
    assert "[heap]" not in task.mm.maps()  # execve leaves an empty heap: start_brk == brk
    task.brk(mm.brk + 3 * PAGE_SIZE + 0x10)
    assert ("0804d000", "[heap]") in [(f"{a:08x}", n) for a, n in panel_names(k.timeline.head, "1")]
    # MAP_FIXED over the heap's first page (read-only: no merge): the rest no longer covers start_brk
    task.mmap(mm.start_brk, PAGE_SIZE, PROT_READ, ANON | MAP_FIXED)
    names = maps_names(task.mm.maps())
    assert "[heap]" not in [n for _, n in names] and panel_names(k.timeline.head, "1") == names
    # the VM_GROWSDOWN rule the panel used before named both pieces of a split stack; show_map
    # names only the one holding start_stack (task_size - 0x11c0)
    task.munmap(mm.task_size - 16 * PAGE_SIZE, PAGE_SIZE)
    names = maps_names(task.mm.maps())
    assert [n for _, n in names].count("[stack]") == 1 and panel_names(k.timeline.head, "1") == names


def test_brk_events_name_sys_brk_and_only_a_change_is_one() -> None:
    k = Kernel()
    task = k.spawn("cat")
    n = len(k.timeline)
    task.brk(0)  # asks for the break: no change, no event
    task.brk(task.mm.brk)
    assert not [e for e in k.timeline[n:] if e.kind == "MmStructUpdated"]
    task.brk(task.mm.brk + 0x1234)
    (ev,) = [e for e in k.timeline[n:] if e.kind == "MmStructUpdated"]
    assert (ev.fn, ev.mm, ev.field, ev.old, ev.new) == ("mm/mmap.c:sys_brk", "1", "brk", 0x0804D000, 0x0804E234)
    spawn = k.timeline.operations[0]
    fields = [(e.fn, e.field) for e in k.timeline[spawn.start : spawn.end] if e.kind == "MmStructUpdated"]
    assert fields == [
        ("fs/binfmt_elf.c:set_brk", "start_brk"),
        ("fs/binfmt_elf.c:set_brk", "brk"),
        ("fs/binfmt_elf.c:load_elf_binary", "start_stack"),
    ]


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_a_forked_child_names_its_heap_as_its_maps_does(era: str) -> None:
    k = Kernel(Config(era=era))
    parent = k.spawn("bash")
    parent.brk(parent.mm.brk + 5 * PAGE_SIZE)
    child = k.fork(parent)
    assert child is not None
    fork = k.timeline.operations[-1]
    copied = {e.field: e.new for e in k.timeline[fork.start : fork.end] if e.kind == "MmStructUpdated"}
    assert copied == {"start_brk": parent.mm.start_brk, "brk": parent.mm.brk, "start_stack": parent.mm.start_stack}
    assert {e.fn for e in k.timeline[fork.start : fork.end] if e.kind == "MmStructUpdated"} == {"kernel/fork.c:dup_mm"}
    names = maps_names(child.mm.maps())
    assert "[heap]" in [n for _, n in names] and panel_names(k.timeline.head, child.mm.name) == names
    child.brk(child.mm.start_brk + PAGE_SIZE)  # the child's heap shrinks; the parent's stays
    assert panel_names(k.timeline.head, child.mm.name) == maps_names(child.mm.maps())
    assert panel_names(k.timeline.head, "1") == maps_names(parent.mm.maps())
    name, before = child.mm.name, maps_names(child.mm.maps())
    k.exit(child)  # __mmdrop frees the mm_struct: its fields leave the view state with it
    exit_op = k.timeline.operations[-1]
    freed = [e for e in k.timeline[exit_op.start : exit_op.end] if e.kind == "MmStructUpdated"]
    assert {e.field for e in freed} == {"start_brk", "brk", "start_stack"}
    assert all(e.new == 0 and e.fn == "kernel/fork.c:__mmdrop" for e in freed)
    assert name not in k.timeline.head.mm_fields and k.timeline.head == k.view_state()
    assert panel_names(k.timeline.seek(exit_op.start), name) == before  # stepping back brings them back


@pytest.mark.parametrize("era", ["2.6.24", "2.6.32"])
def test_an_mm_read_from_maps_text_names_its_heap_and_stack_back(era: str) -> None:
    text = (
        "08048000-08050000 r-xp 00000000 08:01 1001       /bin/sh\n"
        "08050000-08051000 rw-p 00007000 08:01 1001       /bin/sh\n"
        "08051000-08074000 rw-p 08051000 00:00 0          [heap]\n"
        "b7e00000-b7e03000 rw-p b7e00000 00:00 0 \n"
        "bfe8a000-bfe9f000 rw-p bfe8a000 00:00 0          [stack]\n"
        "ffffe000-fffff000 r-xp 00000000 00:00 0          [vdso]\n"
    )
    k = Kernel(Config(era=era))
    mm = from_proc_maps(text, k, "sh")
    op = k.timeline.operations[-1]
    got = {e.field: (e.fn, e.new) for e in k.timeline[op.start : op.end] if e.kind == "MmStructUpdated"}
    show_map = "fs/proc/task_mmu.c:show_map"
    assert got == {
        "start_brk": (show_map, 0x08051000),
        "brk": (show_map, 0x08074000),
        "start_stack": (show_map, 0xBFE9E000),
    }
    names = maps_names(mm.maps())
    assert [n for _, n in names] == ["/bin/sh", "/bin/sh", "[heap]", "", "[stack]", "[vdso]"]
    assert panel_names(k.timeline.head, "sh") == names
    assert panel_names(k.timeline.seek(op.start), "sh") == []  # before the call: no mm, no rows
    assert k.timeline.seek(len(k.timeline)) == k.view_state()
