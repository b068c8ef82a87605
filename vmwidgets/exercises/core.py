"""Exercises a student answers in the notebook, checked with feedback that explains.

Pure Python (no widget import): :mod:`vmwidgets.widgets.exercise` puts them on screen.
A student's reply is text; a reply that cannot be read is not an error but feedback
saying how to write it.  Each lesson module builds its exercises from a seed, so a class
can get different numbers, with the answers computed by the model itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..errors import InvalidArgument, InvariantError, shorten

if TYPE_CHECKING:
    from ..model.kernel import Kernel
    from ..timeline import Timeline

__all__ = [
    "ChoiceExercise",
    "Exercise",
    "Feedback",
    "FieldsExercise",
    "Lesson",
    "NumberExercise",
    "MAX_REPLY",
    "ok",
    "parse_number",
    "recorded",
    "reply_text",
    "rough_count",
    "rough_distance",
    "step_lines",
    "step_list",
    "unlike_seed0",
]

T = TypeVar("T")
E = TypeVar("E", bound="Exercise")

_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
          "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
          "page": 4096, "pages": 4096}  # fmt: skip


def ok(value: T | None, call: str) -> T:
    """What ``call`` returned in an exercise's set-up, which is built to succeed (memory to
    spare, an area that fits): a NULL there is a bug in the exercise, an :class:`InvariantError`."""
    if value is None:
        raise InvariantError("exercise set-up:", call, "a result, not NULL")
    return value


def recorded(kernel: Kernel) -> Timeline:
    """``kernel.timeline``: every exercise boots a kernel that records."""
    from ..timeline import Timeline  # the core types it as a Protocol: it may not import the replay layer

    timeline = kernel.timeline
    if not isinstance(timeline, Timeline):
        raise InvariantError("exercise set-up:", "kernel.timeline", "a recording kernel, not Kernel(record=False)")
    return timeline


def step_lines(timeline: Timeline, start: int, end: int, stop: str = "") -> str:
    """Steps ``start`` … ``end - 1`` of ``timeline`` for a worked answer: one preformatted line
    each (``step n``, as the player numbers it, the kernel function, the narration), up to the
    first of kind ``stop`` if given."""
    from ..render.narration import explain  # the player's own words for each step

    lines = []
    for i in range(start, end):
        ev = timeline[i]
        lines.append(f"    step {i + 1:4} {ev.fn:42} {explain(ev)}")
        if stop and ev.kind == stop:
            break
    return "\n".join(lines)


def step_list(timeline: Timeline, start: int, end: int, stop: str = "") -> str:
    """:func:`step_lines` under the sentence that says how to read them."""
    return "The steps (at step n the player shows the state after it):\n\n" + step_lines(timeline, start, end, stop)


MAX_REPLY = 500  # characters: the longest key (several fields in hex) is under 100
_MAX_DIGITS = 160  # a 32-bit address is 10 digits; no question needs a number this long


def reply_text(reply: Any) -> str | None:
    """``reply`` as text for the parsers: a str as it is, an int (not bool) as digits, None as
    ``""``; None for a reply over :data:`MAX_REPLY` characters or one whose ``str`` fails."""
    if reply is None:
        return ""
    if isinstance(reply, int) and not isinstance(reply, bool):
        return str(reply) if reply.bit_length() <= 4 * _MAX_DIGITS else None
    if not isinstance(reply, str):
        try:
            reply = str(reply)
        except Exception:  # a hostile __str__ is just an unreadable reply
            return None
        if not isinstance(reply, str):
            return None
    return reply if len(reply) <= MAX_REPLY else None


def _too_long(reply: Any) -> Feedback | None:
    """The verdict on a reply too long to be an answer (read nothing of it), else None."""
    if isinstance(reply, str) and len(reply) > MAX_REPLY:
        return Feedback(False, f"That reply has {len(reply)} characters; an answer here has at most {MAX_REPLY}.")
    return None


class Feedback(NamedTuple):
    """The verdict on one reply: ``correct`` and a message written for the student."""

    correct: bool
    message: str

    def __str__(self) -> str:
        return ("✔ " if self.correct else "✘ ") + self.message


def parse_number(text: Any, units: bool = False) -> int | None:
    """``"0xc0801234"``, ``"3221225472"``, ``"0b101"``, ``"1_000"`` → int; with ``units``
    also ``"896 MB"``, ``"8k"``, ``"4096 bytes"``, ``"3 pages"``.  None when it is not a number.

    The one rule for a number a student types (NumberExercise adds what a question says):

    * decimal: ``887``, ``1_000``, ``1,000``;
    * hex with ``0x`` (``0xc0801234``, any case), or without it when that cannot be decimal:
      a hex letter (``b7ea2000``).  A question that asks for hex also reads eight digits as
      hex (``08048000``, as /proc prints an address); a question that asks for a decimal
      number does not read hex without ``0x`` at all ("1e3" is refused, saying why);
    * a size, where the question asks for one: a unit after the number, with or without a
      space and in any case, in binary multiples: ``b``/``byte(s)``, ``k``/``kB``/``KiB``
      = 1024, ``M``/``MB``/``MiB`` = 1024², ``G``/``GB``/``GiB`` = 1024³, ``page(s)`` = 4096.

    Total: any str (or other object) gives an int or None, in time linear in its length;
    text over :data:`MAX_REPLY` characters or with more than 160 digits is no number."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if text.bit_length() <= 4 * _MAX_DIGITS else None
    if not isinstance(text, str) or len(text) > MAX_REPLY:
        return None
    t = _clean(text)
    if _bare_hex(t, units):
        return int(t, 16) if len(t) <= _MAX_DIGITS else None  # bare hex as /proc files print it: b7ea2000
    m = _NUMBER.fullmatch(t)
    if not m or (m.group(2) and (not units or m.group(2) not in _UNITS)) or len(m.group(1)) > _MAX_DIGITS:
        return None
    digits = m.group(1)
    value = int(digits, 0) if digits[:2] in ("0x", "0b", "0o") else int(digits, 10)  # "08048000" is not octal
    return value * _UNITS[m.group(2)]


