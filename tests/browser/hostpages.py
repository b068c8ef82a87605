"""Static pages that stand in for the hosts a student opens the widgets in: what each host
puts around a widget's output (theme variables, body classes, a forced background), with
the real front end (scene.js, keys.js and the style sheet) drawing real scenes inside.

Each host is reproduced from what it ships, not guessed:
- JupyterLab: the ``--jp-*`` values of its light and dark themes (JupyterLab 4), and the
  notebook's background ``--jp-layout-color0``.
- VS Code (vscode-jupyter's ipywidgets renderer, up to 2025): ``--vscode-*`` variables on
  ``<html>``, ``body.vscode-light|dark`` with ``data-vscode-theme-kind``, and every widget
  output wrapped in ``.cell-output-ipywidget-background { background: white !important }``
  (microsoft/vscode-jupyter#7161, "by design"). No ``--jp-*`` variables: the harsh case.
- VS Code, newer renderer: the output made transparent and ``--jp-*`` bridged from
  ``--vscode-*`` inside it (vscode-jupyter's jupyterlabThemeBridge.css); in a high-contrast
  theme it bridges the text colour but no background, so ipywidgets' white one stays -- a
  mismatched pair that only the front end's own check (scene.js, keys.js) can catch.
- Colab: ``html[theme=light|dark]`` with Colab's ``--colab-*`` variables, plus what its
  widget manager (colab-cdn-widget-manager) adds: ipywidgets' own light ``--jp-*``
  defaults (labvariables.css) with four of them remapped to ``--colab-*`` -- so in the dark
  theme ``--jp-ui-font-color1`` is light while ``--jp-layout-color1`` is still white.
- plain: no variables at all, a white page.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

from vmwidgets import Kernel
from vmwidgets.widgets import LayoutView, PageTableView, Player, VmaView, VmlistView

# the front end under test; VMW_FRONTEND=DIR tries another copy (e.g. an older one, to see these checks fail)
WIDGETS = Path(os.environ.get("VMW_FRONTEND") or Path(__file__).resolve().parents[2] / "vmwidgets" / "widgets")

JUPYTERLAB_LIGHT = """:root {
  --jp-layout-color0: white; --jp-layout-color1: white; --jp-layout-color2: #eee; --jp-layout-color3: #bdbdbd;
  --jp-ui-font-color0: #000; --jp-ui-font-color1: rgba(0,0,0,.87); --jp-ui-font-color2: rgba(0,0,0,.54);
  --jp-content-font-color1: rgba(0,0,0,.87); --jp-border-color1: #bdbdbd; --jp-border-color2: #e0e0e0;
  --jp-content-link-color: #0d47a1; --jp-brand-color1: #1976d2;
  --jp-ui-font-family: system-ui, sans-serif; --jp-code-font-family: monospace;
}
body { background: var(--jp-layout-color0); color: var(--jp-content-font-color1); }"""

JUPYTERLAB_DARK = """:root {
  --jp-layout-color0: #111; --jp-layout-color1: #212121; --jp-layout-color2: #424242; --jp-layout-color3: #616161;
  --jp-ui-font-color0: #fff; --jp-ui-font-color1: rgba(255,255,255,.87); --jp-ui-font-color2: rgba(255,255,255,.54);
  --jp-content-font-color1: #fff; --jp-border-color1: #616161; --jp-border-color2: #424242;
  --jp-content-link-color: #64b5f6; --jp-brand-color1: #2196f3;
  --jp-ui-font-family: system-ui, sans-serif; --jp-code-font-family: monospace;
}
body { background: var(--jp-layout-color0); color: var(--jp-content-font-color1); }"""

# ipywidgets' controls CSS (widgets.css imports labvariables.css): light defaults on :root
LABVARIABLES = """:root {
  --jp-layout-color0: white; --jp-layout-color1: white; --jp-layout-color2: #eeeeee; --jp-layout-color3: #bdbdbd;
  --jp-ui-font-color0: rgba(0,0,0,1); --jp-ui-font-color1: rgba(0,0,0,.8); --jp-ui-font-color2: rgba(0,0,0,.5);
  --jp-content-font-color1: black; --jp-border-color1: #9e9e9e; --jp-border-color2: #e0e0e0;
  --jp-widgets-color: var(--jp-content-font-color1);
}"""

VSCODE_VARS = {
    "light": {  # Light Modern
        "--vscode-editor-background": "#ffffff", "--vscode-editor-foreground": "#3b3b3b",
        "--vscode-foreground": "#3b3b3b", "--vscode-descriptionForeground": "#3b3b3b",
        "--vscode-input-background": "#ffffff", "--vscode-notebook-cellEditorBackground": "#f8f8f8",
        "--vscode-textLink-foreground": "#005fb8", "--vscode-focusBorder": "#005fb8",
        "--vscode-panel-border": "#e5e5e5", "--vscode-button-background": "#005fb8",
        "--vscode-button-foreground": "#ffffff", "--vscode-font-family": "system-ui, sans-serif",
        "--vscode-editor-font-family": "monospace",
    },
    "dark": {  # Dark Modern
        "--vscode-editor-background": "#1f1f1f", "--vscode-editor-foreground": "#cccccc",
        "--vscode-foreground": "#cccccc", "--vscode-descriptionForeground": "#9d9d9d",
        "--vscode-input-background": "#313131", "--vscode-notebook-cellEditorBackground": "#1f1f1f",
        "--vscode-textLink-foreground": "#4daafc", "--vscode-focusBorder": "#0078d4",
        "--vscode-panel-border": "#2b2b2b", "--vscode-button-background": "#0078d4",
        "--vscode-button-foreground": "#ffffff", "--vscode-font-family": "system-ui, sans-serif",
        "--vscode-editor-font-family": "monospace",
    },
    "high-contrast": {  # Dark High Contrast
        "--vscode-editor-background": "#000000", "--vscode-editor-foreground": "#ffffff",
        "--vscode-foreground": "#ffffff", "--vscode-descriptionForeground": "#ffffff",
        "--vscode-input-background": "#000000", "--vscode-notebook-cellEditorBackground": "#000000",
        "--vscode-textLink-foreground": "#21a6ff", "--vscode-focusBorder": "#f38518",
        "--vscode-contrastBorder": "#6fc3df", "--vscode-font-family": "system-ui, sans-serif",
        "--vscode-editor-font-family": "monospace",
    },
}  # fmt: skip
VSCODE_BODY = """body { background: var(--vscode-editor-background); color: var(--vscode-editor-foreground);
  font-family: var(--vscode-font-family); }"""
VSCODE_FORCED_WHITE = ".cell-output-ipywidget-background { background: white !important; }"
VSCODE_BRIDGE = """.cell-output-ipywidget-background { background: transparent !important;
  color: var(--vscode-editor-foreground);
  --jp-ui-font-color1: var(--vscode-editor-foreground); --jp-ui-font-color2: var(--vscode-editor-foreground);
  --jp-content-font-color1: var(--vscode-editor-foreground); --jp-content-link-color: var(--vscode-textLink-foreground);
  --jp-border-color1: var(--vscode-panel-border); --jp-widgets-color: var(--vscode-editor-foreground); }
