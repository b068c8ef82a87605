// One front end for every vmwidgets view: draws a "scene" (boxes with rows of text,
// edges, cell grids) computed in Python, keyed by id so that changes animate:
// moved boxes glide, new ones fade in, removed ones fade out.  Text is only ever set
// with textContent, so names from the model can never become markup.
const NS = "http://www.w3.org/2000/svg";
const ROW = 14;

// -- colours: rgba, over, mix, contrast, backdrop, schemeFor, setScheme, onThemeChange: colours.js
// A view paints its own background: keep the host's text and background colours (read from a
// probe that our palettes do not reach) if they contrast, text and muted text alike;
// otherwise the fixed palette that suits what is behind the view (or the host's text).
function settleColours(root, probe) {
  const s = getComputedStyle(probe);
  const bg = over(rgba(s.backgroundColor), [255, 255, 255, 1]);
  const fg = over(rgba(s.color), bg);
  let scheme = "";
  if (contrast(fg, bg) < 4.5 || contrast(mix(fg, bg, 0.72), bg) < 4.5) {
    const behind = backdrop(root.parentElement);
    scheme = behind ? schemeFor(behind) : luminance(fg) > 0.4 ? "dark" : "light";
  }
  setScheme(root, scheme);
}
function svgEl(tag, cls) {
  const e = document.createElementNS(NS, tag);
  if (cls) e.setAttribute("class", cls);
  return e;
}

function drawRows(g, n) {
  while (g.childNodes.length > 1) g.removeChild(g.lastChild);
  const rect = g.firstChild;
  rect.setAttribute("width", n.w);
  rect.setAttribute("height", n.h);
  const cols = n.cols || [0];
  (n.rows || []).forEach((row, i) => {
    const cells = Array.isArray(row) ? row : row.c;
    const cls = Array.isArray(row) ? "" : row.cls || "";
    if (cls) {
      const band = svgEl("rect", "vmw-row " + cls);
      band.setAttribute("x", 1);
      band.setAttribute("y", 3 + i * ROW);
      band.setAttribute("width", Math.max(0, n.w - 2));
      band.setAttribute("height", ROW);
      g.appendChild(band);
    }
    cells.forEach((text, j) => {
      if (text === null || text === "") return;
      const t = svgEl("text", "vmw-text " + (j === 0 ? "c0 " : "") + cls);
      t.setAttribute("x", (cols[j] || 0) + 5);
      t.setAttribute("y", 3 + i * ROW + 11);
      t.textContent = String(text);
      g.appendChild(t);
    });
  });
  const old = g.querySelector("title");
  if (n.tip) {
    const title = svgEl("title");
    title.textContent = n.tip;
    g.appendChild(title);
  } else if (old) old.remove();
}

// What a screen reader says for a box: its tip, or its rows' text.
function boxName(n) {
  if (n.tip) return n.tip;
  const rows = (n.rows || []).map((r) => (Array.isArray(r) ? r : r.c).filter((t) => t !== null && t !== "").join(" "));
  return rows.filter(Boolean).join(", ").slice(0, 160) || n.sel;
}

