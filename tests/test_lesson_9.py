"""Lesson 9 (kmalloc and the slab allocator versus vmalloc): the exercise keys agree with
SLUB's rules computed independently from the prompts, the typical mistakes get their own
feedback, every seed builds, and the model behaves as the lesson says it does."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from reference import slub as slub_ref

from vmwidgets import GFP_KERNEL, SLAB_HWCACHE_ALIGN, Config, Kernel
from vmwidgets.exercises import LESSONS, ChoiceExercise, NumberExercise
from vmwidgets.exercises.l9_kmalloc import LESSON, SOURCES, next_address, slab_count, where_from

SEEDS = range(21)
PAGE = 4096
HEX = r"0x[0-9a-f]+"
TOP = {"2.6.24": 2048, "2.6.32": 8192}  # the largest kmalloc cache (kernel notes B2)


@functools.cache
def by_id(seed: int) -> dict:
    """Seed ``seed``'s exercises by id, built once for all the tests."""
    return {e.id: e for e in LESSON.exercises(seed)}


def era_of(prompt: str) -> str:
    return re.search(r"Linux (2\.6\.\d+)", prompt).group(1)


def align(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def kmalloc_cache(size: int, era: str) -> int:
    """get_slab, as the SLUB reference (written from the source) has it, within the era's limit."""
    assert 1 <= size <= TOP[era]
    return slub_ref.kmalloc_cache_size(size)


def objects_per_slab(cache: int, era: str) -> int:
    """Objects per slab of a kmalloc cache, from the notes' table B3 (one CPU)."""
    big24 = {2048: (2, 4)}
    big32 = {1024: (2, 8), 2048: (4, 8), 4096: (8, 8), 8192: (8, 4)}
    pages, objects = (big32 if era == "2.6.32" else big24).get(cache, (1, PAGE // cache))
    assert pages * PAGE // cache == objects
    return objects


def test_the_lesson_is_registered() -> None:
    assert LESSONS[9] is LESSON and LESSON.title == "kmalloc and the slab allocator versus vmalloc"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_builds_plain_prompts_with_a_right_key(seed: int) -> None:
    ex = list(by_id(seed).values())
    assert [e.id for e in ex] == [
        "which_cache",
        "slab_count",
        "cache_size",
        "next_address",
        "where_from",
        "large_order",
        "which_address",
    ]
    for e in ex:
        assert "`" not in e.prompt and "**" not in e.prompt and e.hint and e.explain
        assert era_of(e.prompt) in TOP
        assert e.check(e.answer_text()).correct
        if isinstance(e, NumberExercise):
            assert e.value not in e.mistakes


def test_seeds_vary() -> None:
    keys = [tuple(e.answer for e in by_id(s).values()) for s in range(10)]
    assert len(set(keys)) == 10


# -- the keys, recomputed from the prompts ------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_which_cache_is_the_smallest_that_holds_the_request(seed: int) -> None:
    e = by_id(seed)["which_cache"]
    size = int(re.search(r"kmalloc\((\d+),", e.prompt).group(1))
    assert e.answer == kmalloc_cache(size, era_of(e.prompt))


@pytest.mark.parametrize("seed", SEEDS)
def test_slab_count_is_the_objects_over_the_objects_per_slab(seed: int) -> None:
    e = by_id(seed)["slab_count"]
    era = era_of(e.prompt)
    size, count = (int(x) for x in re.search(r"calls kmalloc\((\d+), GFP_KERNEL\) (\d+) times", e.prompt).groups())
    per = objects_per_slab(kmalloc_cache(size, era), era)
    assert e.answer == -(-count // per)


@pytest.mark.parametrize("seed", SEEDS)
def test_cache_size_follows_calculate_sizes(seed: int) -> None:
    e = by_id(seed)["cache_size"]
    size, flags = re.search(r'kmem_cache_create\("\w+", (\d+), 0, (\w+), NULL\)', e.prompt).groups()
    size = int(size)
    slot = align(size, 4)  # a word
    if flags == "SLAB_DESTROY_BY_RCU":
        slot += 4  # the free pointer moves after the object
    alignment = 64 if flags == "SLAB_HWCACHE_ALIGN" and size > 32 else 8
    assert e.answer == align(slot, alignment)


@pytest.mark.parametrize("seed", SEEDS)
def test_next_address_is_the_object_freed_last(seed: int) -> None:
    e = by_id(seed)["next_address"]
    era = era_of(e.prompt)
    got = [int(a, 16) for a in re.findall(rf"kmalloc\(\d+\) = ({HEX})", e.prompt)]
    freed = [int(a, 16) for a in re.findall(rf"kfree\(({HEX})\)", e.prompt)]
    first, asked = (int(x) for x in re.findall(r"kmalloc\((\d+)", e.prompt)[:: len(got)])
    assert kmalloc_cache(first, era) == kmalloc_cache(asked, era)  # the same cache
    cache = kmalloc_cache(first, era)
    assert got == [got[0] + i * cache for i in range(len(got))]  # a fresh slab, handed out in address order
    assert len(freed) >= 2 and set(freed) <= set(got)
    assert e.answer == freed[-1]


def simulate_source(per: int, slab_bytes: int, prompt: str) -> str:
    """Where the next object comes from, replaying the prompt's calls with SLUB's rules on one
    CPU: the cpu slab is the slab of the latest kmalloc; a kfree into it refills c->freelist;
    a slab that is not the cpu slab and has a free object is on the partial list."""
    in_use: dict[int, set[int]] = {}
    cpu = None
    calls = re.findall(rf"^  (kmalloc\(\d+\) = ({HEX})|kfree\(({HEX})\))$", prompt, re.M)
    for _, got, freed in calls:
        if got:
            addr = int(got, 16)
            cpu = addr - addr % slab_bytes
            in_use.setdefault(cpu, set()).add(addr)
        else:
            addr = int(freed, 16)
            in_use[addr - addr % slab_bytes].remove(addr)
    assert cpu is not None
    if len(in_use[cpu]) < per:
        return "fast"
    if any(len(objs) < per for slab, objs in in_use.items() if slab != cpu):
        return "partial"
    return "new"


@pytest.mark.parametrize("seed", range(40))
def test_where_from_follows_the_slow_path_order(seed: int) -> None:
    e = by_id(seed)["where_from"]
    assert isinstance(e, ChoiceExercise)
    pages, per = (int(x) for x in re.search(r"slabs are (\d+) pages? of (\d+) objects", e.prompt).groups())
    want = simulate_source(per, pages * PAGE, e.prompt)
    assert e.answer == SOURCES[want]
    for option in e.options:
        assert e.check(option).correct == (option == e.answer)


def test_where_from_covers_all_three_sources() -> None:
    assert {by_id(s)["where_from"].answer for s in range(40)} == set(SOURCES.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_large_order_is_get_order(seed: int) -> None:
    e = by_id(seed)["large_order"]
    era = era_of(e.prompt)
    n = int(re.search(r"kmalloc\((\d+),", e.prompt).group(1))
    assert n > TOP[era] and f"holds {TOP[era]} bytes" in e.prompt
    pages = -(-n // PAGE)
    assert e.answer == (pages - 1).bit_length()  # the smallest order with 2^order >= pages
    assert 1 << e.answer >= pages > (1 << e.answer) // 2


@pytest.mark.parametrize("seed", SEEDS)
def test_which_address_is_the_only_one_in_the_direct_map(seed: int) -> None:
    e = by_id(seed)["which_address"]
    high = int(re.search(rf"high_memory = ({HEX})", e.prompt).group(1), 16)
    start = int(re.search(rf"VMALLOC_START = ({HEX})", e.prompt).group(1), 16)
    assert start == high + (8 << 20)
    lowmem = [o for o in e.options if 0xC0000000 <= int(o, 16) < high]
    assert lowmem == [e.answer]


# -- the feedback names the typical mistakes ----------------------------------------------


def test_mistakes_get_their_own_feedback() -> None:
    seen = set()
    for seed in range(40):
        ex = by_id(seed)
        wc = ex["which_cache"]
        size = int(re.search(r"kmalloc\((\d+),", wc.prompt).group(1))
        pow2 = 1 << max(3, (size - 1).bit_length())
        if pow2 != wc.answer:
            assert "next power of two" in wc.check(str(pow2)).message
            seen.add("power of two")
        if size != wc.answer:
            assert "rounds the request up" in wc.check(str(size)).message
        sc = ex["slab_count"]
        era = era_of(sc.prompt)
        n, count = (int(x) for x in re.search(r"kmalloc\((\d+), GFP_KERNEL\) (\d+) times", sc.prompt).groups())
        if pow2 != kmalloc_cache(n, era) and 1 << max(3, (n - 1).bit_length()) <= TOP[era]:
            p2 = 1 << max(3, (n - 1).bit_length())
            wrong = -(-count // objects_per_slab(p2, era))
            if wrong != sc.answer:
                assert f"kmalloc-{p2}, the next power of two" in sc.check(str(wrong)).message
                seen.add("slabs of the power of two")
        cs = ex["cache_size"]
        csize, flags = re.search(r'kmem_cache_create\("\w+", (\d+), 0, (\w+), NULL\)', cs.prompt).groups()
        if flags == "SLAB_HWCACHE_ALIGN" and align(int(csize), 8) != cs.answer:
            assert "cache line" in cs.check(str(align(int(csize), 8))).message
            seen.add("alignment")
        if flags == "SLAB_DESTROY_BY_RCU" and align(int(csize), 8) != cs.answer:
            assert "free pointer after it" in cs.check(str(align(int(csize), 8))).message
            seen.add("moved free pointer")
        na = ex["next_address"]
        freed = [int(a, 16) for a in re.findall(rf"kfree\(({HEX})\)", na.prompt)]
        assert "last in, first out" in na.check(hex(freed[0])).message
        lo = ex["large_order"]
        assert "One order too many" in lo.check(str(lo.answer + 1)).message
        if lo.answer:
            assert "One order too few" in lo.check(str(lo.answer - 1)).message
        pages = -(-int(re.search(r"kmalloc\((\d+),", lo.prompt)[1]) // PAGE)
        if pages != lo.answer:
            assert "number of pages the request covers" in lo.check(str(pages)).message
        wa = ex["which_address"]
        vm = next(o for o in wa.options if int(o, 16) >= int(re.search(rf"VMALLOC_START = ({HEX})", wa.prompt)[1], 16)
                  and int(o, 16) < 0xFF800000)  # fmt: skip
        assert "vmalloc area" in wa.check(vm).message
        wf = ex["where_from"]
        for option in wf.options:
            if option != wf.answer:
                assert wf.check(option).message.startswith("No: ")
    assert seen == {"power of two", "slabs of the power of two", "alignment", "moved free pointer"}


# -- the lesson's claims, on the model ------------------------------------------------------


def test_the_notebook_story_on_the_model() -> None:
    """§1-§4 of the notebook: 40 x kmalloc(150) makes two kmalloc-192 slabs; the cpu slab counts
    as full; frees come back last first; a kfree into a full slab puts it on the partial list,
    which the next kmalloc takes; a slab that empties is discarded; the direct map has 4 MB pages."""
    k = Kernel(Config(aged=True, seed=7))
    t = k.timeline
    q = slab_count(k, 150, 40)
    assert q.answer == 2
    s = k.kmem_cache("kmalloc-192")
    assert (s.size, s.offset, s.objects, s.order) == (192, 0, 21, 0)
    objs = [int(o.result, 16) for o in t.operations[-40:]]
    c = s.cpu_slab
    slab2 = c.page.address
    assert c.page.inuse == 21 and [c.freelist, k.slub.free_pointers[c.freelist]] == [slab2 + 19 * 192, slab2 + 20 * 192]
    cpu_objs = [a for a in objs if slab2 <= a < slab2 + PAGE]
    assert cpu_objs == [slab2 + i * 192 for i in range(19)]
    freed = [cpu_objs[10], cpu_objs[4]]
    for a in freed:
        k.kfree(a)
    q2 = next_address(k, 170, freed)
    assert q2.answer == cpu_objs[4] and t.operations[-1].result == f"{cpu_objs[4]:#010x}"
    more = [k.kmalloc(150, GFP_KERNEL) for _ in range(3)]
    assert more == [cpu_objs[10], slab2 + 19 * 192, slab2 + 20 * 192] and c.freelist == 0
    k.kfree(objs[5])
    assert [p.address for p in s.local_node.partial] == [objs[0]]
    q3 = where_from(k, 150)
    assert q3.answer == SOURCES["partial"] and c.page.address == objs[0]
    assert not s.local_node.partial
    for i in range(21):
        k.kfree(slab2 + i * 192)
    assert "SlabDiscarded" in [ev.kind for ev in t[t.operations[-1].start : t.operations[-1].end]]
    row = k.slabinfo().splitlines()[-2].split()
    assert row[:6] == ["kmalloc-192", "21", "21", "192", "21", "1"]
    page = k.virt_to_page(objs[0])
    assert page.zone == "Normal" and objs[0] == 0xC0000000 + page.pfn * PAGE
    walk = str(k.translate(objs[0]))
    assert "PSE" in walk and "4 MB page" in walk and "PTE[" not in walk


def test_caches_and_limits_per_era() -> None:
    """§1, §5 and §7: 11 caches up to 2048 in 2.6.24, 13 up to 8192 in 2.6.32, their slab
    sizes, and where a large request goes."""
    old, new = Kernel(Config(era="2.6.24")), Kernel(Config(era="2.6.32"))
    shape = {
        e: {s.name: (1 << s.order, s.objects) for s in kk.slub.slab_caches} for e, kk in (("24", old), ("32", new))
    }
    assert len(shape["24"]) == 11 and len(shape["32"]) == 13
    assert shape["24"]["kmalloc-1024"] == (1, 4) and shape["24"]["kmalloc-2048"] == (2, 4)
    assert [shape["32"][f"kmalloc-{n}"] for n in (1024, 2048, 4096, 8192)] == [(2, 8), (4, 8), (8, 8), (8, 4)]
    assert all(shape["24"][n] == shape["32"][n] for n in shape["24"] if n not in ("kmalloc-1024", "kmalloc-2048"))
    assert (old.slub.kmalloc_max, new.slub.kmalloc_max) == (2048, 8192)
    a = old.kmalloc(3000, GFP_KERNEL)
    assert old.slub.large[a] == 0  # a whole page in 2.6.24
    b = new.kmalloc(3000, GFP_KERNEL)
    assert b not in new.slub.large and new.virt_to_page(b).pfn in {sp.pfn for sp in new.slub.slabs()}
    for kk, fn in ((old, "mm/slub.c:__kmalloc"), (new, "include/linux/slub_def.h:kmalloc_large")):
        big = kk.kmalloc(10000, GFP_KERNEL)
        assert kk.slub.large[big] == 2
        assert any(ev.fn == fn for ev in kk.timeline[kk.timeline.operations[-1].start :] if ev.kind == "KmallocRouted")
        most = kk.kmalloc(4 << 20, GFP_KERNEL)  # order 10, the largest block
        assert kk.slub.large[most] == 10
        assert kk.kmalloc((4 << 20) + 1, GFP_KERNEL) is None


def kinds(k: Kernel, call: Callable[[], object]) -> list[str]:
    """Run ``call`` on ``k``: the kinds of its steps, without the call's begin and end."""
    t = k.timeline
    start = len(t)
    call()
    return [t[i].kind for i in range(start + 1, len(t) - 1)]


def side_by_side(era: str) -> None:
    k = Kernel(Config(era=era, aged=True, seed=7))
    box: dict[str, int] = {}
    km = kinds(k, lambda: box.__setitem__("km", k.kmalloc(16384, GFP_KERNEL)))
    vm = kinds(k, lambda: box.__setitem__("vm", k.vmalloc(16384, caller="side_by_side")))
    assert (len(km), km.count("PteInstalled"), km.count("FrameAllocated")) == (3, 0, 1)
    assert vm.count("PteInstalled") == 4 and vm.count("FrameAllocated") >= 5 and len(vm) > 5 * len(km)
    page = k.virt_to_page(box["km"])
    assert page.zone == "Normal" and k.slub.large[box["km"]] == 2
    assert all(k.translate(box["vm"] + i * PAGE).phys >> 12 >= 0x38000 for i in range(4))  # highmem frames
    kf = kinds(k, lambda: k.kfree(box["km"]))
    vf = kinds(k, lambda: k.vfree(box["vm"]))
    assert kf.count("TlbFlushed") == 0 and "PteCleared" not in kf
    assert vf.count("TlbFlushed") == (1 if era == "2.6.24" else 0)
    k.kmalloc(100, GFP_KERNEL)
    assert kinds(k, lambda: k.kmalloc(100, GFP_KERNEL)) == ["KmallocRouted", "SlabObjectAllocated"]


def test_the_side_by_side_figures() -> None:
    """§6: per era, kmalloc(16384) is one contiguous lowmem block with no PTE; vmalloc(16384)
    writes 4 PTEs; vfree flushes the TLB in 2.6.24 and not at once in 2.6.32; a fast kmalloc
    is two steps; the vmalloc area of a 1 GB machine is 111 MB (about 110-120)."""
    for era in ("2.6.24", "2.6.32"):
        side_by_side(era)
    lay = Kernel(Config(aged=True, seed=7)).layout
    assert (lay.vmalloc_end - lay.vmalloc_start) >> 20 == 111
    lay = Kernel(Config(era="2.6.32")).layout
    assert (lay.vmalloc_end - lay.vmalloc_start) >> 20 == 120  # "about 110-120 MB on a 1 GB machine"


def test_the_aside_on_slot_sizes() -> None:
    """The aside's examples: a 100-byte SLAB_HWCACHE_ALIGN cache has 128-byte slots and is merged
    into kmalloc-128; a 300-byte one gets its own cache of 320-byte slots."""
    k = Kernel()
    s = k.kmem_cache_create("my_cache", 100, 0, SLAB_HWCACHE_ALIGN)
    assert s is not None and (s.name, s.size) == ("kmalloc-128", 128)
    own = k.kmem_cache_create("my_big_cache", 300, 0, SLAB_HWCACHE_ALIGN)
    assert own is not None and (own.name, own.size) == ("my_big_cache", 320)


def test_the_stored_notebook_keeps_its_answers_for_after() -> None:
    """The three predict-then-check answers (the next address, the source of the object, the
    slab count) appear in no cell or output up to their exercise: they wait in the worked answer."""
    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "09-kmalloc.ipynb").read_text())
    k = Kernel(Config(aged=True, seed=7))
    count = slab_count(k, 150, 40)
    s = k.kmem_cache("kmalloc-192")
    slab2 = s.cpu_slab.page.address
    freed = [slab2 + 10 * 192, slab2 + 4 * 192]
    for a in freed:
        k.kfree(a)
    address = next_address(k, 170, freed)
    for _ in range(3):
        k.kmalloc(150, GFP_KERNEL)
    first = min(sp.address for sp in k.slub.slabs() if sp.slab is s and sp.address != slab2)
    k.kfree(first + 5 * 192)
    source = where_from(k, 150)
    assert (count.answer, address.answer, source.answer) == (2, freed[-1], SOURCES["partial"])
    assert f"{address.answer:x}" in json.dumps(nb["metadata"])  # in the question's prompt, the widget's state
    texts: list[str] = []
    answers = iter([(count, rf"\b{count.answer} slabs"), (address, f"{address.answer:x}"), (source, source.answer)])
    exercise, secret = next(answers)
    for cell in nb["cells"]:
        texts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", [])) + "".join(out.get("data", {}).get("text/plain", [])))
        assert not re.search(secret, "\n".join(texts), re.I), exercise.id
        if "ExerciseWidget(question" in "".join(cell["source"]):
            texts = []
            exercise, secret = next(answers, (None, r"(?!x)x"))
    assert exercise is None  # all three were found


@pytest.mark.parametrize("seed", range(6))
def test_worked_answers_give_the_rule_the_key_and_the_steps(seed: int) -> None:
    """The predict-then-check kinds carry a worked answer: the key, then the steps of the call,
    each with its file:function, as the player numbers them."""
    ex = by_id(seed)
    keys = {
        "slab_count": f"**{ex['slab_count'].answer}** slab",
        "next_address": f"**{ex['next_address'].answer:#010x}**",
    }
    keys["where_from"] = f"**{ex['where_from'].answer}**"
    for eid, key in keys.items():
        worked = ex[eid].worked
        assert key in worked, eid
        steps = re.findall(r"^    step +(\d+) (\S+)", worked, re.M)
        assert steps and all(re.fullmatch(r"[\w/.]+\.[ch]:\w+", fn) for _, fn in steps), eid
        assert [int(n) for n, _ in steps] == sorted(int(n) for n, _ in steps), eid
        assert any(fn == "mm/slub.c:__kmalloc" for _, fn in steps), eid
