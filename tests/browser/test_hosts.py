"""The front end in every host a student may open it in -- JupyterLab light and dark, VS Code
light, VS Code dark (whose widget output is painted white), VS Code's newer bridged renderer
(dark, high contrast), Colab light and dark, a plain page -- reproduced as static pages on
127.0.0.1 (see hostpages.py), with real scenes. In each: a screenshot, every text of ours
readable against what is actually behind it (WCAG AA, 4.5:1), the widgets in the host's
colour scheme, names for every icon-only control, and nothing fetched from outside the machine."""

from __future__ import annotations

import pytest

from .harness import lite_drive
from .hostpages import BUTTONS, HOSTS, MEASURE, NAMES, build_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

drive = lite_drive()

WCAG_AA = 4.5


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The pages, served from a temporary folder on loopback; the server stopped after."""
    root = tmp_path_factory.mktemp("hosts")
    build_site(root)
    with drive.SiteServer(root) as server:
        yield server.url


@pytest.fixture(scope="module")
def tab(browser):
    """One page for every host (a fresh one each would double the time), in a context where every
    request off this machine is aborted and recorded (``ctx.offsite``), and errors recorded."""
    ctx = drive.offline_context(browser, viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    pg.outside, pg.errors = ctx.offsite, []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    ctx.close()


def _open(tab, site: str, host: str) -> None:
    tab.outside.clear()
    tab.errors.clear()
    tab.goto(f"{site}/{host}.html")
    tab.wait_for_function(
        """() => { const s = [...document.querySelectorAll('.vmw-scene')];
                   return s.length > 0 && s.every((e) => +e.dataset.draws >= 1)
                          && document.querySelector('.vmw-player').hasAttribute('tabindex'); }"""
    )


@pytest.mark.parametrize("host", list(HOSTS))
def test_readable_and_named_in(host, site, tab, artifacts) -> None:
    _open(tab, site, host)
    page = tab
    page.screenshot(path=str(artifacts / f"host-{host}.png"), full_page=True)
    assert not page.errors, page.errors
    assert page.outside == [], f"requests off this machine: {page.outside}"

    got = page.evaluate(MEASURE)
    checks = got["checks"]
    kinds = {c["what"] for c in checks}
    assert kinds == {"title", "zoom button", "narration", "pseudo-code", "keys hint", "maps table", "view text"}, kinds
    poor = [c for c in checks if c["ratio"] < WCAG_AA]
    worst = min(checks, key=lambda c: c["ratio"])
    print(f"{host}: {len(checks)} texts, view background {got['viewBackground']}, "
          f"lowest contrast {worst['ratio']:.2f} ({worst['what']} {worst['fg']} on {worst['bg']})")  # fmt: skip
    assert not poor, f"{len(poor)} texts below {WCAG_AA}:1 in {host}, e.g. " + "; ".join(
        f"{c['what']} {c['text']!r} ({c['detail']}) {c['fg']} on {c['bg']}: {c['ratio']:.2f}" for c in poor[:8]
    )
    want = HOSTS[host]
    lum = got["viewLuminance"]
    assert (lum < 0.2) if want.scheme == "dark" else (lum > 0.6), (
        f"the views should take the host's {want.scheme} scheme in {host}: background {got['viewBackground']}"
    )
    # the host's own colours where they contrast; the fixed palettes only where they do not
    assert got["fallbacks"] == ([want.scheme] if want.fallback else []), got["fallbacks"]

    names = page.evaluate(NAMES)
    assert len(names["buttons"]) == 9, names["buttons"]  # six steppers, Play's play, stop and repeat
    unnamed = [b for b in names["buttons"] if not b["label"] or not b["title"]]
    assert not unnamed, f"icon-only buttons without aria-label and title: {unnamed}"
    steppers = [b for b in names["buttons"] if b["title"] in dict(BUTTONS).values()]
    assert len(steppers) == 6 and all(b["label"] == b["title"] for b in steppers), "the Player's tooltips name them"
    # Play's one button turns from play to pause: its name follows
    play = page.locator(".widget-play button").first
    play.locator("i").evaluate("i => (i.className = 'fa fa-pause')")
    page.wait_for_function("b => b.getAttribute('aria-label') === 'pause (space)'", arg=play.element_handle())
    assert all(names["sliders"]), f"a slider without a name: {names['sliders']}"
    assert all(z["label"] and z["title"] for z in names["zoom"]), names["zoom"]
    assert all(s["label"] for s in names["svg"]), names["svg"]
    assert names["svg"][0]["label"] == names["sceneTitle"]
    assert names["boxes"], "no selectable box drawn"
    assert all(b["role"] == "button" and b["label"] and b["pressed"] in ("true", "false") for b in names["boxes"])
