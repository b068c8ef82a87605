"""The course website (`make site`) as a reader meets it: built once with the JupyterLite site of
`make lite` beside it (``website/build.py --lite build/lite``), served on 127.0.0.1 with every
other host aborted and counted (there must be none), no page or console error. In the page-
table, vmalloc and VMA lessons a player is stepped with its buttons, keys, play/pause and
slider, and at each stop what the page draws (every view's boxes and their texts, the
narration) is what the same lesson's widgets show in Python at that step: the lesson's code
cells are run in this process for that. Lesson 4's predict-then-check question is answered
wrong, then right; one page is opened from ``file://``; the API reference and its search work;
every relative link of the site resolves, and each lesson links to itself in the JupyterLite
copy.

``VMW_SITE=DIR`` tests a site already built there instead of building one (about 50 s).
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from .conftest import NOTEBOOKS
from .harness import ROOT, lite_drive, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.site, pytest.mark.lite, pytest.mark.slow]

pytest.importorskip("sphinx", reason="the site needs Sphinx (Python >= 3.11)")
pytest.importorskip("myst_nb", reason="the site needs myst-nb (Python >= 3.11)")

drive = lite_drive()

# per lesson: the cell that displays the player (a text of its source), the player's name in
# the lesson's code and its views' names, in the order the cell shows them
LESSONS = {
    "03-page-tables": ("install = Player(fresh", "install", ["install_view"]),
    "04-vmalloc": ("VBox([vfree_player,", "vfree_player", ["vfree_view", "vfree_tables", "vfree_frames"]),
    "05-vmas": ("p1 = Player(task", "p1", ["tree1"]),
    # issue 15: a browser's 13,623 VMAs, folded; the page steps find_vma through the tree
    "07-then-and-now": (
        "chrome_explorer = explore(chrome)",
        "chrome_explorer.player",
        [f"chrome_explorer.views[{i}]" for i in (1, 0, 2, 3)],  # in the page's order: the layout first
    ),
}
QUESTION_CELL = "ExerciseWidget(question, player=player"
FORWARD, BACK = "one step forward (→)", "one step back (←)"
NEXT_OP = "to the end of this or the next operation (PageDown)"
PREV_OP = "to the start of this or the previous operation (PageUp)"
READY = "html[data-vmw-ready]"


# -- the site and the lessons' live widgets ---------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory, artifacts) -> Path:
    if os.environ.get("VMW_SITE"):
        return Path(os.environ["VMW_SITE"])
    out = tmp_path_factory.mktemp("site") / "site"
    drive.build_site(artifacts / "lite-build.log")  # at once when test_lite built it: the pages link to it
    cmd = [sys.executable, str(ROOT / "website" / "build.py"), "--lite", str(drive.SITE), "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    (artifacts / "site-build.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, f"website/build.py failed:\n{(done.stdout + done.stderr)[-3000:]}"
    return out


@pytest.fixture(scope="module")
def server(site):
    with drive.SiteServer(site) as s:
        yield s


@pytest.fixture
def site_page(browser, server, artifacts, request):
    """A fresh page in an offline context (127.0.0.1 only), collecting page and console errors."""
    yield from watched_page(drive.offline_context(browser), artifacts, request)


_RUN: dict[str, dict[str, Any]] = {}


def lesson_namespace(name: str) -> dict[str, Any]:
    """The namespace of lesson ``name`` with all its code cells run here, as the site's kernel ran them."""
    if name not in _RUN:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        ns: dict[str, Any] = {"__name__": "__notebook__"}
        saved, cwd = os.environ.get("VMWIDGETS_STORED_MAPS"), os.getcwd()
        os.environ["VMWIDGETS_STORED_MAPS"] = "1"  # as website/build.py runs the lessons
        os.chdir(NOTEBOOKS)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        exec(compile(cell.source, f"{name}.ipynb", "exec"), ns)
        finally:
            os.chdir(cwd)
            if saved is None:
                os.environ.pop("VMWIDGETS_STORED_MAPS")
            else:
                os.environ["VMWIDGETS_STORED_MAPS"] = saved
        _RUN[name] = ns
    return _RUN[name]


