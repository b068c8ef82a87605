"""Servers and pages for the browser tests: JupyterLab, Notebook 7 and Voila on loopback,
driven by Playwright with Debian's Chromium (never a downloaded browser).

Every server runs with its own Jupyter directories under a temporary folder and is
stopped by its PID (the whole process group, kernels included), also when a test fails.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
BROKEN = re.compile("Error displaying widget|Click to show javascript error|Loading widget")
# errors raised in widget code (ours, anywidget's, ipywidgets'), not in the host application
WIDGET_CODE = re.compile(r"vmw|anywidget|jupyter-widgets|widget|render|blob:", re.I)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_copy(src: Path, dest_dir: Path) -> Path:
    """A copy of a notebook with no outputs, execution counts or saved widget state, so
    nothing can pass before the kernel has run it."""
    nb = nbformat.read(src, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    dest = dest_dir / src.name
    nbformat.write(nb, dest)
    return dest


class Server:
    """A Jupyter server (lab, notebook or voila) in its own process group."""

    def __init__(self, kind: str, base: Path, root_dir: Path, theme: str | None = None, target: str = "") -> None:
        self.kind, self.base, self.root_dir = kind, base, root_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = base / "config"
        self.env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(cfg),
            "JUPYTER_DATA_DIR": str(base / "data"),
            "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
            "IPYTHONDIR": str(base / "ipython"),
        }
        if theme:
            settings = cfg / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
            settings.mkdir(parents=True, exist_ok=True)
            (settings / "themes.jupyterlab-settings").write_text(json.dumps({"theme": theme}))
        bindir = Path(sys.executable).parent
        common = ["--no-browser", f"--port={self.port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=",
                  "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True", "--allow-root"]  # fmt: skip
        if kind == "voila":
            cmd = [str(bindir / "voila"), target, "--no-browser", f"--port={self.port}", "--Voila.ip=127.0.0.1"]
        else:
            cmd = [str(bindir / "jupyter"), kind, *common, f"--ServerApp.root_dir={root_dir}"]
        self.log = (base / f"{kind}.log").open("w")
        self.proc = subprocess.Popen(cmd, cwd=root_dir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited: see {self.log.name}")
            try:
                urllib.request.urlopen(self.url + ("/" if kind == "voila" else "/api/status"), timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{kind} did not start within 90 s: see {self.log.name}")

    def stop(self) -> None:
        """Stop the server and its kernels by the process group of its PID."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


def widget_errors(page) -> list[str]:
    """What a broken widget shows in the page: JupyterLab's and anywidget's error texts."""
    found = page.get_by_text(BROKEN)
    return [found.nth(i).text_content() or "" for i in range(found.count())]


