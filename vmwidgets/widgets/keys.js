// The player's helper, placed inside its box (the nearest .vmw-player ancestor):
// - keyboard shortcuts, sent to Python, which moves the timeline;
// - names for its controls: ipywidgets draws icon-only buttons (the Player's carry a
//   tooltip, Play's carry nothing) and an unnamed slider handle;
// - its text colours checked against the background actually behind the box (see scene.css).
const KEYS = new Set(["ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End", " ", "k", "j"]);
// Play's buttons, by icon (ipywidgets 7 and 8)
const ICONS = { "fa-play": "play (space)", "fa-pause": "pause (space)", "fa-stop": "stop", "fa-retweet": "repeat", "fa-repeat": "repeat" };

// -- names ------------------------------------------------------------------------------------
// Names set here are marked, so that they follow the icon (play ⇄ pause); a host's own stay.
function nameButton(b) {
  if (b.textContent.trim()) return;
  const ourLabel = b.dataset.vmwLabel === "1";
  const ourTitle = b.dataset.vmwTitle === "1";
  const icon = b.querySelector("i, .fa, [class*='fa-']");
  const key = icon ? Object.keys(ICONS).find((k) => icon.classList.contains(k)) : undefined;
  const name =
    (!ourTitle && b.getAttribute("title")) || (key && ICONS[key]) || (!ourLabel && b.getAttribute("aria-label")) || "";
  if (!name) return;
  if (ourLabel || !b.getAttribute("aria-label")) {
    b.setAttribute("aria-label", name);
    b.dataset.vmwLabel = "1";
  }
  if (ourTitle || !b.getAttribute("title")) {
    b.setAttribute("title", name);
    b.dataset.vmwTitle = "1";
  }
}

// A slider handle or a select without a name takes its widget's description ("step", "speed").
function nameControl(c) {
  if (c.getAttribute("aria-label") || c.getAttribute("aria-labelledby") || (c.labels && c.labels.length)) return;
  const box = c.closest(".widget-slider, .widget-dropdown, .widget-inline-hbox, .jupyter-widgets");
  const label = box && box.querySelector(".widget-label");
  const name = (label && label.textContent.trim()) || (c.getAttribute("role") === "slider" ? "step" : "");
  if (name) c.setAttribute("aria-label", name);
}

function nameAll(box) {
  box.querySelectorAll("button").forEach(nameButton);
  box.querySelectorAll("[role='slider'], .ui-slider-handle, select").forEach(nameControl);
}

// -- colours (rgba, over, mix, contrast, backdrop, schemeFor, setScheme, onThemeChange: colours.js)
// The player's text is drawn on the host's background: keep the host's text, muted text and
// link colours if they contrast with the background actually behind the box; otherwise the
// fixed palette that suits it. Where nothing opaque is behind it (an output frame over its
// host's page), the host's colours are trusted.
function settleColours(box, probe) {
  const behind = backdrop(box);
  let scheme = "";
  if (behind) {
    const s = getComputedStyle(probe);
    const ink = over(rgba(s.color), behind);
    const page = over(rgba(s.borderTopColor), behind);
    const link = over(rgba(s.outlineColor), behind);
    if ([ink, mix(ink, page, 0.72), link].some((c) => contrast(c, behind) < 4.5))
      scheme = schemeFor(behind);
  }
  setScheme(box, scheme);
}

function render({ model, el }) {
  el.className = "vmw-keys";
  const hint = document.createElement("span");
  hint.textContent = "keys: ← → step · PgUp PgDn operation · Home End · space play";
  const probe = document.createElement("span");
  probe.className = "vmw-probe";
  el.append(hint, probe);
  let box = null;
  let queued = false;
  const onKey = (e) => {
    if (!KEYS.has(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    // a focused slider or text box keeps its own keys
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.closest(".noUi-target, .widget-slider"))) return;
    e.preventDefault();
    e.stopPropagation();
    model.send({ key: e.key });
  };
  // ipywidgets draws the box's children one by one, and Play swaps its icon: name them as
  // they come, and check the colours again, at most once a frame
  const update = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (!box) return;
      nameAll(box);
      settleColours(box, probe);
    });
  };
  const watchBox = new MutationObserver(update);
  let unwatch = () => {};
  const attach = () => {
    box = el.closest(".vmw-player");
    if (!box) return requestAnimationFrame(attach);
    if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    if (!box.getAttribute("role")) box.setAttribute("role", "group");
    if (!box.getAttribute("aria-label")) box.setAttribute("aria-label", "player");
    box.addEventListener("keydown", onKey);
    nameAll(box);
    settleColours(box, probe);
    watchBox.observe(box, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
    unwatch = onThemeChange(update);
  };
  requestAnimationFrame(attach);
  return () => {
    watchBox.disconnect();
    unwatch();
    if (box) box.removeEventListener("keydown", onKey);
  };
}

export default { render };
