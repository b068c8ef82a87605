"""Fixtures for the browser tests: one Chromium, servers started and stopped per module."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from .harness import CHROMIUM, ROOT, Server, clean_copy, watched_page

ARTIFACTS = Path(os.environ.get("VMW_ARTIFACTS", ROOT / "artifacts" / "browser"))
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][1-9]-*.ipynb"))


def pytest_collection_modifyitems(config, items) -> None:
    # Without Chromium a developer's quick run skips these; CI runs them and fails loudly.
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        why = f"{CHROMIUM} is missing: 'make test' installs Debian's chromium (apt-get install chromium)"
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=why))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from .harness import ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _root(tmp: Path) -> Path:
    """A folder of clean copies of the notebooks (lessons read only package data, no repository file)."""
    root = tmp / "root"
    (root / "notebooks").mkdir(parents=True)
    for nb in [*LESSONS, NOTEBOOKS / "demo-widgets.ipynb"]:
        clean_copy(nb, root / "notebooks")
    return root


def _lab_settings(base: Path) -> None:
    """Render every cell (no windowing) so the tests can see them all."""
    d = base / "config" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    d.mkdir(parents=True, exist_ok=True)
    (d / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))


def _server(tmp_path_factory, kind: str, theme: str | None = None):
    """A server on a copy of the repository's notebooks; stopped and its folder removed after."""
    base = tmp_path_factory.mktemp(kind)
    _lab_settings(base)
    server = Server(kind, base, _root(base), theme=theme)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from _server(tmp_path_factory, "lab")


@pytest.fixture(scope="module")
def dark_lab(tmp_path_factory):
    yield from _server(tmp_path_factory, "lab", theme="JupyterLab Dark")


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory):
    yield from _server(tmp_path_factory, "notebook")


@pytest.fixture
def page(browser, artifacts, request):
    """A fresh page; on failure a screenshot named after the test is kept."""
    yield from watched_page(browser.new_context(viewport={"width": 1400, "height": 1000}), artifacts, request)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
