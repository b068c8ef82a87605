"""The widgets behave the same on ipywidgets 7.7 (Colab's) and 8: what ``compat`` bridges.

Run here on the project's ipywidgets 8, and by ``test_colab_stack.py`` on Colab's 7.7.1.
"""

from __future__ import annotations

import ipywidgets as w

from vmwidgets import Kernel, explore
from vmwidgets.widgets import LayoutView, Player
from vmwidgets.widgets.compat import PLAYING, is_playing, set_playing


def _player() -> tuple[Kernel, Player, LayoutView]:
    k = Kernel()
    k.vmalloc(3 * 4096, caller="a")
    k.vmalloc(4096, caller="b")
    view = LayoutView(k)
    return k, Player(k, [view]), view


def test_play_drives_the_slider_and_the_views_while_playing() -> None:
    k, player, view = _player()
    player.seek(0)
    before = view.scene.scene
    for i in range(1, 6):  # what Play's front end does while playing: it steps its own value
        player.play.value = i
        assert player.slider.value == player.position == i
    assert view.scene.scene != before, "the view did not follow Play"
    assert f"step 5 of {len(k.timeline)}" in player.narration.value


def test_the_slider_and_the_buttons_move_play_too() -> None:
    k, player, _ = _player()
    player.slider.value = 4
    assert player.play.value == player.position == 4
    player.step_forward()
    assert player.play.value == player.slider.value == 5
    player.seek(len(k.timeline))
    assert player.play.value == len(k.timeline)


def test_play_and_slider_stay_linked_through_hold_and_release() -> None:
    k, player, _ = _player()
    player.hold(3)
    assert player.play.max == player.slider.max == 3
    player.play.value = 3
    player.seek(len(k.timeline))  # held: stops at 3
    assert player.play.value == player.slider.value == player.position == 3
    player.release()
    assert player.play.max == player.slider.max == len(k.timeline)
    player.play.value = len(k.timeline)
    assert player.position == len(k.timeline)


def test_space_toggles_play_through_a_synced_trait() -> None:
    _, player, _ = _player()
    assert PLAYING in player.play.keys, f"Play has no synced {PLAYING!r} trait in ipywidgets {w.__version__}"
    assert not is_playing(player.play)
    player._on_key(player.keyboard, {"key": " "}, [])
    assert is_playing(player.play) and getattr(player.play, PLAYING) is True
    player._on_key(player.keyboard, {"key": " "}, [])
    assert not is_playing(player.play)
    set_playing(player.play, True)
    assert is_playing(player.play)


def test_player_buttons_have_tooltips_that_reach_the_front_end() -> None:
    _, player, _ = _player()
    for name, button in player.buttons.items():
        assert "tooltip" in button.keys, f"{name}: tooltip is not a synced trait"
        assert button.tooltip and button.icon, name


def test_explorer_tabs_have_their_titles() -> None:
    k = Kernel()
    k.vmalloc(4096)
    ex = explore(k)
    (tabs,) = [c for c in ex.children[2].children[1].children if isinstance(c, w.Tab)]
    assert [tabs.get_title(i) for i in range(len(tabs.children))] == ["page tables", "physical memory", "slab caches"]
    task = explore(k.spawn("cat"))  # an address space's explorer: no slab caches (they are the kernel's)
    (tabs,) = [c for c in task.children[2].children[1].children if isinstance(c, w.Tab)]
    assert [tabs.get_title(i) for i in range(len(tabs.children))] == ["page tables", "physical memory"]