def scene_order(view) -> list:
    """The view's scene widgets in the order the page mounts them (its tree, depth first)."""
    from vmwidgets.widgets.replay import PageData

    pd = PageData()
    tree = pd.tree(view)
    by_id = {pd.ident(sw, "s"): sw for sw in view.scenes}
    found: list = []

    def walk(t: Any) -> None:
        if isinstance(t, dict):
            if t.get("t") == "scene":
                found.append(by_id[t["id"]])
            for key in ("box", "c"):
                if key in t:
                    walk(t[key])
        elif isinstance(t, list):
            for c in t:
                walk(c)

    walk(tree)
    assert len(found) == len(view.scenes), "every scene of the view is mounted"
    return found


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # as JavaScript's String() writes it
    return str(v)


def python_drawing(player, views: list, pos: int) -> list[list[dict[str, list[str]]]]:
    """Per view, per scene: each box's id and its texts, as the live widgets show them at step ``pos``."""
    if player.limit is not None and pos > player.limit:
        player.release()
    player.seek(pos)
    player._render()  # the views may show an older length of the timeline (replay.py does the same)
    out = []
    for view in views:
        scenes = []
        for sw in scene_order(view):
            nodes = {}
            for n in (sw.scene or {}).get("nodes", []):
                cells = [c for row in n.get("rows") or [] for c in (row if isinstance(row, list) else row["c"])]
                nodes[str(n["id"])] = [_text(c) for c in cells if c is not None and c != ""]
            scenes.append(nodes)
        out.append(scenes)
    return out


