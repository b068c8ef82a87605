"""Drive the players of the vmalloc, page-table and VMA lessons as a student would and check
that the views change as the events say; stepping back restores the picture."""

from __future__ import annotations

import re

import pytest

from .harness import (
    BACK,
    FORWARD,
    NEXT_OP,
    START,
    boxes_with_view,
    drive_until,
    picture,
    press,
    readout,
    run_all_in_lab,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def new_records(before: dict, after: dict) -> list[str]:
    return [k for k in after if k.startswith("vm:") and k not in before]


def new_pte_rows(before: dict, after: dict) -> bool:
    """A PTE table gained a row mapping a frame, drawn highlighted."""
    frames = lambda pic: sum(v.count("/frame 0x") for k, v in pic.items() if k.startswith("t"))  # noqa: E731
    return frames(after) > frames(before)


def turned_black(before: dict, after: dict) -> list[str]:
    return [k for k, v in after.items() if "rb-black" in v and "rb-red" in before.get(k, "")]


def visits(pic: dict) -> int:
    return sum("visit" in v.split(" | ")[0].split() for v in pic.values())


def check_common(page, player, scene, artifacts, name: str) -> None:
    """Jump to the end of an operation, play a little, and select a node."""
    pos = readout(player)
    assert press(page, player, NEXT_OP), "the next-operation button moves the player"
    assert readout(player) > pos
    press(page, player, BACK)
    if press(page, player, FORWARD) and press(page, player, FORWARD):  # room to play two steps
        press(page, player, BACK)
        press(page, player, BACK)
    else:  # that operation was the last one
        press(page, player, START)
    # Play: the ipywidgets Play button steps on its own until paused
    play = player.locator(".widget-play button").first
    start = readout(player)
    play.click()
    page.wait_for_function(
        "([el, s]) => +el.textContent.trim() >= s + 2",
        arg=[player.locator(".widget-readout").first.element_handle(), start],
        timeout=20_000,
    )
    play.click()  # pause
    paused = readout(player)
    page.wait_for_timeout(1200)
    assert readout(player) == paused >= start + 2, "pause stops the player"
    # the keyboard: with the player focused, arrows step (keys.js sends them to Python)
    pos = readout(player)
    player.locator(".vmw-narration").click()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "([el, p]) => +el.textContent.trim() === p - 1",
        arg=[player.locator(".widget-readout").first.element_handle(), pos],
        timeout=10_000,
    )
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([el, p]) => +el.textContent.trim() === p",
        arg=[player.locator(".widget-readout").first.element_handle(), pos],
        timeout=10_000,
    )
    # select a node: the click goes to Python and comes back as the 'sel' class
    node = scene.locator("g.vmw-node[data-sel]").first
    node.scroll_into_view_if_needed()
    clicked = node.element_handle()  # (a folded tree opens: the first box may be another after)
    node.click()
    page.wait_for_function("el => el.classList.contains('sel')", arg=clicked, timeout=10_000)
    page.screenshot(path=str(artifacts / f"{name}-4-selected.png"))


def shot(page, scene, artifacts, name: str) -> None:
    scene.scroll_into_view_if_needed()
    scene.screenshot(path=str(artifacts / f"{name}.png"))


@pytest.mark.parametrize(
    ("lesson", "title", "changed", "what"),
    [
        ("04-vmalloc.ipynb", re.compile(r"^vmlist"), lambda b, a: bool(new_records(b, a)), "vmalloc"),
        ("03-page-tables.ipynb", re.compile(r"^page tables"), new_pte_rows, "pagetables"),
        # a recolouring in a tree of three or more nodes: insert case 1 or after a rotation
        ("05-vmas.ipynb", re.compile(r"^mm_rb"), lambda b, a: bool(turned_black(b, a)) and len(a) > 4, "vmas"),
        # issue 15: a browser's 13,623 VMAs; find_vma's search goes down the folded tree
        ("07-then-and-now.ipynb", re.compile(r"^mm_rb of mm chromium"), lambda b, a: visits(a) > visits(b), "big"),
    ],
)
def test_player_changes_the_view_as_the_events_say(lab, page, artifacts, lesson, title, changed, what) -> None:
    run_all_in_lab(page, lab, lesson)
    pairs = boxes_with_view(page, title)
    assert pairs, f"{lesson} shows a player with a {title.pattern} view"
    player, scene, before, after = drive_until(page, pairs, changed)
    shot(page, scene, artifacts, f"drive-{what}-2-changed")
    if what == "vmalloc":
        (rec,) = new_records(before, after)
        assert "hl" in after[rec].split(" | ")[0], "the record just linked is highlighted"
    if what == "vmas":
        for node in turned_black(before, after):
            assert after[node].split(" | ")[1].startswith("B "), "black nodes are lettered B"
    if what == "big":  # folded: a few dozen boxes, the rest counted in "⋯ n" boxes
        assert len(after) < 200 and any("⋯" in v for v in after.values()), "the 13,623-node tree is folded"
    assert press(page, player, BACK)
    assert picture(scene) == before, "stepping back shows exactly the earlier picture"
    shot(page, scene, artifacts, f"drive-{what}-3-stepped-back")
    assert press(page, player, FORWARD)
    assert picture(scene) == after
    check_common(page, player, scene, artifacts, f"drive-{what}")
    assert not page.errors, page.errors[:3]