// Only what changed is touched: a node whose place in the list is unchanged is not moved,
// an item whose data (and `ctx`: selection, level of detail) is the very object drawn last
// time is not looked at, and an attribute is written only when its value changes (each write
// makes the browser recompute style, and a move lays the whole layer out again).
// `shown(item)` culls: an item the scene still has but that is off screen leaves at once and
// comes back without fading in; only what the scene itself adds or removes animates.
function keyed(layer, items, shown, make, update, duration, ctx) {
  const have = layer.vmwHave || (layer.vmwHave = new Map()); // id -> element, exits excluded
  const before = layer.vmwIds || new Set(); // the ids of the scene drawn last
  let now = null;
  const inScene = (id) => (now || (now = new Set(items.map((i) => i.id)))).has(id);
  const drawn = items.filter(shown);
  const wanted = new Set(drawn.map((i) => i.id));
  for (const [id, e] of have) {
    if (wanted.has(id)) continue;
    have.delete(id);
    if (inScene(id)) {
      e.remove();
      continue;
    }
    e.classList.add("vmw-exit");
    setTimeout(() => e.remove(), duration);
  }
  let cursor = layer.firstChild;
  for (const item of drawn) {
    let e = have.get(item.id);
    if (!e) {
      e = make(item);
      e.dataset.id = item.id;
      have.set(item.id, e);
      if (!before.has(item.id)) {
        e.classList.add("vmw-enter");
        e.addEventListener("animationend", () => entered(e), { once: true });
      }
    }
    if (e.vmwItem !== item || e.vmwCtx !== ctx) {
      update(e, item);
      e.vmwItem = item;
      e.vmwCtx = ctx;
    }
    while (cursor && cursor !== e && cursor.classList.contains("vmw-exit")) cursor = cursor.nextSibling;
    if (cursor === e) cursor = e.nextSibling;
    else layer.insertBefore(e, cursor); // keeps document order = scene order
  }
  if (layer.vmwItems !== items) {
    layer.vmwItems = items;
    layer.vmwIds = now || new Set(items.map((i) => i.id));
  }
}
// a new item fades in once (vmw-enter's animation); moving it later must not replay that
function entered(e) {
  e.classList.remove("vmw-enter");
}

// set an attribute or a style property only when it changes
function put(e, name, value) {
  const memo = e.vmwMemo || (e.vmwMemo = {});
  if (memo[name] === value) return;
  memo[name] = value;
  if (name.startsWith("style.")) e.style[name.slice(6)] = value;
  else e.setAttribute(name, value);
}