def plain(markup: str) -> str:
    """HTML as its text (what the page shows of it), spaces normalised."""
    text = re.sub(r"<!--.*?-->", "", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


# -- what the page shows ----------------------------------------------------------------------
PAGE_DRAWING = """(out) => [...out.querySelectorAll('.vmw-view')].map((v) =>
  [...v.querySelectorAll('.vmw-scene')].map((s) => Object.fromEntries(
    [...s.querySelectorAll('.vmw-node:not(.vmw-exit)')].map((g) =>
      [g.dataset.id, [...g.querySelectorAll('text')].map((t) => t.textContent)]))))"""


def cell_output(page, source: str):
    """The output of the (only) cell whose code contains ``source``."""
    cell = page.locator("div.cell").filter(has=page.locator(".cell_input", has_text=source))
    assert cell.count() == 1, f"one cell with {source!r}"
    return cell.locator(".cell_output")


def position(box) -> int:
    return int(box.get_attribute("data-position"))


def wait_position(page, box, want: int, timeout: int = 5000) -> None:
    page.wait_for_function("([el, p]) => +el.dataset.position === p", arg=[box.element_handle(), want], timeout=timeout)


def same_drawing(page, out, box, player, views: list, name: str) -> int:
    """The page's drawing and narration at the player's position equal the live widgets' at that step."""
    pos = position(box)
    want = python_drawing(player, views, pos)
    deadline = time.monotonic() + 2
    while True:
        got = out.evaluate(PAGE_DRAWING)
        if got == want or time.monotonic() > deadline:
            break
        page.wait_for_timeout(50)
    assert len(got) == len(want), f"{name} step {pos}: {len(got)} views drawn, {len(want)} in Python"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert len(g) == len(w), f"{name} step {pos}, view {views[i]}: {len(g)} scenes, {len(w)} in Python"
        for j, (gs, ws) in enumerate(zip(g, w, strict=True)):
            assert set(gs) == set(ws), (
                f"{name} step {pos}, view {i} scene {j}: boxes only on the page {sorted(set(gs) - set(ws))[:5]}, "
                f"only in Python {sorted(set(ws) - set(gs))[:5]}"
            )
            bad = [k for k in ws if gs[k] != ws[k]]
            assert not bad, f"{name} step {pos}, view {i} scene {j}, box {bad[0]}: {gs[bad[0]]} != {ws[bad[0]]}"
    narration = " ".join(box.locator(".vmw-narr").text_content().split())
    assert narration == plain(player.narration.value), f"{name} step {pos}: the narration"
    return pos


def assert_clean(page) -> None:
    assert page.errors == [], f"page errors: {page.errors[:3]}"
    assert page.console_errors == [], f"console errors: {page.console_errors[:3]}"
    assert page.context.offsite == [], f"requests for other hosts: {page.context.offsite[:5]}"


def open_lesson(page, server, name: str) -> None:
    page.goto(f"{server.url}/lessons/{name}.html")
    page.wait_for_selector(READY, state="attached")
    page.wait_for_function("() => [...document.querySelectorAll('.vmw-scene')].every((s) => +s.dataset.draws >= 1)")


# -- the tests --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LESSONS))
def test_player_steps_and_draws_what_python_shows(site_page, server, name: str) -> None:
    page = site_page
    source, player_name, view_names = LESSONS[name]
    ns = lesson_namespace(name)
    player, views = eval(player_name, ns), [eval(v, ns) for v in view_names]
    n = len(player.timeline)
    open_lesson(page, server, name)
    out = cell_output(page, source)
    box = out.locator(".vmw-page-player")
    assert box.count() == 1
    assert out.locator(".vmw-view").count() == len(views)
    box.scroll_into_view_if_needed()
    slider = box.locator(".vmw-slider")
    # the whole timeline, or up to the call a later question asks about (it holds this player too)
    reach = n if player.limit is None else player.limit
    assert int(slider.get_attribute("max")) == reach
    start = same_drawing(page, out, box, player, views, name)

    def click(label: str) -> None:
        box.get_by_role("button", name=label, exact=True).click()

    # a button step forward and back
    click(FORWARD)
    wait_position(page, box, start + 1)
    same_drawing(page, out, box, player, views, name)
    click(BACK)
    wait_position(page, box, start)
    same_drawing(page, out, box, player, views, name)

    # the keyboard: → then PageDown (to the end of this operation), as Python's player moves
    box.focus()
    page.keyboard.press("ArrowRight")
    wait_position(page, box, start + 1)
    player.seek(start + 1)
    player.next_operation()
    end_of_op = player.position
    assert end_of_op > start + 1
    page.keyboard.press("PageDown")
    wait_position(page, box, end_of_op)
    same_drawing(page, out, box, player, views, name)
    # the PageUp button: back to the start of that operation
    player.prev_operation()
    click(PREV_OP)
    wait_position(page, box, player.position)
    same_drawing(page, out, box, player, views, name)
    click(NEXT_OP)
    wait_position(page, box, end_of_op)

    # play at the fastest speed, then pause: the player moves, then stops
    speed = box.locator("select")
    fastest = speed.locator("option").last.get_attribute("value")
    speed.select_option(fastest)
    click("to the start (Home)")
    wait_position(page, box, 0)
    click("play (space)")
    assert box.get_attribute("data-playing") == "1"
    page.wait_for_function("(el) => +el.dataset.position >= 3", arg=box.element_handle(), timeout=5000)
    click("pause (space)")
    assert box.get_attribute("data-playing") == "0"
    paused = position(box)
    assert 3 <= paused < reach
    page.wait_for_timeout(400)
    assert position(box) == paused, "a paused player stays"
    same_drawing(page, out, box, player, views, name)
    # space plays and pauses too
    box.focus()
    page.keyboard.press(" ")
    page.wait_for_function("([el, p]) => +el.dataset.position > p", arg=[box.element_handle(), paused], timeout=5000)
    page.keyboard.press(" ")
    assert box.get_attribute("data-playing") == "0"

    # the slider, dragged with the mouse to about its middle, then set to a step
    r = slider.bounding_box()
    page.mouse.move(r["x"] + 4, r["y"] + r["height"] / 2)
    page.mouse.down()
    page.mouse.move(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2, steps=5)
    page.mouse.up()
    dragged = position(box)
    assert reach // 4 < dragged < 3 * reach // 4, f"dragged to the middle of {reach} steps: {dragged}"
    assert int(slider.input_value()) == dragged
    same_drawing(page, out, box, player, views, name)
    target = end_of_op - 1
    slider.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('input', { bubbles: true })); }", target)
    wait_position(page, box, target)
    same_drawing(page, out, box, player, views, name)

    # End and Home
    box.focus()
    page.keyboard.press("End")
    wait_position(page, box, reach)
    same_drawing(page, out, box, player, views, name)
    page.keyboard.press("Home")
    wait_position(page, box, 0)
    assert box.locator(".vmw-pos").text_content().startswith(f"0 / {n}")
    assert_clean(page)


