"""The layout reproduces real boot logs of both eras character for character.

Each file in vmwidgets/data/bootlogs is a published dmesg excerpt (source in its header).  The
inputs a log tells us (version, PAE, highmem, top of RAM, fixmap size, vmalloc=, image
sections) go into a Config; every printed layout line must come out identical.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vmwidgets import Config, Kernel, KernelImage, Layout, data

BOOTLOGS = Path(data.__file__).parent / "bootlogs"

LOGS = sorted(BOOTLOGS.glob("*.txt"))
# Logs whose version line is missing: the era their other lines and dates place them in.
ASSUMED_ERA = {"05": "2.6.20", "10": "2.6.24", "00a": "2.6.32"}
LAYOUT_LINE = re.compile(r"^\s{4}(fixmap  |pkmap   |vmalloc |lowmem  |  \.init |  \.data |  \.text ): .*$")


def _parse(path: Path) -> tuple[Config, list[str]]:
    text = path.read_text()
    head = dict(re.findall(r"^# (\w+): (.*)$", text, re.M))
    body = [re.sub(r"^.*?\[\s*[\d.]+\] ", "", ln) for ln in text.splitlines() if not ln.startswith("#")]
    expected = [ln.rstrip() for ln in body if LAYOUT_LINE.match(ln)]
    m = re.match(r"2\.6\.(\d+)", head["version"])
    era = f"2.6.{m.group(1)}" if m else ASSUMED_ERA[path.name.split("-")[0]]
    ram_kb = int(re.search(r"Memory: \d+k/(\d+)k", text).group(1))
    fix = re.search(r"fixmap  : 0x(\w+) - 0x(\w+)", text)
    fixmap_kb = (int(fix.group(2), 16) - int(fix.group(1), 16)) // 1024
    vm = re.search(r"vmalloc=(\d+)M", head.get("cmdline", ""))
    sect = {
        n: (int(a, 16) - 0xC0000000, int(b, 16) - 0xC0000000)
        for n, a, b in re.findall(r"\.(init|data|text) : 0x(\w+) - 0x(\w+)", text)
    }
    image = KernelImage(
        sect["text"][0], sect["text"][1], sect["data"][1], sect["init"][0], sect["init"][1], sect["init"][1] + 0x80000
    )
    cfg = Config(
        ram=ram_kb * 1024,
        pae=head["pae"].startswith("yes"),
        era=era,
        fixmap_kb=fixmap_kb,
        highmem=head["highmem"].startswith("yes"),
        vmalloc_reserve=int(vm.group(1)) << 20 if vm else None,
        image=image,
    )
    return cfg, expected


@pytest.mark.parametrize("path", LOGS, ids=[p.stem for p in LOGS])
def test_layout_table_matches_real_boot_log(path: Path) -> None:
    cfg, expected = _parse(path)
    assert len(expected) >= 6
    got = Layout.compute(cfg).table().splitlines()
    assert got[0] == "virtual kernel memory layout:"
    assert got[1:] == expected


def test_there_are_logs_of_both_eras_pae_and_not_with_and_without_highmem() -> None:
    cfgs = [_parse(p)[0] for p in LOGS]
    assert {c.era_minor >= 28 for c in cfgs} == {True, False}
    assert {c.pae for c in cfgs} == {True, False}
    assert {c.highmem for c in cfgs} == {True, False}


@pytest.mark.parametrize("path", LOGS, ids=[p.stem for p in LOGS])
def test_dmesg_has_the_logs_lowmem_and_highmem_lines(path: Path) -> None:
    cfg, _ = _parse(path)
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    wanted = [ln.split("] ")[-1] for ln in lines if ln.endswith(("MB HIGHMEM available.", "MB LOWMEM available."))]
    if not wanted:
        pytest.skip("this log excerpt has no HIGHMEM/LOWMEM lines")
    assert wanted == [ln for ln in Kernel(cfg).dmesg().splitlines() if ln in wanted or "MEM available" in ln]


def test_the_two_worked_examples_reproduce_with_era_defaults() -> None:
    """kernel-notes.md's examples A and G, from nothing but RAM, PAE, era and fixmap size."""
    a = Kernel(Config(ram=2086248 * 1024, pae=True, era="2.6.32", fixmap_kb=3744)).layout.table()
    g = Kernel(Config(ram=1048320 * 1024, era="2.6.24")).layout.table()
    for text, name in ((a, "00a"), (g, "00g")):
        (path,) = [p for p in LOGS if p.name.startswith(name)]
        assert text.splitlines()[1:] == _parse(path)[1]
