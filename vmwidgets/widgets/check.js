/* Checks an exercise's reply in the browser, with the same feedback as the Python check.
 *
 * A classic script (no modules): it defines
 *
 *     globalThis.vmwCheck(spec, reply) -> {correct, message, readable}
 *
 * spec is Exercise.page_spec() as JSON (kind "number", "choice" or "fields", plus the
 * variant flags pfn, address and slips); reply is the student's text, or the chosen option
 * for a choice (null when none is chosen).  message is Feedback.message of
 * vmwidgets/exercises/core.py, word for word; readable is Exercise.understood(reply).  A
 * blank reply gets ExerciseWidget's "Type an answer first." ("Choose an answer first."
 * when no option is chosen).  Numbers follow core.parse_number's one rule as the question
 * says (hex, decimal, units, and spec.unit: what one of the answer counts, 1 when absent).  Numbers are BigInt throughout, as Python ints have no limit.
 * Lengths are counted in code points, as Python's len() counts them; LIMITS are core.py's
 * MAX_REPLY and _MAX_DIGITS and errors.py's _SHOWN (the test asserts they are equal).
 * tests/test_check_js.py runs it under Node against the Python check.
 */
(function () {
  "use strict";

  var LIMITS = { maxReply: 500, maxDigits: 160, shown: 60 };

  // What Python's str.isspace() (and so strip(), and \s in re) counts as whitespace.
  var WS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var WORD = /[\p{L}\p{N}_]/u; // Python's \w in a str pattern: str.isalnum() or "_"
  var UNITS = {
    "": 1n, b: 1n, byte: 1n, bytes: 1n, k: 1024n, kb: 1024n, kib: 1024n, m: 1n << 20n, mb: 1n << 20n, mib: 1n << 20n,
    g: 1n << 30n, gb: 1n << 30n, gib: 1n << 30n, page: 4096n, pages: 4096n,
  };
  var BARE_HEX = /^[0-9a-f]*[a-f][0-9a-f]*$/;
  var NUMBER = new RegExp("^(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\\p{Nd}+)[" + WS + "]*([a-z]*)$", "u");
  var EIGHT_DIGITS = new RegExp("^[" + WS + "]*\\p{Nd}{8}[" + WS + "]*$", "u");
  var DIGITS = new RegExp("^[" + WS + "]*\\p{Nd}+[" + WS + "]*$", "u");
  var ADDRESS = new RegExp("^[" + WS + "]*0[0-9]{7}[" + WS + "]*$", "u");
  var STRIP = new RegExp("^[" + WS + "]+|[" + WS + "]+$", "gu");
  var ND = /\p{Nd}/u;
  var NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

  function has(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
  }

  // The number of code points in s (Python's len), counting no further than limit + 1.
  function codePoints(s, limit) {
    var n = 0;
    for (var _ of s) if (++n > limit) break;
    return n;
  }

  // Whether s has more than limit code points (never more of them than UTF-16 units).
  function longer(s, limit) {
    return s.length > limit && codePoints(s, limit) > limit;
  }

  function strip(s) {
    return s.replace(STRIP, "");
  }

  function big(v) {
    return BigInt(v); // page_spec sends ints beyond 2**53 as strings
  }

  function abs(n) {
    return n < 0n ? -n : n;
  }

  function hex(n) {
    // Python's f"{n:#x}"
    return n < 0n ? "-0x" + (-n).toString(16) : "0x" + n.toString(16);
  }

  // Any Unicode decimal digits (as Python's int() reads them) to ASCII: Nd digits come in
  // runs of ten, 0 to 9.
  function asciiDigits(s) {
    var out = "";
    for (var ch of s) {
      var cp = ch.codePointAt(0);
      if (cp >= 0x30 && cp <= 0x39) {
        out += ch;
        continue;
      }
      var start = cp;
      while (ND.test(String.fromCodePoint(start - 1))) start--;
      out += String((cp - start) % 10);
    }
    return out;
  }

  // Python's repr() of a str.
  function repr(s) {
    var quote = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var out = quote;
    for (var ch of s) {
      var cp = ch.codePointAt(0);
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\t") out += "\\t";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
      else if (cp < 0x7f || ch === " ") out += ch;
      else if (NOT_PRINTABLE.test(ch)) {
        if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
        else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
        else out += "\\U" + cp.toString(16).padStart(8, "0");
      } else out += ch;
    }
    return out + quote;
  }

  // errors.shorten of a str: its repr, cut to LIMITS.shown characters when longer.
  function shorten(s) {
    var r = Array.from(repr(s));
    if (r.length <= LIMITS.shown) return r.join("");
    return r.slice(0, LIMITS.shown - 12).join("") + "…" + r.slice(-10).join("");
  }

  function clean(text) {
    return strip(text).toLowerCase().replace(/,/g, "").replace(/_/g, "");
  }

  // core._bare_hex: hex without 0x that cannot be decimal (it has a letter)
  function bareHex(t, units) {
    return BARE_HEX.test(t) && !/^0[box]/.test(t) && !(units && has(UNITS, t));
  }

  // core._unit_of: the unit typed after a number, "" when none
  function unitOf(text) {
    if (typeof text !== "string" || longer(text, LIMITS.maxReply)) return "";
    var m = NUMBER.exec(clean(text));
    return m ? m[2] : "";
  }

  var UNIT_NAMES = { 1024: "kB", 1048576: "MB", 1073741824: "GB", 4096: "pages" };

  // core.parse_number for text: a BigInt, or null when it is not a number (over
  // LIMITS.maxReply characters, or more than LIMITS.maxDigits digits, is none).
  function parseNumber(text, units) {
    if (typeof text !== "string" || longer(text, LIMITS.maxReply)) return null;
    var t = clean(text);
    if (bareHex(t, units)) return longer(t, LIMITS.maxDigits) ? null : BigInt("0x" + t);
    var m = NUMBER.exec(t);
    if (!m || (m[2] && (!units || !has(UNITS, m[2]))) || longer(m[1], LIMITS.maxDigits)) return null;
    var digits = m[1];
    var p = digits.slice(0, 2);
    var value = p === "0x" || p === "0b" || p === "0o" ? BigInt(digits) : BigInt(asciiDigits(digits));
    return value * UNITS[m[2]];
  }

  function hexMisread(got, want) {
    return got !== null && got !== want && got.toString() === want.toString(16);
  }

  // core.py:rough_distance and rough_count: a band, never the exact distance
  function roughDistance(n) {
    if (n < 4096n) return "by less than a page";
    if (n < 1n << 16n) return "by a few pages (less than 64 kB)";
    if (n < 1n << 20n) return "by 64 kB to 1 MB";
    if (n < 16n << 20n) return "by 1 to 16 MB";
    return "by 16 MB or more";
  }
  function roughCount(d, value) {
    return abs(d) * 10n <= abs(value) ? ", but close (within 10%)" : "";
  }

  function lookup(pairs, n) {
    // pairs: [[value, text], ...]; the text for n, or undefined
    for (var i = 0; i < (pairs || []).length; i++) if (big(pairs[i][0]) === n) return pairs[i][1];
    return undefined;
  }

  function right(spec) {
    return { correct: true, message: spec.explain ? "Right. " + spec.explain : "Right." };
  }

  function wrong(message) {
    return { correct: false, message: message };
  }

  // -- number ---------------------------------------------------------------------------------
  // NumberExercise._read: the question says hex (eight digits are hex too) or decimal (hex
  // needs its 0x); with a unit, a size is counted in the question's unit (spec.unit bytes)
  function readNumber(spec, reply) {
    var n = parseNumber(reply, spec.units);
    if (spec.hex && EIGHT_DIGITS.test(reply)) n = BigInt("0x" + asciiDigits(strip(reply)));
    else if (!spec.hex && bareHex(clean(reply), spec.units)) return null;
    var unit = big(spec.unit === undefined ? 1 : spec.unit);
    if (n !== null && unit !== 1n && unitOf(reply)) return n % unit === 0n ? n / unit : null;
    return n;
  }

  function unreadable(spec, reply) {
    if (!spec.hex && bareHex(clean(reply), spec.units))
      return wrong(
        "I could not read " + shorten(reply) + " as a decimal number: it looks like hex without 0x, and this " +
          "question asks for a decimal number, like 42 (hex needs its 0x)."
      );
    var unit = String(spec.unit === undefined ? 1 : spec.unit);
    if (has(UNIT_NAMES, unit)) {
      var name = UNIT_NAMES[unit];
      return wrong("I could not read " + shorten(reply) + " as a whole number of " + name + ": write it like 42 or 42 " + name + ".");
    }
    var example = spec.hex ? "0xc0801234" : "42";
    var extra = spec.units ? ", or with a unit such as 4096 bytes, 8 kB or 3 pages (1 kB = 1024 bytes)" : "";
    return wrong("I could not read " + shorten(reply) + " as a number: write it like " + example + extra + ".");
  }

  function checkNumber(spec, reply) {
    var value = big(spec.value);
    var n = readNumber(spec, reply);
    if (n === null) return unreadable(spec, reply);
    if (n === value) return right(spec);
    var slip = lookup(spec.mistakes, n);
    if (slip !== undefined) return wrong(slip);
    if (spec.hex && hexMisread(n, value))
      return wrong(n + " was read as decimal; did you mean " + hex(value) + "? Write hex with 0x.");
    var hint = spec.hint ? " Hint: " + spec.hint : "";
    if (spec.hex && DIGITS.test(reply) && n > 0n && n < 4096n && value >= 1n << 24n)
      return wrong(n + " looks like a size in MB; this question asks for an address in hex, like 0xc0801234." + hint);
    var d = n - value;
    var way = d > 0n ? "high" : "low";
    var words = (spec.prompt + " " + spec.hint + " " + spec.explain).toLowerCase();
    if (spec.hex && abs(d) === 4096n && words.indexOf("guard") >= 0)
      return wrong(
        "Not yet: your answer is exactly one page (0x1000) too " + way +
          ": is a guard page counted where there is none, or left out?" + hint
      );
    var msg = "Not yet.";
    if (spec.show_distance) {
      var how = spec.hex ? ", " + roughDistance(abs(d)) : roughCount(d, value);
      msg = "Not yet: your answer is too " + way + how + ".";
    }
    return wrong(msg + hint);
  }

  function pfnReply(reply) {
    // PfnExercise._as_hex: not when "0x" would take it over LIMITS.maxReply
    return DIGITS.test(reply) && !longer(strip(reply), LIMITS.maxReply - 2) ? "0x" + strip(reply) : reply;
  }

  function checkPfn(spec, reply) {
    reply = pfnReply(reply);
    var value = big(spec.value);
    var n = parseNumber(reply, false);
    if (n === null || n === value || lookup(spec.mistakes, n) !== undefined) return checkNumber(spec, reply);
    var d = abs(n - value);
    return wrong(
      "Not yet: your answer is too " + (n > value ? "high" : "low") + ", " +
        roughDistance(d * 4096n).replace("page", "frame") + ". Hint: " + spec.hint
    );
  }

  function addressReply(reply) {
    return ADDRESS.test(reply) ? "0x" + strip(reply) : reply;
  }

  // -- choice ---------------------------------------------------------------------------------
  function matchOption(spec, reply) {
    var key = strip(String(reply)).toLowerCase();
    for (var i = 0; i < spec.options.length; i++) if (spec.options[i][0].toLowerCase() === key) return spec.options[i];
    return null;
  }

  function checkChoice(spec, reply) {
    var o = matchOption(spec, reply);
    if (!o) return wrong("Choose one of: " + spec.options.map((x) => x[0]).join(", ") + ".");
    return o[0] === spec.correct ? right(spec) : wrong(o[1]);
  }

  // -- fields ---------------------------------------------------------------------------------
  function fieldPattern(name) {
    // Python: re.search(rf"\b{re.escape(name)}\s*[=:]\s*(\S+)", text, re.I), \b and \s as in str patterns
    var first = String.fromCodePoint(name.codePointAt(0));
    var boundary = WORD.test(first) ? "(?<![\\p{L}\\p{N}_])" : "(?<=[\\p{L}\\p{N}_])";
    var esc = name.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    return new RegExp(boundary + esc + "[" + WS + "]*[=:][" + WS + "]*([^" + WS + "]+)", "iu");
  }

  function parseFields(spec, reply) {
    var got = {};
    for (var i = 0; i < spec.fields.length; i++) {
      var k = spec.fields[i][0];
      var m = fieldPattern(k).exec(reply);
      got[k] = m ? parseNumber(m[1], false) : null;
    }
    return got;
  }

  function checkFields(spec, reply) {
    var got = parseFields(spec, reply);
    var names = spec.fields.map((f) => f[0]);
    if (names.every((k) => got[k] === null))
      return wrong("Write each part as name=value, like: " + names.map((k) => k + "=0x…").join(" "));
    var parts = [];
    var allRight = true;
    for (var i = 0; i < spec.fields.length; i++) {
      var k = spec.fields[i][0];
      var want = big(spec.fields[i][1]);
      var g = got[k];
      if (g === want) {
        parts.push(k + " is right");
        continue;
      }
      allRight = false;
      var how = (spec.why && has(spec.why, k) && spec.why[k]) || "";
      var slip = g === null ? undefined : lookup(spec.mistakes && has(spec.mistakes, k) ? spec.mistakes[k] : [], g);
      if (slip === undefined && hexMisread(g, want))
        slip = g + " was read as decimal; did you mean " + hex(want) + "? Write hex with 0x";
      if (g === null) parts.push(k + " is missing");
      else if (slip) parts.push(k + ": " + slip);
      else parts.push(k + " is not right yet" + (how ? " (" + how + ")" : ""));
    }
    if (allRight) return right(spec);
    var fb = wrong(parts.map((p) => p.replace(/\.+$/, "")).join("; ") + ".");
    if (spec.slips) {
      var notes = [];
      for (var j = 0; j < spec.fields.length; j++) {
        var name = spec.fields[j][0];
        var v = got[name];
        if (v === null || v === big(spec.fields[j][1]) || !has(spec.slips, name)) continue;
        var note = lookup(spec.slips[name], v);
        if (note !== undefined) notes.push(name + ": " + note);
      }
      if (notes.length) fb = wrong([fb.message].concat(notes).join(" "));
    }
    return fb;
  }

  // -- the entry point ------------------------------------------------------------------------
  function readable(spec, reply) {
    if (spec.kind === "choice") return matchOption(spec, reply) !== null;
    if (spec.kind === "fields") {
      var got = parseFields(spec, reply);
      return spec.fields.some((f) => got[f[0]] !== null);
    }
    if (spec.address) reply = addressReply(reply);
    if (spec.pfn) {
      reply = pfnReply(reply);
      if (parseNumber(reply, false) !== null) return true;
    }
    return readNumber(spec, reply) !== null;
  }

  globalThis.vmwCheck = function (spec, reply) {
    if (spec.kind === "choice") {
      if (reply === null || reply === undefined) return { correct: false, message: "Choose an answer first.", readable: false };
    } else if (reply === null || reply === undefined || !strip(String(reply))) {
      return { correct: false, message: "Type an answer first.", readable: false };
    }
    reply = String(reply);
    if (longer(reply, LIMITS.maxReply)) {
      var n = codePoints(reply, Infinity);
      var message = "That reply has " + n + " characters; an answer here has at most " + LIMITS.maxReply + ".";
      return { correct: false, message: message, readable: false }; // core._too_long: nothing of it is read
    }
    var fb;
    if (spec.kind === "choice") fb = checkChoice(spec, reply);
    else if (spec.kind === "fields") fb = checkFields(spec, reply);
    else if (spec.pfn) fb = checkPfn(spec, reply);
    else fb = checkNumber(spec, spec.address ? addressReply(reply) : reply);
    fb.readable = readable(spec, reply);
    return fb;
  };
  globalThis.vmwCheck.LIMITS = Object.freeze(Object.assign({}, LIMITS));
})();