// -- pictures: the drawing as a standalone SVG (and PNG), as the page shows it now --------------
const PAINTED = ["fill", "stroke"];
const SHAPE = ["stroke-width", "stroke-dasharray"];
const LETTERS = ["font-weight", "font-style"];
// A computed colour as an SVG 1.1 paint and its opacity ("none" when fully transparent).
function paint(value) {
  if (!value || value === "none" || value.startsWith("url")) return [value || "none", null];
  const [r, g, b, a] = rgba(value);
  if (a === 0) return ["none", null];
  return [`rgb(${r},${g},${b})`, a < 1 ? a.toFixed(3) : null];
}
function slug(text) {
  return (text || "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "vmwidgets-view";
}
// The scene's whole drawing (not the zoomed part): a copy of the live <svg> with every colour,
// line and font the page's style sheets give it written onto the elements, over a background.
function svgPicture(root, svg, scene) {
  const margin = 8;
  const w = (scene.w || 100) + margin, h = (scene.h || 100) + margin;
  // the final state of any running animation: transitions off while the styles are read
  root.classList.add("vmw-still");
  for (const e of svg.querySelectorAll(".vmw-enter")) e.classList.remove("vmw-enter");
  void svg.getBoundingClientRect();
  const copy = svg.cloneNode(true);
  const live = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  const gone = [];
  live.forEach((e, i) => {
    const c = copies[i];
    if (e.classList.contains("vmw-exit")) return gone.push(c);
    for (const a of Array.from(c.attributes))
      if (a.name.startsWith("data-") || a.name.startsWith("aria-") || a.name === "tabindex" || a.name === "role" || a.name === "style")
        c.removeAttribute(a.name);
    if (i === 0) return;
    const s = getComputedStyle(e);
    const tag = e.tagName.toLowerCase();
    if (tag === "g" && s.transform && s.transform !== "none") c.setAttribute("transform", s.transform);
    if (+s.opacity < 1) c.setAttribute("opacity", (+s.opacity).toFixed(3));
    if (tag === "rect" || tag === "path" || tag === "text") {
      for (const p of PAINTED) {
        const [v, o] = paint(s.getPropertyValue(p));
        c.setAttribute(p, v);
        if (o !== null) c.setAttribute(p + "-opacity", o);
      }
      for (const p of tag === "text" ? LETTERS : SHAPE) {
        const v = s.getPropertyValue(p);
        if (v && v !== "none" && v !== "normal") c.setAttribute(p, v.replace(/px/g, ""));
      }
      if (tag === "rect" && s.rx && s.rx !== "auto") c.setAttribute("rx", parseFloat(s.rx) || 0);
      if (tag === "path" && s.markerEnd && s.markerEnd !== "none") c.setAttribute("marker-end", "url(#vmw-arrow)");
    }
  });
  const rs = getComputedStyle(root);
  root.classList.remove("vmw-still");
  gone.forEach((c) => c.remove());
  copy.querySelector(".vmw-viewport").removeAttribute("transform");
  for (const a of Array.from(copy.attributes)) if (a.name !== "xmlns") copy.removeAttribute(a.name);
  copy.setAttribute("version", "1.1");
  copy.setAttribute("width", w);
  copy.setAttribute("height", h);
  copy.setAttribute("viewBox", `${-margin} ${-margin} ${w} ${h}`);
  copy.setAttribute("font-family", rs.fontFamily);
  copy.setAttribute("font-size", rs.fontSize);
  copy.setAttributeNS("http://www.w3.org/XML/1998/namespace", "xml:space", "preserve");
  let bg = rgba(rs.backgroundColor);
  if (bg[3] < 1) bg = over(bg, backdrop(root.parentElement) || [255, 255, 255, 1]);
  const back = document.createElementNS(NS, "rect");
  for (const [k, v] of Object.entries({ x: -margin, y: -margin, width: w, height: h, fill: `rgb(${bg.slice(0, 3).map(Math.round)})` }))
    back.setAttribute(k, v);
  const title = document.createElementNS(NS, "title");
  title.textContent = scene.title || "vmwidgets view";
  copy.insertBefore(back, copy.firstChild);
  copy.insertBefore(title, copy.firstChild);
  return { text: '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy), w, h };
}
function download(blob, name, el) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.style.display = "none";
  el.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}
function savePicture(kind, root, svg, scene) {
  const pic = svgPicture(root, svg, scene);
  const name = slug(scene.title);
  const blob = new Blob([pic.text], { type: "image/svg+xml" });
  if (kind === "svg") return download(blob, name + ".svg", root);
  // PNG: the same picture drawn at twice its size
  const img = new Image();
  const url = URL.createObjectURL(blob);
  img.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = Math.ceil(pic.w * 2);
    canvas.height = Math.ceil(pic.h * 2);
    const ctx = canvas.getContext("2d");
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0, pic.w, pic.h);
    URL.revokeObjectURL(url);
    canvas.toBlob((png) => png && download(png, name + ".png", root), "image/png");
  };
  img.onerror = () => URL.revokeObjectURL(url);
  img.src = url;
}