_HEX = re.compile(r"[0-9a-f]+")


def _clean(text: str) -> str:
    return text.strip().lower().replace(",", "").replace("_", "")


def _bare_hex(t: str, units: bool) -> bool:
    """Whether cleaned text ``t`` is hex without 0x that cannot be decimal (it has a letter)."""
    return (
        bool(_HEX.fullmatch(t))
        and t[:2] not in ("0b", "0o", "0x")
        and not (units and t in _UNITS)
        and bool(t.strip("0123456789"))
    )


def _unit_of(text: Any) -> str:
    """The unit typed after a number ("mb" in "887 MB"), "" when none (or not a number)."""
    if not isinstance(text, str) or len(text) > MAX_REPLY:
        return ""
    m = _NUMBER.fullmatch(_clean(text))
    return m.group(2) if m else ""


_UNIT_NAMES = {1 << 10: "kB", 1 << 20: "MB", 1 << 30: "GB", 4096: "pages"}
_NUMBER = re.compile(r"(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)\s*([a-z]*)")


def _hex_misread(got: int | None, want: int) -> bool:
    """A reply typed as hex digits without 0x (``455`` for 0x455) and so read as decimal."""
    return got is not None and got != want and str(got) == f"{want:x}"


def rough_distance(nbytes: int) -> str:
    """How far off an address or size is, in bands, not exactly: an exact distance would let
    the student subtract their way to the key without the idea the question asks for.
    The bands say which kind of slip it is (the offset in a page, a guard page, a wrong region)."""
    if nbytes < 4096:
        return "by less than a page"
    if nbytes < 1 << 16:
        return "by a few pages (less than 64 kB)"
    if nbytes < 1 << 20:
        return "by 64 kB to 1 MB"
    if nbytes < 16 << 20:
        return "by 1 to 16 MB"
    return "by 16 MB or more"


def rough_count(d: int, value: int) -> str:
    """How far off a count is: only whether it is close (within 10 % of the key)."""
    return ", but close (within 10%)" if abs(d) * 10 <= abs(value) else ""


