"""The same widgets in Notebook 7, in Voila, in JupyterLab's dark theme, and a broken front
end caught: the checks that the lessons' browser tests rely on can fail."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from playwright.sync_api import expect

from .harness import Server, check_rendered, run_all, run_all_in_lab, widget_errors

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_lesson_in_notebook_7(notebook7, page, artifacts) -> None:
    run_all(page, f"{notebook7.url}/notebooks/notebooks/04-vmalloc.ipynb")
    check_rendered(page)
    scene = page.locator(".vmw-scene").first
    scene.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "notebook7-04-vmalloc.png"))
    assert page.locator(".vmw-scene").count() >= 3


def one_cell(path, source: str) -> None:
    """Write a notebook of one code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)


@pytest.fixture
def voila(tmp_path):
    (tmp_path / "root").mkdir()
    one_cell(
        tmp_path / "root" / "explorer.ipynb",
        "from vmwidgets import Config, Kernel, explore\n"
        "k = Kernel(Config(aged=True, seed=4))\n"
        "for size in (3, 2, 4):\n"
        "    k.vmalloc(size * 4096, caller='voila_demo')\n"
        "explore(k)",
    )
    server = Server("voila", tmp_path, tmp_path / "root", target=str(tmp_path / "root" / "explorer.ipynb"))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_explorer_in_voila(voila, page, artifacts) -> None:
    page.goto(voila.url + "/")
    expect(page.locator(".vmw-scene").first).to_be_visible(timeout=120_000)
    page.wait_for_function("() => document.querySelectorAll('.vmw-scene[data-draws]').length >= 4", timeout=60_000)
    assert not widget_errors(page)
    record = page.locator(
        '.vmw-scene:has(.vmw-title:text-matches("^vmlist")) g.vmw-node[data-id^="vm:"]:not(.vmw-exit)'
    ).first
    record.click()  # linked selection: the layout marks the same vm_struct
    page.wait_for_function(
        "() => document.querySelectorAll('g.vmw-node.sel').length >= 2", timeout=20_000
    )  # the record and its band in the layout
    expect(page.get_by_text(re.compile("selected vm_struct at 0x"))).to_be_visible()
    page.screenshot(path=str(artifacts / "voila-explorer.png"), full_page=True)
    assert not page.errors, page.errors[:3]


def _luminance(rgb: str) -> float:
    vals = [int(x) / 255 for x in re.findall(r"\d+", rgb)[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in vals]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_dark_theme_is_readable(dark_lab, page, artifacts) -> None:
    run_all_in_lab(page, dark_lab, "04-vmalloc.ipynb")
    check_rendered(page)
    scene = page.locator(".vmw-scene").first
    scene.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dark-04-vmalloc.png"))
    colours = scene.evaluate(
        """el => ({bg: getComputedStyle(el).backgroundColor,
                   text: getComputedStyle(el.querySelector('text.vmw-text:not(.c0)') || el).fill,
                   title: getComputedStyle(el.querySelector('.vmw-title')).color,
                   body: getComputedStyle(document.body).backgroundColor})"""
    )
    bg = _luminance(colours["bg"])
    assert bg < 0.2, f"the view follows the dark theme: background {colours['bg']}"
    for key in ("text", "title"):
        fg = _luminance(colours[key])
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        assert ratio >= 4.5, f"{key} {colours[key]} on {colours['bg']}: contrast {ratio:.1f} < 4.5 (WCAG AA)"


def test_a_broken_front_end_is_caught(lab, page, artifacts) -> None:
    """The error checks the lesson tests use do fail on a widget whose JavaScript throws."""
    one_cell(
        lab.root_dir / "notebooks" / "broken.ipynb",
        "import anywidget\n"
        "class Broken(anywidget.AnyWidget):\n"
        "    _esm = 'export default { render() { throw new Error(\"deliberately broken front end\"); } }'\n"
        "Broken()",
    )
    run_all_in_lab(page, lab, "broken.ipynb")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "broken-front-end.png"))
    print("page errors:", page.errors, "console errors:", page.console_errors)
    with pytest.raises(AssertionError, match="broken widgets"):
        check_rendered(page)


def test_servers_leave_nothing_behind(tmp_path) -> None:
    """A server is stopped by its PID, its kernels with it."""
    (tmp_path / "root").mkdir()
    server = Server("lab", tmp_path, tmp_path / "root")
    pid = server.proc.pid
    server.stop()
    assert server.proc.poll() is not None
    import os

    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
