"""The zero-install JupyterLite site (`make lite`) as a student meets it: build/lite served on
127.0.0.1, every request for another host aborted and counted (there must be none), each
lesson opened and run in Pyodide, every widget drawn; a player stepped and stepped back in
the vmalloc, page-table and VMA lessons. The site is built first if an input changed."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from .conftest import NOTEBOOKS
from .harness import (
    BACK,
    boxes_with_view,
    check_rendered,
    drive_until,
    lite_drive,
    picture,
    press,
    run_all,
    watched_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.lite, pytest.mark.slow]

drive = lite_drive()

LESSONS = [
    *sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")),
    NOTEBOOKS / "demo-widgets.ipynb",
    NOTEBOOKS / "teachers-guide.ipynb",
]
# a lesson's player with a view of this title, stepped until that view changes
PLAYERS = {"03-page-tables.ipynb": r"^page tables", "04-vmalloc.ipynb": r"^vmlist", "05-vmas.ipynb": r"^mm_rb"}


def shows_widgets(path) -> bool:
    """Whether the lesson as saved in the repository displays a widget (00 prints only)."""
    nb = json.loads(path.read_text())
    return any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
               for cell in nb["cells"] for out in cell.get("outputs", []))  # fmt: skip


@pytest.fixture(scope="module")
def site(artifacts):
    # as with Chromium (conftest.py): a developer without npm skips, CI fails loudly
    if shutil.which("npm") is None and not os.environ.get("CI"):
        pytest.skip("npm is missing: make lite needs Node.js and npm (apt-get install nodejs npm)")
    drive.build_site(artifacts / "lite-build.log")
    server = drive.SiteServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def lite_page(browser, site, artifacts, request):
    """A fresh offline context and page (the conftest ``page`` fixture's hooks, without the network)."""
    yield from watched_page(drive.offline_context(browser), artifacts, request)


def step_a_player(page, title: str, shot) -> None:
    """Step the first player with a ``title`` view until that view changes (screenshot ``shot``),
    then step back to the earlier picture."""
    pairs = boxes_with_view(page, re.compile(title))
    assert pairs, f"a player with a {title} view"
    player, scene, before, _ = drive_until(page, pairs[:1], lambda b, a: b != a)
    scene.scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    assert press(page, player, BACK), "step back moves the player"
    assert picture(scene) == before, "stepping back shows the earlier picture again"


@pytest.mark.parametrize("name", [p.name for p in LESSONS])
def test_lesson_runs_offline_in_jupyterlite(site, lite_page, artifacts, name: str) -> None:
    page = lite_page
    run_all(page, site.lesson_url(name))
    check_rendered(page)
    stem = name.removesuffix(".ipynb")
    if shows_widgets(NOTEBOOKS / name):
        assert page.locator(".vmw-scene").count() >= 1, "the lesson shows its views"
        page.locator(".vmw-scene").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"lite-{stem}.png"))
    if name in PLAYERS:
        step_a_player(page, PLAYERS[name], artifacts / f"lite-{stem}-stepped.png")
    assert page.context.offsite == [], f"requests for other hosts: {page.context.offsite[:5]}"