def test_question_holds_then_reveals(site_page, server, artifacts) -> None:
    page = site_page
    ns = lesson_namespace("04-vmalloc")
    question, player, view = ns["question"], ns["player"], ns["vmlist_view"]
    hold, reveal, n = ns["call"].start, ns["linked"] + 1, len(player.timeline)
    wrong = hex(next(iter(question.mistakes)))
    right = hex(question.value)
    garbage = "somewhere?"
    assert not question.understood(garbage) and question.understood(wrong)
    open_lesson(page, server, "04-vmalloc")
    out = cell_output(page, QUESTION_CELL)
    ex, box = out.locator(".vmw-page-exercise"), out.locator(".vmw-page-player")
    slider, reply = box.locator(".vmw-slider"), ex.locator(".vmw-reply")
    commit, show_me = ex.get_by_role("button", name="Commit and reveal"), ex.get_by_role("button", name="Show me")
    ex.scroll_into_view_if_needed()
    assert position(box) == hold and int(slider.get_attribute("max")) == hold, "held just before the call"
    assert show_me.is_hidden()
    worked = ex.locator(".vmw-after")
    assert question.worked and worked.is_hidden() and not worked.text_content(), "no worked answer before a commit"

    def feedback() -> str:
        return " ".join(ex.locator(".vmw-feedback-box .vmw-feedback").first.text_content().split())

    # an unreadable reply: feedback, not an attempt
    reply.fill(garbage)
    commit.click()
    assert ex.locator(".vmw-wrong").count() == 1
    assert feedback() == "✘ " + " ".join(question.check(garbage).message.split())
    assert (ex.get_attribute("data-attempts") or "0") == "0"
    assert show_me.is_hidden()

    # the anticipated mistake: its own message; the player stays held
    reply.fill(wrong)
    commit.click()
    page.wait_for_function("(el) => el.dataset.attempts === '1'", arg=ex.element_handle())
    assert ex.locator(".vmw-wrong").count() == 1
    assert feedback() == "✘ " + " ".join(question.check(wrong).message.split())
    assert ex.get_attribute("data-correct") == "0"
    assert show_me.is_visible(), "Show me is offered after a wrong answer"
    assert worked.is_hidden(), "a wrong answer does not show the worked answer"
    box.focus()
    for key in ("End", "ArrowRight", "PageDown"):
        page.keyboard.press(key)
        page.wait_for_timeout(100)
        assert position(box) == hold, f"{key} does not pass the hold"
    box.get_by_role("button", name="to the end (End)").click()
    assert position(box) == hold and int(slider.get_attribute("max")) == hold
    assert "held" in box.locator(".vmw-pos").text_content()

    # the right answer (Enter commits): ✔, released, at the reveal step
    reply.fill(right)
    reply.press("Enter")
    page.wait_for_function("(el) => el.dataset.correct === '1'", arg=ex.element_handle())
    assert ex.locator(".vmw-right").count() == 1
    assert feedback() == "✔ " + " ".join(question.check(right).message.split())
    assert ex.get_attribute("data-attempts") == "2"
    wait_position(page, box, reveal)
    assert int(slider.get_attribute("max")) == n, "released: every step is reachable"
    assert show_me.is_hidden()
    assert worked.is_visible() and f"{question.value:#010x}" in worked.text_content()  # shown with the answer
    assert worked.locator("pre").count() == 1, "the search's steps, preformatted"
    same_drawing(page, out, box, player, [view], "04-vmalloc question")
    box.focus()
    page.keyboard.press("ArrowRight")
    wait_position(page, box, reveal + 1)
    page.keyboard.press("ArrowLeft")
    wait_position(page, box, reveal)
    box.evaluate("(el) => el.scrollIntoView({ block: 'start' })")  # the player and its vmlist view
    page.wait_for_timeout(500)  # the transitions
    shot = artifacts / "site-04-stepped.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    assert_clean(page)


