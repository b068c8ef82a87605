"""Every lesson, as a student meets it: opened clean in JupyterLab, Run All, every widget drawn."""

from __future__ import annotations

import pytest

from .conftest import LESSONS
from .harness import check_rendered, run_all_in_lab

pytestmark = [pytest.mark.browser, pytest.mark.notebook, pytest.mark.slow]


@pytest.mark.parametrize("name", [p.name for p in LESSONS])
def test_lesson_runs_and_renders_in_jupyterlab(lab, page, artifacts, name: str) -> None:
    run_all_in_lab(page, lab, name)
    check_rendered(page)
    assert page.locator(".vmw-scene").count() >= 1, "a lesson shows at least one view"
    first = page.locator(".vmw-player").first
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"lab-{name.removesuffix('.ipynb')}.png"))