.vscode-light .cell-output-ipywidget-background { --jp-layout-color0: var(--vscode-notebook-cellEditorBackground);
  --jp-layout-color1: var(--vscode-notebook-cellEditorBackground);
  --jp-layout-color2: var(--vscode-notebook-cellEditorBackground); }
.vscode-dark .cell-output-ipywidget-background { --jp-layout-color0: var(--vscode-input-background);
  --jp-layout-color1: var(--vscode-input-background); --jp-layout-color2: var(--vscode-input-background); }"""

COLAB = """html { --colab-primary-surface-color: #fff; --colab-primary-text-color: #212121;
  --colab-secondary-text-color: #616161; --colab-secondary-surface-color: #f7f7f7;
  --colab-border-color: #dadada; --colab-anchor-color: #00e; }
html[theme=dark] { --colab-primary-surface-color: #383838; --colab-primary-text-color: #d5d5d5;
  --colab-secondary-text-color: #f7f7f7; --colab-secondary-surface-color: #454545;
  --colab-border-color: #616161; --colab-anchor-color: #64b5f6; }
body { background: var(--colab-primary-surface-color); color: var(--colab-primary-text-color);
  font-family: Roboto, Noto, sans-serif; }"""
# colab-cdn-widget-manager's index.css, after ipywidgets' widgets.css
COLAB_WIDGET_MANAGER = """:root { --jp-widgets-color: var(--colab-primary-text-color);
  --jp-layout-color2: var(--colab-secondary-surface-color); --jp-ui-font-color1: var(--colab-primary-text-color);
  --jp-widgets-input-background-color: var(--colab-secondary-surface-color); }"""
VSCODE_HC_BODY = 'class="vscode-high-contrast" data-vscode-theme-kind="vscode-high-contrast"'


@dataclass(frozen=True)
class Host:
    html: str  # attributes of <html>
    body: str  # attributes of <body>
    css: str  # what the host's style sheets define
    wrapper: str  # the class of the element a widget output sits in
    scheme: str  # the colour scheme our widgets should take there
    fallback: bool = False  # whether scene.js/keys.js must step in (the host's own pair fails)


HOSTS: dict[str, Host] = {
    "jupyterlab-light": Host("", 'data-jp-theme-light="true"', JUPYTERLAB_LIGHT, "jp-OutputArea-output", "light"),
    "jupyterlab-dark": Host("", 'data-jp-theme-light="false"', JUPYTERLAB_DARK, "jp-OutputArea-output", "dark"),
    "vscode-light": Host("", 'class="vscode-light" data-vscode-theme-kind="vscode-light"',
                         VSCODE_BODY + VSCODE_FORCED_WHITE, "cell-output-ipywidget-background", "light"),
    # the editor is dark and so are its variables, but the widget output is painted white:
    # the widgets must read on white
    "vscode-dark-forced-white": Host("", 'class="vscode-dark" data-vscode-theme-kind="vscode-dark"',
                                     VSCODE_BODY + VSCODE_FORCED_WHITE, "cell-output-ipywidget-background", "light"),
    "vscode-dark-bridge": Host("", 'class="vscode-dark" data-vscode-theme-kind="vscode-dark"',
                               LABVARIABLES + VSCODE_BODY + VSCODE_BRIDGE, "cell-output-ipywidget-background", "dark"),
    # high contrast: the bridge sets the text colour but no --jp-layout-color*, so ipywidgets'
    # white one stays: white on white unless the front end notices
    "vscode-high-contrast-bridge": Host("", VSCODE_HC_BODY, LABVARIABLES + VSCODE_BODY + VSCODE_BRIDGE,
                                        "cell-output-ipywidget-background", "dark", fallback=True),
    "colab-light": Host('theme="light"', "", LABVARIABLES + COLAB_WIDGET_MANAGER + COLAB, "output_subarea", "light"),
    "colab-dark": Host('theme="dark"', "", LABVARIABLES + COLAB_WIDGET_MANAGER + COLAB, "output_subarea", "dark"),
    "plain": Host("", "", "", "output", "light"),
}  # fmt: skip

# a few of ipywidgets' looks, so the screenshots show buttons; not under test
MOCK_WIDGETS = """body { margin: 12px; font-size: 13px; }
.widget-hbox { display: flex; flex-flow: row wrap; align-items: center; gap: 2px; }
.widget-vbox { display: flex; flex-direction: column; gap: 4px; }
.jupyter-button { height: 28px; min-width: 36px; border: 0; background: var(--jp-layout-color2, #eee);
  color: var(--jp-ui-font-color1, rgba(0,0,0,.8)); }
.fa-fast-backward::before { content: "|◀"; } .fa-backward::before { content: "◀◀"; }
.fa-step-backward::before { content: "◀"; } .fa-step-forward::before { content: "▶"; }
.fa-forward::before { content: "▶▶"; } .fa-fast-forward::before { content: "▶|"; }
.fa-play::before { content: "▶"; } .fa-pause::before { content: "❚❚"; } .fa-stop::before { content: "■"; }
.fa-retweet::before { content: "↻"; } .fa { font-style: normal; }
.widget-label { color: var(--jp-widgets-color, inherit); min-width: 50px; text-align: right; padding-right: 6px; }
.noUi-target { width: 240px; height: 6px; background: var(--jp-layout-color3, #bdbdbd); position: relative; }
.noUi-handle { position: absolute; left: 20px; top: -5px; width: 14px; height: 14px; border-radius: 7px;
  background: var(--jp-brand-color1, #2196f3); }
.widget-readout { padding-left: 8px; color: var(--jp-widgets-color, inherit); }
.views { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin-top: 8px; }"""

BUTTONS = [
    ("fast-backward", "to the start (Home)"),
    ("backward", "to the start of this or the previous operation (PageUp)"),
    ("step-backward", "one step back (←)"),
    ("step-forward", "one step forward (→)"),
    ("forward", "to the end of this or the next operation (PageDown)"),
    ("fast-forward", "to the end (End)"),
]


# a stand-in for the anywidget model: what scene.js and keys.js ask of it
MODEL_JS = """function model(values) {
  const handlers = {};
  return {
    get: (k) => values[k],
    set: (k, v) => { values[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); },
    save_changes() {}, send() {},
    on: (e, f) => (handlers[e] = handlers[e] || []).push(f),
    off: (e, f) => { handlers[e] = (handlers[e] || []).filter((g) => g !== f); },
  };
}"""


def content() -> dict:
    """Real scenes and HTML from the render layer: a kernel with three vmallocs at the step
    of a first-fit search, an address selected (so a page-table walk is coloured) and a
    process's VMA tree (red and black nodes)."""
    k = Kernel()
    addr = k.vmalloc(8192, caller="my_driver_init")
    k.vmalloc(3 * 4096, caller="snd_card_new")
    k.vmalloc(4096, caller="x")
    views = [VmlistView(k), LayoutView(k), PageTableView(k)]
    player = Player(k, views=views)
    player.seek(38)
    for v in views:
        v.selected = f"addr:{addr + 0x1234:#x}"
    vma = VmaView(k.spawn("cat"))
    scenes = [s.scene for v in [*views, vma] for s in v.scenes if s.scene.get("nodes")]
    return {"scenes": scenes, "narration": player.narration.value, "code": player.code.value,
            "maps": vma.maps.value}  # fmt: skip


def _button(icon: str, title: str = "", hidden: bool = False) -> str:
    attrs = f' title="{html.escape(title)}"' if title else ""
    attrs += ' style="display: none"' if hidden else ""
    return f'<button class="jupyter-button widget-button"{attrs}><i class="fa fa-{icon}"></i></button>'


def page(name: str, data: dict) -> str:
    """The page for host ``name``: a player box shaped like ipywidgets' (icon-only buttons with
    the Player's tooltips, a Play widget, a slider, a dropdown, keys.js) and the views."""
    host = HOSTS[name]
    bar = "".join(_button(icon, tip) for icon, tip in BUTTONS[:3])
    bar += ('<div class="widget-play widget-inline-hbox">' + _button("play") + _button("stop")
            + _button("retweet", hidden=True) + "</div>")  # fmt: skip
    bar += "".join(_button(icon, tip) for icon, tip in BUTTONS[3:])
    bar += ('<div class="widget-slider widget-hslider widget-inline-hbox"><label class="widget-label">step</label>'
            '<div class="slider-container"><div class="noUi-target"><div class="noUi-handle" tabindex="0" '
            'role="slider" aria-orientation="horizontal" aria-valuemin="0" aria-valuemax="65" aria-valuenow="38">'
            '</div></div></div><div class="widget-readout">38</div></div>')  # fmt: skip
    player = (
        '<div class="widget-vbox vmw-player">'
        f'<div class="widget-hbox">{bar}</div>'
        '<div class="widget-hbox"><div class="widget-dropdown widget-inline-hbox"><label class="widget-label">speed'
        '</label><select><option>1×</option></select></div><div id="keys"></div></div>'
        f'<div class="widget-hbox"><div class="widget-html">{data["narration"]}</div>'
        f'<div class="widget-html">{data["code"]}</div></div></div>'
    )
    views = "".join(f'<div class="view" id="view{i}"></div>' for i in range(len(data["scenes"])))
    scenes = json.dumps(data["scenes"]).replace("</", "<\\/")
    html_style = ""
    if name.startswith("vscode"):
        kind = next(k for k in VSCODE_VARS if k in name)
        html_style = ' style="' + "; ".join(f"{k}: {v}" for k, v in VSCODE_VARS[kind].items()) + '"'
    return f"""<!doctype html>
<html {host.html}{html_style}><head><meta charset="utf-8"><title>{name}</title><link rel="icon" href="data:,">
<style>{host.css}</style><style>{MOCK_WIDGETS}</style>
<link rel="stylesheet" href="scene.css"><link rel="stylesheet" href="player.css">
</head><body {host.body}>
<div class="{host.wrapper}">{player}<div class="views">{views}</div>
<div class="widget-html">{data["maps"]}</div></div>
<script type="application/json" id="scenes">{scenes}</script>
<script type="module">
import scene from "./scene.js";
import keys from "./keys.js";
{MODEL_JS}
keys.render({{ model: model({{}}), el: document.getElementById("keys") }});
JSON.parse(document.getElementById("scenes").textContent).forEach((s, i) =>
  scene.render({{ model: model({{ scene: s, selected: "", duration: 0, max_height: 700, refit: false }}),
                  el: document.getElementById("view" + i) }}));
</script></body></html>"""


def build_site(root: Path) -> list[str]:
    """Write the front end and one page per host into ``root``; returns the page names."""
    shared = WIDGETS / "colours.js"  # put in front of each module, as the widgets' Python side does
    head = shared.read_bytes() if shared.exists() else b""
    delta = WIDGETS / "delta.js"  # scene.js applies scene changes with it (scene.py's esm)
    for f in ("scene.js", "keys.js"):
        extra = delta.read_bytes() if f == "scene.js" and delta.exists() else b""
        (root / f).write_bytes(head + extra + (WIDGETS / f).read_bytes())
    for f in ("scene.css", "player.css"):
        (root / f).write_bytes((WIDGETS / f).read_bytes())
    data = content()
    for name in HOSTS:
        (root / f"{name}.html").write_text(page(name, data), encoding="utf-8")
    return list(HOSTS)


# In the page: every text of ours against the colour actually behind it. Colours are read
# through a 1-pixel canvas, so any CSS colour (rgb, rgba, color(srgb …)) comes out as RGBA.
MEASURE = """() => {
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const seen = new Map();
  const rgba = (c) => {
    if (!seen.has(c)) {
      ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = "rgba(0,0,0,0)"; ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      seen.set(c, [d[0], d[1], d[2], d[3] / 255]);
    }
    return seen.get(c);
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const lum = (c) => {
    const l = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  // the background actually behind an element: its and its ancestors' backgrounds, from the
  // first opaque one down (a page without any is white: none of these pages sets color-scheme)
  const behind = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, c) => over(c, under), [255, 255, 255, 1]);
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const out = [];
  const check = (what, el, fg, bg, detail = "") => {
    const text = over(fg, bg);
    out.push({ what, detail, text: (el.textContent || "").trim().slice(0, 40), fg: hex(text), bg: hex(bg),
               ratio: ratio(text, bg) });
  };
  const html = (what, sel) => document.querySelectorAll(sel).forEach((el) => {
    if (!el.textContent.trim() || !el.getClientRects().length) return;
    check(what, el, rgba(getComputedStyle(el).color), behind(el));
  });
  html("title", ".vmw-title");
  html("zoom button", ".vmw-zoom");
  html("narration", ".vmw-narration, .vmw-where, .vmw-fnname");
  html("pseudo-code", ".vmw-fn, .vmw-line, .vmw-code i");
  html("keys hint", ".vmw-keys span");
  html("maps table", ".vmw-maps caption, .vmw-maps th, .vmw-maps td");
  // SVG text: the view's background, the box's fill, then the row's band
  const views = new Map();
  document.querySelectorAll(".vmw-scene text.vmw-text").forEach((t) => {
    const g = t.closest("g.vmw-node");
    if (!g || g.classList.contains("dim") || g.classList.contains("vmw-exit")) return;
    const scene = t.closest(".vmw-scene");
    if (!views.has(scene)) views.set(scene, behind(scene));
    let bg = views.get(scene);
    const box = g.querySelector(":scope > rect.vmw-box");
    const fill = (el) => {
      const s = getComputedStyle(el);
      return s.fill.startsWith("url") || s.fill === "none" ? null : rgba(s.fill);
    };
    const boxFill = box && fill(box);
    if (boxFill) bg = over(boxFill, bg);
    const y = +t.getAttribute("y") - 11;
    const band = [...g.querySelectorAll(":scope > rect.vmw-row")].find((r) => +r.getAttribute("y") === y);
    const bandFill = band && fill(band);
    if (bandFill) bg = over(bandFill, bg);
    check("view text", t, fill(t), bg, g.getAttribute("class") + " / " + t.getAttribute("class"));
  });
  const scene = document.querySelector(".vmw-scene");
  const fallbacks = [...new Set([...document.querySelectorAll("[data-vmw-scheme]")].map((e) => e.dataset.vmwScheme))];
  return { checks: out, viewBackground: hex(behind(scene)), viewLuminance: lum(behind(scene)), fallbacks };
}"""

# In the page: what assistive technology gets from our controls.
NAMES = """() => {
  const name = (el) => (el.getAttribute("aria-label") || "").trim();
  const player = document.querySelector(".vmw-player");
  const buttons = [...player.querySelectorAll("button")].filter((b) => !b.textContent.trim());
  const sliders = [...player.querySelectorAll('[role="slider"]')];
  const scene = document.querySelector(".vmw-scene");
  return {
    buttons: buttons.map((b) => ({ icon: b.querySelector("i")?.className || "", label: name(b), title: b.title })),
    sliders: sliders.map((s) => name(s) || (s.getAttribute("aria-labelledby") ? "(labelledby)" : "")),
    zoom: [...document.querySelectorAll(".vmw-zoom")].map((b) => ({ label: name(b), title: b.title })),
    svg: [...document.querySelectorAll("svg.vmw-svg")].map((s) => ({ role: s.getAttribute("role"), label: name(s) })),
    sceneTitle: scene.querySelector(".vmw-title").textContent,
    boxes: [...document.querySelectorAll("g.vmw-node[data-sel]")].map((g) => ({ role: g.getAttribute("role"),
      label: name(g), pressed: g.getAttribute("aria-pressed") })),
  };
}"""
