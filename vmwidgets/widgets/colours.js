// Colour arithmetic shared by scene.js and keys.js: the widgets' Python side puts this file
// in front of each of them, since an anywidget module is one file and cannot import another.
// Colours that read in any host (see scene.css).
// Any CSS colour to [r, g, b, a] through a 1-pixel canvas (rgb(), color(srgb …), names).
let pixel = null;
function rgba(colour) {
  pixel = pixel || document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  pixel.clearRect(0, 0, 1, 1);
  pixel.fillStyle = "rgba(0, 0, 0, 0)";
  pixel.fillStyle = colour;
  pixel.fillRect(0, 0, 1, 1);
  const d = pixel.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3] / 255];
}
const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
const mix = (a, b, t) => [0, 1, 2].map((i) => a[i] * t + b[i] * (1 - t)).concat(1);
function luminance(c) {
  const [r, g, b] = c.slice(0, 3).map((v) => (v <= 10 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
// The colour actually behind el: its and its ancestors' backgrounds, from the first opaque
// one up; null when none is opaque (an output frame over its host's page: not known here).
function backdrop(el) {
  const layers = [];
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] > 0.99) return layers.reverse().reduce((under, top) => over(top, under));
  }
  return null;
}
// Which fixed palette suits a background: the one whose text contrasts more with it.
const schemeFor = (bg) => (contrast([31, 31, 31, 1], bg) >= contrast([227, 227, 227, 1], bg) ? "light" : "dark");
function setScheme(el, scheme) {
  if ((el.dataset.vmwScheme || "") === scheme) return;
  if (scheme) el.dataset.vmwScheme = scheme;
  else delete el.dataset.vmwScheme;
}
// Call back (once a frame at most) when the page's theme may have changed.
function onThemeChange(callback) {
  let queued = false;
  const later = () => {
    if (!queued) requestAnimationFrame(() => ((queued = false), callback()));
    queued = true;
  };
  const watch = new MutationObserver(later);
  for (const e of [document.documentElement, document.body]) if (e) watch.observe(e, { attributes: true });
  const dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  if (dark && dark.addEventListener) dark.addEventListener("change", later);
  return () => {
    watch.disconnect();
    if (dark && dark.removeEventListener) dark.removeEventListener("change", later);
  };
}