@pytest.fixture
def file_page(browser, artifacts, request):
    """A fresh page in a context where only file: URLs load; any other request is aborted and kept."""
    ctx = browser.new_context(service_workers="block", viewport={"width": 1400, "height": 1000})
    ctx.offsite = []

    def abort(route) -> None:
        ctx.offsite.append(route.request.url)
        route.abort()

    ctx.route(lambda url: not url.startswith("file:"), abort)
    yield from watched_page(ctx, artifacts, request)


def test_lesson_works_from_file_url(file_page, site) -> None:
    page = file_page
    asked: list[str] = []
    page.on("request", lambda r: r.url.startswith(("file:", "data:")) or asked.append(r.url))
    page.goto((site / "lessons" / "04-vmalloc.html").as_uri())
    page.wait_for_selector(READY, state="attached")
    box = cell_output(page, LESSONS["04-vmalloc"][0]).locator(".vmw-page-player")
    start = position(box)
    box.focus()
    page.keyboard.press("ArrowRight")
    wait_position(page, box, start + 1)
    page.keyboard.press("ArrowLeft")
    wait_position(page, box, start)
    assert asked == [], f"requests from file://: {asked[:5]}"
    assert_clean(page)


def test_api_reference_and_search(site_page, server) -> None:
    page = site_page
    page.goto(f"{server.url}/api.html")
    assert "vmalloc" in page.locator("body").inner_text()
    page.goto(f"{server.url}/search.html?q=vmalloc")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=20_000)
    assert results.count() >= 1
    assert_clean(page)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.links.append((tag, k, v))


def test_every_relative_link_resolves(site) -> None:
    pages = sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "live")  # JupyterLite's own
    assert len(pages) >= 10
    broken, remote = [], []
    for path in pages:
        parser = _Links()
        parser.feed(path.read_text(encoding="utf-8"))
        for tag, attr, value in parser.links:
            scheme = urlsplit(value).scheme
            if scheme in ("http", "https") or value.startswith("//"):
                if tag in ("script", "link", "img", "iframe"):
                    remote.append(f"{path.relative_to(site)}: <{tag} {attr}={value}>")
                continue
            if scheme in ("mailto", "data", "javascript") or value.startswith("#"):
                continue
            target = unquote(value.split("#")[0].split("?")[0])
            if not target:
                continue
            resolved = (path.parent / target).resolve()
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.exists():
                broken.append(f"{path.relative_to(site)}: {value}")
    assert not remote, f"pages load from other hosts: {remote[:5]}"
    assert not broken, f"{len(broken)} broken links: {broken[:10]}"


def test_each_lesson_links_to_itself_in_jupyterlite(site) -> None:
    """With build/lite beside it, the site carries it as live/ and each lesson page links to
    the same notebook there."""
    lessons = sorted((site / "lessons").glob("[0-9][0-9]-*.html"))
    assert len(lessons) == 10  # 00-quick-start and lessons 1-9
    for page in lessons:
        link = f'href="../live/lab/index.html?path={page.stem}.ipynb"'
        assert link in page.read_text(encoding="utf-8"), page.name
        assert (site / "live" / "files" / f"{page.stem}.ipynb").is_file()
    assert (site / "live" / "lab" / "index.html").is_file()
    guide = (site / "teachers.html").read_text(encoding="utf-8")  # the guide for teachers, at the site's root
    assert 'href="live/lab/index.html?path=teachers-guide.ipynb"' in guide
    assert (site / "live" / "files" / "teachers-guide.ipynb").is_file()