@dataclass(repr=False)
class Exercise:
    """One question.  ``check(reply)`` returns :class:`Feedback`; ``answer`` is the key.

    ``explain`` is shown with a right answer (the why); ``hint`` when the student asks;
    ``worked`` is the longer worked answer (``ExerciseWidget``'s ``after``, in
    :func:`vmwidgets.render.notes.note_html`'s Markdown subset) that a widget shows only once
    the student has committed.  Built here, not in a notebook cell, a worked answer is in no
    cell a student reads before answering.

    The repr shows the question, never the answer: ``print(LESSON.exercises(0))`` in a
    student's notebook must not give the key away.  Teachers get the answers from
    ``answer``/``answer_text()``, from :meth:`Lesson.answer_key` or from the shell with
    ``python -m vmwidgets.exercises LESSON SEED``.  The fields that hold (or explain) the
    answer are ``repr=False``, so a subclass decorated with plain ``@dataclass`` does not
    print them either; the kinds here use ``@dataclass(repr=False)`` and this repr.
    """

    id: str
    prompt: str
    hint: str = ""
    explain: str = field(default="", repr=False)
    seed: int | None = None
    worked: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, seed={self.seed!r}, prompt={shorten(self.prompt)})"

    @property
    def answer(self) -> Any:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def check(self, reply: Any) -> Feedback:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def answer_text(self) -> str:
        return str(self.answer)

    def understood(self, reply: Any) -> bool:
        """Whether ``reply`` could be read at all (a number that parses, one of the options,
        at least one field), right or wrong: an unreadable reply is not a committed answer.

        Each kind reads the reply as its ``check`` does.  When the class whose ``check`` is
        used does not define ``understood`` itself (a teacher's subclass with its own check),
        any reply that is not blank counts.
        """
        return bool((reply_text(reply) or "").strip())

    def page_spec(self) -> dict[str, Any] | None:
        """What ``vmwidgets/widgets/check.js`` needs to check this exercise in a browser, as JSON.

        ``kind`` (``"number"``, ``"choice"`` or ``"fields"``), ``id``, ``prompt``, ``hint``,
        ``explain`` and the kind's data; the script then gives the same feedback as
        :meth:`check`.  None when the checking needs Python: when the class whose ``check``
        is used does not define ``page_spec`` itself (a teacher's subclass with its own
        check, say).  A static page then says that this question needs the live notebook.
        """
        if not self._own("page_spec") or self._checker() is Exercise:
            return None
        return {"id": self.id, "prompt": self.prompt, "hint": self.hint, "explain": self.explain}

    def _checker(self) -> type:
        """The class whose ``check`` this exercise uses."""
        return next(c for c in type(self).__mro__ if "check" in c.__dict__)

    def _own(self, name: str) -> bool:
        """Whether the class whose ``check`` is used defines ``name`` too (so it matches that check)."""
        return name in self._checker().__dict__

    def _right(self) -> Feedback:
        return Feedback(True, "Right. " + self.explain if self.explain else "Right.")


def _js_int(n: int) -> int | str:
    """An int for JSON that JavaScript reads exactly: beyond 2**53 it is sent as a string."""
    return n if abs(n) < 1 << 53 else str(n)


def _pairs(mapping: Mapping[int, str]) -> list[list[Any]]:
    return [[_js_int(k), v] for k, v in mapping.items()]