def run_all(page, url: str) -> None:
    """Open the notebook at ``url`` (JupyterLab or Notebook 7), Run All, and wait until every
    code cell has run."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')).to_be_attached(timeout=90_000)
    no = page.get_by_role("button", name="No", exact=True)  # JupyterLab's "Jupyter news?" toast
    if no.count():
        no.first.click()
    prompts = "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
    started = f"() => {prompts}.some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"
    for attempt in range(4):  # Run All is ignored while the notebook is still settling: try again
        page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        try:
            page.wait_for_function(started, timeout=15_000)
            break
        except Exception:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
    page.wait_for_function(
        f"() => {prompts}.length > 0 && {prompts}.every(p => /\\[\\d+\\]/.test(p.textContent))", timeout=240_000
    )
    page.wait_for_timeout(800)  # let the last widgets draw


def run_all_in_lab(page, server: Server, name: str) -> None:
    """Open lesson ``name`` in JupyterLab, Run All, and wait until every code cell has run."""
    run_all(page, f"{server.url}/lab/tree/notebooks/{name}?reset")


def widget_failures(page) -> list[str]:
    """Every sign of a widget that did not render: the error texts JupyterLab and anywidget
    show, a widget output left empty, and errors logged by widget code."""
    found = widget_errors(page)
    empty = page.evaluate(
        """() => [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type*="widget-view"]')]
            .filter(o => o.getBoundingClientRect().height < 4).length"""
    )
    if empty:
        found.append(f"{empty} widget output(s) rendered nothing")
    logged = [e for e in [*page.errors, *getattr(page, "console_errors", [])] if WIDGET_CODE.search(e)]
    return found + [f"JavaScript error: {e[:300]}" for e in logged]


def check_rendered(page) -> None:
    """No widget failure, no Python error output, and every view drew at least once."""
    errors = widget_failures(page)
    assert not errors, f"broken widgets: {errors[:3]}"
    tracebacks = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]', has_text="Traceback")
    assert tracebacks.count() == 0, tracebacks.first.text_content()[:500]
    scenes = page.locator(".vmw-scene")
    for i in range(scenes.count()):
        assert int(scenes.nth(i).get_attribute("data-draws") or 0) >= 1, f"view {i} never drew"


def draws(page, scene) -> int:
    return int(scene.get_attribute("data-draws") or 0)


def click_and_wait(page, button, scene) -> None:
    """Click a player button and wait until ``scene`` redrew."""
    before = draws(page, scene)
    button.click()
    page.wait_for_function("([el, n]) => +el.dataset.draws > n", arg=[scene.element_handle(), before], timeout=15_000)
    page.wait_for_timeout(450)  # the transition


# -- driving a player as a student does -------------------------------------------------------
FORWARD, BACK, START, NEXT_OP = "one step forward", "one step back", "to the start (", "to the end of this or the next"


def readout(player) -> int:
    return int(player.locator(".widget-readout").first.text_content().strip() or 0)


def press(page, player, title: str, timeout: int = 4000) -> bool:
    """Click a player button; True once the player's position changed (False: it could not move)."""
    before = readout(player)
    player.locator(f'button[title^="{title}"]').click()
    try:
        page.wait_for_function(
            "([el, b]) => el.textContent.trim() !== b",
            arg=[player.locator(".widget-readout").first.element_handle(), str(before)],
            timeout=timeout,
        )
    except Exception:
        return False
    page.wait_for_timeout(250)  # the views' update follows the slider's
    return True


def boxes_with_view(page, title: re.Pattern):
    """(player, scene) pairs: a player and a view with a matching title displayed with it."""
    out = []
    players = page.locator(".vmw-player")
    for i in range(players.count()):
        player = players.nth(i)
        box = player.locator("xpath=..")
        scenes = box.locator(".vmw-scene").filter(has=page.locator(".vmw-title", has_text=title))
        if scenes.count():
            out.append((player, scenes.first))
    return out


def picture(scene) -> dict:
    """What a view shows: node id -> classes (the animation classes left out)."""
    return scene.evaluate(
        """el => Object.fromEntries([...el.querySelectorAll('g.vmw-node')]
            .filter(g => !g.classList.contains('vmw-exit'))
            .map(g => [g.dataset.id, [...g.classList].filter(c => !c.startsWith('vmw-')).sort().join(' ')
                       + ' | ' + [...g.querySelectorAll('text')].map(t => t.textContent).join('/')]))"""
    )


def drive_until(page, pairs, changed, max_steps: int = 80):
    """Step forward from the start of each candidate player until ``changed(before, after)``;
    returns (player, scene, before, after)."""
    for player, scene in pairs:
        player.scroll_into_view_if_needed()
        if readout(player) != 0 and not press(page, player, START):
            continue
        before = picture(scene)
        for _ in range(max_steps):
            if not press(page, player, FORWARD):
                break  # at the end, or held for a question
            after = picture(scene)
            if changed(before, after):
                return player, scene, before, after
            before = after
    raise AssertionError("no player showed the expected change")


def watched_page(ctx, artifacts: Path, request):
    """A page of ``ctx`` that collects page errors and console errors (``pg.errors``,
    ``pg.console_errors``); on a failed test a screenshot named after it is kept. Closes ``ctx``."""
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.errors, pg.console_errors = [], []
    pg.on("pageerror", lambda e: pg.errors.append(f"{e}\n{e.stack or ''}"))
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        pg.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=True)
    ctx.close()


def lite_drive():
    """lite/drive.py (the loopback server and offline browser context), loaded by path: lite/ is no package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lite_drive", ROOT / "lite" / "drive.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