// -- level of detail: a large scene draws only what is near the screen --------------------------
const LOD_MIN = 300; // items: below this every item is drawn in full, as it always was
const READABLE = 5; // px: text drawn smaller than this is left out (boxes only)
const FONT = 11; // px, .vmw-scene's font size
// An item's box in scene coordinates, kept per item object (unchanged items keep theirs).
const EXTENTS = new WeakMap();
function extent(kind, item) {
  let b = EXTENTS.get(item);
  if (b) return b;
  if (kind === "edges") {
    // the path's numbers are x,y pairs (M, L and C only: render/scene.py)
    const nums = (item.d || "").match(/-?\d*\.?\d+(?:e[-+]?\d+)?/gi) || [];
    b = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i + 1 < nums.length; i += 2) {
      const x = +nums[i], y = +nums[i + 1];
      b = [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
    }
  } else if (kind === "grids") {
    const cell = item.cell || 6, cols = item.cols || 64, n = (item.vals || "").length;
    b = [item.x || 0, item.y || 0, (item.x || 0) + cols * cell, (item.y || 0) + Math.ceil(n / cols) * cell];
  } else b = [item.x || 0, item.y || 0, (item.x || 0) + (item.w || 0), (item.y || 0) + (item.h || 0)];
  EXTENTS.set(item, b);
  return b;
}
function union(boxes) {
  return boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
}
const HL = /(^|\s)hl(\s|$)/;
// Thousands of boxes on screen cost a repaint of every one at each change, whatever changed
// (Chromium's SVG), but zoomed that far out a box is a few pixels: boxes of one column (same
// x, width and class) that touch on screen are drawn as one rect, and edges are left out.
const FOLD_MIN = 1000; // boxes on screen
function fold(nodes, k) {
  const gap = 1.5 / k; // closer than 1.5 px on screen: one run
  const columns = new Map();
  for (const n of nodes) {
    const key = `${n.x} ${n.w} ${n.cls || ""}`;
    if (!columns.has(key)) columns.set(key, []);
    columns.get(key).push(n);
  }
  const runs = [];
  for (const col of columns.values()) {
    if (col.some((n, i) => i && n.y < col[i - 1].y)) col.sort((a, b) => a.y - b.y);
    let run = null;
    for (const n of col) {
      if (run && n.y <= run.y + run.h + gap) run.h = Math.max(run.h, n.y + n.h - run.y);
      else runs.push((run = { x: n.x, y: n.y, w: n.w, h: n.h, cls: n.cls || "" }));
    }
  }
  return runs;
}
// runs change with every step and have no identity: elements are reused in order, no animation
function drawRuns(layer, runs) {
  while (layer.childNodes.length > runs.length) layer.lastChild.remove();
  runs.forEach((r, i) => {
    let g = layer.childNodes[i];
    if (!g) {
      g = svgEl("g");
      g.appendChild(svgEl("rect", "vmw-box"));
      layer.appendChild(g);
    }
    put(g, "class", "vmw-node vmw-run " + r.cls);
    put(g, "style.transform", `translate(${r.x}px, ${r.y}px)`);
    put(g.firstChild, "width", r.w);
    put(g.firstChild, "height", r.h);
  });
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "vmw-scene";
  const bar = document.createElement("div");
  bar.className = "vmw-toolbar";
  const title = document.createElement("span");
  title.className = "vmw-title";
  bar.appendChild(title);
  const buttons = {};
  for (const [name, label, aria, tip] of [
    ["out", "−", "zoom out", "zoom out (or ctrl + wheel)"],
    ["in", "+", "zoom in", "zoom in (or ctrl + wheel)"],
    ["fit", "fit", "fit to the view", "fit to the view (or double-click the background)"],
    ["sel", "sel", "zoom to the selected box", "zoom to the selected box"],
    ["step", "step", "zoom to the step", "zoom to the boxes this step highlights"],
  ]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "vmw-zoom";
    b.textContent = label;
    b.title = tip;
    b.setAttribute("aria-label", aria);
    bar.appendChild(b);
    buttons[name] = b;
  }
  // shown only in a large scene that has such boxes (small views keep the toolbar they had)
  buttons.sel.hidden = buttons.step.hidden = true;
  for (const kind of ["svg", "png"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "vmw-zoom vmw-save";
    b.textContent = kind.toUpperCase();
    b.title = `save the whole drawing as ${kind.toUpperCase()}` + (kind === "png" ? " (twice its size)" : " (for slides)");
    b.setAttribute("aria-label", `save as ${kind.toUpperCase()}`);
    // the whole drawing: every item, in full detail, while the picture is taken
    b.onclick = () => {
      whole = true;
      pass();
      try {
        savePicture(kind, root, svg, sceneNow());
      } finally {
        whole = false;
        pass();
      }
    };
    bar.appendChild(b);
  }
  // a group, not an img: its boxes can be focused and selected
  const svg = svgEl("svg", "vmw-svg");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-roledescription", "diagram");
  const vp = svgEl("g", "vmw-viewport");
  const gridLayer = svgEl("g");
  const edgeLayer = svgEl("g");
  const nodeLayer = svgEl("g");
  const runLayer = svgEl("g"); // folded runs of boxes, when too many are on screen (fold)
  vp.append(gridLayer, edgeLayer, nodeLayer, runLayer);
  const defs = svgEl("defs");
  const marker = svgEl("marker");
  for (const [k, v] of Object.entries({ id: "vmw-arrow", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }))
    marker.setAttribute(k, v);
  const head = svgEl("path", "vmw-arrowhead");
  head.setAttribute("d", "M0,0 L8,4 L0,8 z");
  marker.appendChild(head);
  defs.appendChild(marker);
  svg.append(defs, vp);
  root.append(bar, svg);
  // the host's colours, read where our palettes cannot reach (see settleColours)
  const probe = document.createElement("span");
  probe.className = "vmw-probe";
  el.append(root, probe);
  const settle = () => settleColours(root, probe);
  const unwatch = onThemeChange(settle);
  let settled = false;

  let view = { k: 1, x: 0, y: 0 };
  let fitted = false;
  let size = { w: 100, h: 100 };
  const apply = () => {
    vp.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    if (large) later();
  };
  const height = () => Math.min(model.get("max_height"), Math.max(60, size.h * view.k + 16));
  const fit = () => {
    const width = svg.clientWidth || 800;
    view = { k: Math.min(1, width / (size.w + 16)), x: 8, y: 8 };
    fitted = true;
    svg.style.height = height() + "px";
    apply();
  };
  const zoom = (factor, cx, cy) => {
    const k = Math.max(0.05, Math.min(8, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    apply();
  };
  buttons.in.onclick = () => zoom(1.25, svg.clientWidth / 2, svg.clientHeight / 2);
  buttons.out.onclick = () => zoom(0.8, svg.clientWidth / 2, svg.clientHeight / 2);
  buttons.fit.onclick = fit;
  // a box (or boxes) in the middle of the view, as large as fits (at most 1.5 times)
  const zoomTo = (b) => {
    const width = svg.clientWidth || 800;
    const k = Math.max(0.05, Math.min(1.5, width / (b[2] - b[0] + 40), (model.get("max_height") - 16) / (b[3] - b[1] + 40)));
    view.k = k;
    svg.style.height = height() + "px";
    const h = svg.clientHeight || height();
    view.x = width / 2 - (k * (b[0] + b[2])) / 2;
    view.y = h / 2 - (k * (b[1] + b[3])) / 2;
    apply();
  };
  const selectedBoxes = () => {
    const key = model.get("selected");
    return key ? (sceneNow().nodes || []).filter((n) => n.sel === key) : [];
  };
  const stepBoxes = () => (sceneNow().nodes || []).filter((n) => n.cls && HL.test(n.cls));
  buttons.sel.onclick = () => {
    const b = selectedBoxes();
    if (b.length) zoomTo(union(b.map((n) => extent("nodes", n))));
  };
  buttons.step.onclick = () => {
    const b = stepBoxes();
    if (b.length) zoomTo(union(b.map((n) => extent("nodes", n))));
  };
  const navigation = () => {
    buttons.sel.hidden = !(large && selectedBoxes().length);
    buttons.step.hidden = !(large && stepBoxes().length);
  };
  svg.addEventListener("dblclick", (e) => {
    if (e.target === svg) fit();
  });
  svg.addEventListener(
    "wheel",
    (e) => {
      const r = svg.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) {
        // ctrl/cmd + wheel (and trackpad pinch) zooms around the pointer
        e.preventDefault();
        zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
        return;
      }
      const overflow = size.h * view.k + 16 - r.height;
      if (overflow <= 0) return; // everything is visible: let the page scroll
      const y = Math.max(8 - overflow, Math.min(8, view.y - e.deltaY));
      if (y === view.y) return; // at the top or bottom: let the page scroll on
      e.preventDefault();
      view.y = y;
      view.x -= e.deltaX;
      apply();
    },
    { passive: false },
  );
  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    if (e.target.closest("[data-sel]")) return;
    drag = { x: e.clientX - view.x, y: e.clientY - view.y };
    svg.setPointerCapture(e.pointerId);
    svg.classList.add("vmw-dragging");
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.x = e.clientX - drag.x;
    view.y = e.clientY - drag.y;
    apply();
  });
  const stop = () => {
    drag = null;
    svg.classList.remove("vmw-dragging");
  };
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  nodeLayer.addEventListener("click", (e) => {
    const g = e.target.closest("[data-sel]");
    if (!g) return;
    const sel = g.dataset.sel === model.get("selected") ? "" : g.dataset.sel;
    model.set("selected", sel);
    model.save_changes();
  });
  nodeLayer.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && e.target.dataset && e.target.dataset.sel) {
      e.preventDefault();
      e.target.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    }
  });

  // -- the scene: a keyframe (_frame) and numbered changes (custom messages) from Python
  // (scene.py); a stand-in model (replay pages, test pages) gives the whole `scene` instead.
  const live = model.get("_frame") !== undefined;
  let current = {};
  let seq = 0;
  let asked = -1;
  const sceneNow = () => (live ? current : model.get("scene") || {});
  const takeFrame = () => {
    const f = model.get("_frame") || {};
    if (typeof f.seq !== "number" || f.seq <= seq) return false;
    seq = f.seq;
    current = f.scene || {};
    return true;
  };
  // a gap in the numbers (drawn later, a reconnect, a lost message): ask for a keyframe, once
  const ask = () => {
    if (asked === seq) return;
    asked = seq;
    model.send({ have: seq });
  };
  const onFrame = () => {
    if (takeFrame()) draw();
  };
  const onMessage = (msg) => {
    if (!msg || typeof msg.seq !== "number" || msg.d === undefined || msg.seq <= seq) return;
    if (msg.seq !== seq + 1) return ask();
    current = applyDelta(current, msg.d);
    seq = msg.seq;
    draw();
  };

  // -- drawing: the keyed pass over each layer, for the items near the screen
  let large = false; // enough items for culling and the level of detail
  let whole = false; // every item in full detail (a picture is being taken)
  let drawnAt = null; // the region and detail of the last pass: [x0, y0, x1, y1, plain]
  const region = () => {
    // the view box in scene coordinates, one screen more on each side
    const w = (svg.clientWidth || 800) / view.k, h = (svg.clientHeight || 460) / view.k;
    const x = -view.x / view.k, y = -view.y / view.k;
    return [x - w, y - h, x + 2 * w, y + 2 * h];
  };
  const pass = () => {
    const scene = sceneNow();
    const duration = model.get("duration");
    const cull = large && !whole;
    const plain = cull && view.k * FONT < READABLE;
    const r = cull ? region() : null;
    drawnAt = r && [...r, plain];
    if (svg.classList.contains("vmw-plain") !== plain) svg.classList.toggle("vmw-plain", plain);
    const near = (kind) => (r ? (i) => { const b = extent(kind, i); return b[2] >= r[0] && b[0] <= r[2] && b[3] >= r[1] && b[1] <= r[3]; } : () => true); // prettier-ignore
    let nodesNear = near("nodes");
    let runs = [];
    if (plain) {
      const seen = (scene.nodes || []).filter(nodesNear);
      if (seen.length > FOLD_MIN) {
        runs = fold(seen, view.k);
        nodesNear = () => false;
      }
    }
    drawRuns(runLayer, runs);
    keyed(
      nodeLayer,
      scene.nodes || [],
      nodesNear,
      () => {
        const g = svgEl("g");
        g.appendChild(svgEl("rect", "vmw-box"));
        return g;
      },
      (g, n) => {
        put(g, "class", "vmw-node " + (n.cls || "") + (g.classList.contains("vmw-enter") ? " vmw-enter" : ""));
        put(g, "style.transform", `translate(${n.x}px, ${n.y}px)`);
        if (n.sel) {
          // a box that can be selected: a toggle button named by its tip or its text
          g.dataset.sel = n.sel;
          put(g, "tabindex", "0");
          put(g, "role", "button");
          put(g, "aria-pressed", String(n.sel === model.get("selected")));
          put(g, "aria-label", boxName(n));
        } else if (g.dataset.sel) {
          delete g.dataset.sel;
          for (const a of ["tabindex", "role", "aria-pressed", "aria-label"]) {
            g.removeAttribute(a);
            delete g.vmwMemo[a];
          }
        }
        // too small to read: the box alone (its own signature, so zooming in draws the rows)
        const sig = plain ? `plain ${n.w} ${n.h}` : JSON.stringify([n.w, n.h, n.rows, n.cols, n.tip]);
        if (g.dataset.sig !== sig) {
          g.dataset.sig = sig;
          drawRows(g, plain ? { w: n.w, h: n.h } : n);
        }
      },
      duration,
      model.get("selected") + (plain ? " plain" : ""),
    );
    keyed(
      edgeLayer,
      scene.edges || [],
      runs.length ? () => false : near("edges"),
      () => svgEl("path"),
      (p, e) => {
        put(p, "class", "vmw-edge " + (e.cls || "") + (p.classList.contains("vmw-enter") ? " vmw-enter" : ""));
        put(p, "d", e.d);
        put(p, "style.d", `path("${e.d}")`);
      },
      duration,
    );
    keyed(
      gridLayer,
      scene.grids || [],
      near("grids"),
      () => svgEl("g"),
      (g, grid) => {
        put(g, "class", "vmw-grid " + (grid.cls || "") + (g.classList.contains("vmw-enter") ? " vmw-enter" : ""));
        put(g, "style.transform", `translate(${grid.x}px, ${grid.y}px)`);
        const vals = grid.vals || "";
        const cell = grid.cell || 6;
        const cols = grid.cols || 64;
        while (g.childNodes.length > vals.length) g.removeChild(g.lastChild);
        for (let i = 0; i < vals.length; i++) {
          let r = g.childNodes[i];
          if (!r) {
            r = svgEl("rect");
            r.setAttribute("x", (i % cols) * cell);
            r.setAttribute("y", Math.floor(i / cols) * cell);
            r.setAttribute("width", cell - 1);
            r.setAttribute("height", cell - 1);
            g.appendChild(r);
          }
          put(r, "class", "v" + vals[i]);
        }
      },
      duration,
    );
  };
  // after a pan, zoom or resize: one pass on the next frame, if the screen left the region
  // drawn or the text became (un)readable
  let queued = false;
  const later = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (!large || whole || !drawnAt) return;
      const w = (svg.clientWidth || 800) / view.k, h = (svg.clientHeight || 460) / view.k;
      const x = -view.x / view.k, y = -view.y / view.k;
      const [x0, y0, x1, y1, plain] = drawnAt;
      if (x >= x0 && y >= y0 && x + w <= x1 && y + h <= y1 && plain === view.k * FONT < READABLE) return;
      pass();
    });
  };
  const resized = new ResizeObserver(() => large && later());
  resized.observe(svg);

  let draws = 0;
  const draw = () => {
    const t0 = performance.now();
    const scene = sceneNow();
    root.style.setProperty("--vmw-duration", model.get("duration") + "ms");
    if (!settled && root.isConnected) settled = (settle(), true); // then only when the theme changes
    title.textContent = scene.title || "";
    size = { w: scene.w || 100, h: scene.h || 100 };
    svg.setAttribute("aria-label", scene.title || "vmwidgets view");
    large = (scene.nodes || []).length + (scene.edges || []).length + (scene.grids || []).length >= LOD_MIN;
    // placed first: what is culled depends on where the view looks
    if (!fitted || model.get("refit")) fit();
    else svg.style.height = height() + "px";
    pass();
    navigation();
    // for tests and benchmarks: how many scenes were drawn, and how long the last took
    root.dataset.draws = ++draws;
    root.dataset.drawMs = (performance.now() - t0).toFixed(1);
  };
  if (live) {
    takeFrame();
    model.on("change:_frame", onFrame);
    model.on("msg:custom", onMessage);
    model.send({ have: seq }); // a view drawn later than the last keyframe is behind
  } else model.on("change:scene", draw);
  model.on("change:max_height", fit);
  model.on("change:selected", navigation);
  // the first draw waits until the element is in the page, so its width is known
  requestAnimationFrame(draw);
  return () => {
    model.off("change:_frame", onFrame);
    model.off("msg:custom", onMessage);
    model.off("change:scene", draw);
    model.off("change:max_height", fit);
    model.off("change:selected", navigation);
    resized.disconnect();
    unwatch();
  };
}

export default { render };