@dataclass(repr=False)
class NumberExercise(Exercise):
    """A number (an address, a size, a count, an index).

    ``mistakes`` maps wrong answers students often give to what each one means (``"that is
    __pa, not __va"``).  Other wrong answers get the direction to the key and, when
    ``show_distance`` is on, a rough distance (:func:`rough_distance`, :func:`rough_count`),
    never an exact one: that would give the key away by a subtraction.

    Replies are read by :func:`parse_number`'s rule, as the question says: ``hex`` (an
    address: eight digits are hex too) or decimal (hex needs its 0x); ``units`` lets a size
    carry a unit, and ``unit`` is what one of the answer counts, in bytes: ``unit=MB`` for
    "how many MB", so ``887``, ``887 MB``, ``887MB`` and ``908288 kB`` all read as 887.
    Slips get their own words: hex typed without 0x to either kind of question, a small
    decimal number (a size in MB) to a question that asks for an address, and an answer
    exactly one page off where the question is about guard pages.
    """

    value: int = field(default=0, repr=False)
    hex: bool = True
    units: bool = False
    mistakes: Mapping[int, str] = field(default_factory=dict, repr=False)
    show_distance: bool = True
    unit: int = 1

    @property
    def answer(self) -> int:
        return self.value

    def answer_text(self) -> str:
        return f"{self.value:#x}" if self.hex else str(self.value)

    def _read(self, reply: Any) -> int | None:
        n = parse_number(reply, self.units)
        if not isinstance(reply, str) or len(reply) > MAX_REPLY:
            return n
        if self.hex and re.fullmatch(r"\s*\d{8}\s*", reply):
            n = int(reply, 16)  # eight digits: an address printed without 0x, as /proc does
        elif not self.hex and _bare_hex(_clean(reply), self.units):
            return None  # a decimal question: hex needs its 0x
        if n is not None and self.unit != 1 and _unit_of(reply):
            return n // self.unit if n % self.unit == 0 else None  # a size with its unit, in the question's unit
        return n

    def _unreadable(self, reply: Any) -> Feedback:
        shown = shorten(reply_text(reply) or reply)
        if isinstance(reply, str) and not self.hex and _bare_hex(_clean(reply), self.units):
            return Feedback(
                False,
                f"I could not read {shown} as a decimal number: it looks like hex without 0x, and this question "
                "asks for a decimal number, like 42 (hex needs its 0x).",
            )
        if self.unit in _UNIT_NAMES:
            name = _UNIT_NAMES[self.unit]
            return Feedback(
                False, f"I could not read {shown} as a whole number of {name}: write it like 42 or 42 {name}."
            )
        example = "0xc0801234" if self.hex else "42"
        extra = ", or with a unit such as 4096 bytes, 8 kB or 3 pages (1 kB = 1024 bytes)" if self.units else ""
        return Feedback(False, f"I could not read {shown} as a number: write it like {example}{extra}.")

    def understood(self, reply: Any) -> bool:
        if not self._own("understood"):
            return super().understood(reply)
        return self._read(reply) is not None

    def page_spec(self) -> dict[str, Any] | None:
        spec = super().page_spec()
        if spec is not None:
            spec.update(
                kind="number",
                value=_js_int(self.value),
                hex=self.hex,
                units=self.units,
                mistakes=_pairs(self.mistakes),
                show_distance=self.show_distance,
                unit=_js_int(self.unit),
            )
        return spec

    def check(self, reply: Any) -> Feedback:
        long = _too_long(reply)
        if long is not None:
            return long
        n = self._read(reply)
        if n is None:
            return self._unreadable(reply)
        if n == self.value:
            return self._right()
        if n in self.mistakes:
            return Feedback(False, self.mistakes[n])
        if self.hex and _hex_misread(n, self.value):
            return Feedback(False, f"{n} was read as decimal; did you mean {self.value:#x}? Write hex with 0x.")
        hint = f" Hint: {self.hint}" if self.hint else ""
        plain = isinstance(reply, str) and re.fullmatch(r"\s*\d+\s*", reply)
        if self.hex and plain and 0 < n < 4096 and self.value >= 1 << 24:
            return Feedback(
                False,
                f"{n} looks like a size in MB; this question asks for an address in hex, like 0xc0801234.{hint}",
            )
        d = n - self.value
        way = "high" if d > 0 else "low"
        if self.hex and abs(d) == 4096 and "guard" in f"{self.prompt} {self.hint} {self.explain}".lower():
            return Feedback(
                False,
                f"Not yet: your answer is exactly one page (0x1000) too {way}: is a guard page counted where there "
                f"is none, or left out?{hint}",
            )
        msg = "Not yet."
        if self.show_distance:
            how = f", {rough_distance(abs(d))}" if self.hex else rough_count(d, self.value)
            msg = f"Not yet: your answer is too {way}{how}."
        return Feedback(False, msg + hint)


@dataclass(repr=False)
class ChoiceExercise(Exercise):
    """Pick one option; every wrong option says why it is wrong."""

    options: Mapping[str, str] = field(default_factory=dict, repr=False)  # option -> why it is (not) the answer
    correct: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.correct not in self.options:
            raise InvalidArgument("correct", self.correct, "one of the options: " + ", ".join(self.options))

    @property
    def answer(self) -> str:
        return self.correct

    def _match(self, reply: Any) -> list[str]:
        key = (reply_text(reply) or "").strip()
        return [o for o in self.options if o.lower() == key.lower()]

    def understood(self, reply: Any) -> bool:
        if not self._own("understood"):
            return super().understood(reply)
        return bool(self._match(reply))

    def page_spec(self) -> dict[str, Any] | None:
        spec = super().page_spec()
        if spec is not None:
            spec.update(kind="choice", options=[[o, why] for o, why in self.options.items()], correct=self.correct)
        return spec

    def check(self, reply: Any) -> Feedback:
        long = _too_long(reply)
        if long is not None:
            return long
        match = self._match(reply)
        if not match:
            return Feedback(False, f"Choose one of: {', '.join(self.options)}.")
        if match[0] == self.correct:
            return self._right()
        return Feedback(False, self.options[match[0]])


@dataclass(repr=False)
class FieldsExercise(Exercise):
    """Several numbers at once (an address's PGD index, PTE index and offset …).

    The reply is a mapping, or text like ``"pgd=0x302 pte=1 offset=0x234"``; each field
    is judged on its own, so the feedback says which part is right.
    """

    fields: Mapping[str, int] = field(default_factory=dict, repr=False)
    why: Mapping[str, str] = field(default_factory=dict, repr=False)  # field -> how to compute it
    mistakes: Mapping[str, Mapping[int, str]] = field(default_factory=dict, repr=False)  # field -> wrong -> meaning
    hex: bool = True  # False for counts: the key prints decimal

    @property
    def answer(self) -> dict[str, int]:
        return dict(self.fields)

    def answer_text(self) -> str:
        return " ".join(f"{k}={v:#x}" if self.hex and v >= 10 else f"{k}={v}" for k, v in self.fields.items())

    def parse(self, reply: Any) -> dict[str, int | None]:
        if isinstance(reply, Mapping):
            try:
                return {k: parse_number(reply.get(k)) for k in self.fields}
            except Exception:  # a hostile mapping is an unreadable reply
                return dict.fromkeys(self.fields)
        text = reply_text(reply) or ""
        got: dict[str, int | None] = {}
        for k in self.fields:
            m = re.search(rf"\b{re.escape(k)}\s*[=:]\s*(\S+)", text, re.I)
            got[k] = parse_number(m.group(1)) if m else None
        return got

    def understood(self, reply: Any) -> bool:
        if not self._own("understood"):
            return super().understood(reply)
        return any(v is not None for v in self.parse(reply).values())

    def page_spec(self) -> dict[str, Any] | None:
        spec = super().page_spec()
        if spec is not None:
            spec.update(
                kind="fields",
                fields=[[k, _js_int(v)] for k, v in self.fields.items()],
                why=dict(self.why),
                mistakes={k: _pairs(m) for k, m in self.mistakes.items()},
                hex=self.hex,
            )
        return spec

    def check(self, reply: Any) -> Feedback:
        long = _too_long(reply)
        if long is not None:
            return long
        got = self.parse(reply)
        if all(v is None for v in got.values()):
            example = " ".join(f"{k}=0x…" for k in self.fields)
            return Feedback(False, f"Write each part as name=value, like: {example}")
        wrong = [k for k, v in self.fields.items() if got.get(k) != v]
        if not wrong:
            return self._right()
        parts = []
        for k in self.fields:
            if k in wrong:
                how = self.why.get(k, "")
                got_k = got.get(k)
                slip = None if got_k is None else self.mistakes.get(k, {}).get(got_k)
                if slip is None and _hex_misread(got.get(k), self.fields[k]):
                    slip = f"{got[k]} was read as decimal; did you mean {self.fields[k]:#x}? Write hex with 0x"
                if got.get(k) is None:
                    parts.append(f"{k} is missing")
                elif slip:
                    parts.append(f"{k}: {slip}")
                else:
                    parts.append(f"{k} is not right yet" + (f" ({how})" if how else ""))
            else:
                parts.append(f"{k} is right")
        text = "; ".join(p.rstrip(".") for p in parts)
        return Feedback(False, text + ".")


_SEED0_TRIES = 100


@functools.cache
def _seed0_prompts(make: Callable[[int], Sequence[Exercise]]) -> dict[str, str]:
    return {e.id: e.prompt for e in make(0)}


def unlike_seed0(seed: int, make: Callable[[int], Sequence[Exercise]], build: Callable[[int], E]) -> E:
    """``build(0)``, the exercise a lesson's ``make(seed)`` draws; for a seed other than 0 whose
    question comes out word for word as seed 0's (its numbers drawn the same from a small
    choice), ``build(1)``, ``build(2)`` … until it differs.

    Seed 0's questions are the ones the stored lessons show, so another seed (*new numbers*)
    must not repeat one of them.  Seed 0, and every seed whose question already differs,
    keep their numbers; ``build(n)`` for n ≥ 1 draws anew (from the lesson's generator, which
    has moved on, or from one seeded with ``n``)."""
    e = build(0)
    if seed == 0:
        return e
    zero = _seed0_prompts(make).get(e.id)
    for attempt in range(1, _SEED0_TRIES):
        if e.prompt != zero:
            return e
        e = build(attempt)
    raise InvariantError(
        f"exercise {e.id!r}, seed {seed}:", "redrawn", f"a question unlike seed 0's within {_SEED0_TRIES} draws"
    )


@dataclass
class Lesson:
    """A lesson's exercises from a seed (``make(seed)``), and their answer key."""

    number: int
    title: str
    make: Callable[[int], Sequence[Exercise]]

    def exercises(self, seed: int = 0) -> list[Exercise]:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InvalidArgument("seed", seed, "a whole number ≥ 0 (each seed gives a different set of numbers)")
        out = list(self.make(seed))
        for e in out:
            e.seed = seed
        return out

    def answer_key(self, seed: int = 0) -> str:
        """The answers for ``seed``, one line each, for the teacher."""
        lines = [f"Lesson {self.number}: {self.title} — answers for seed {seed}"]
        for e in self.exercises(seed):
            lines.append(f"  {e.id}: {e.answer_text()}")
        return "\n".join(lines)
