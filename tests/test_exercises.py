"""The exercise framework: replies are read leniently, feedback explains, keys are complete."""

from __future__ import annotations

import pytest

from vmwidgets import InvalidArgument
from vmwidgets.exercises import (
    LESSONS,
    ChoiceExercise,
    Feedback,
    FieldsExercise,
    Lesson,
    NumberExercise,
    parse_number,
)
from vmwidgets.exercises.lessons import load_all


@pytest.mark.parametrize(
    ("text", "units", "value"),
    [
        ("0xC0801234", False, 0xC0801234),
        (" 3221225472 ", False, 3221225472),
        ("1_000", False, 1000),
        ("0b101", False, 5),
        ("b7ea2000", False, 0xB7EA2000),
        ("08048000", False, 8048000),
        ("896 MB", True, 896 << 20),
        ("8k", True, 8192),
        ("3 pages", True, 3 * 4096),
        ("896 MB", False, None),
        ("887MB", True, 887 << 20),
        ("4 KB", True, 4096),
        ("4 kB", True, 4096),
        ("4096 bytes", True, 4096),
        ("1 byte", True, 1),
        ("2 GB", True, 2 << 30),
        ("1e3", False, 0x1E3),  # parse_number reads bare hex; a decimal question refuses it
        ("twelve", False, None),
        (None, False, None),
        (True, False, None),
    ],
)
def test_parse_number(text: object, units: bool, value: int | None) -> None:
    assert parse_number(text, units) == value


def test_number_feedback_names_the_mistake_or_the_distance() -> None:
    e = NumberExercise("q", "next?", hint="count the guard page", explain="first fit.", value=0xF8802000,
                       mistakes={0xF8801000: "That forgets the guard page."})  # fmt: skip
    assert e.check("0xf8802000") == Feedback(True, "Right. first fit.")
    assert e.check("0xf8801000") == Feedback(False, "That forgets the guard page.")
    fb = e.check("0xf8803000")  # one page off, in a question about guard pages
    assert not fb.correct and "exactly one page (0x1000) too high: is a guard page" in fb.message
    # a band, never the exact distance: that would give the key by a subtraction
    assert "too high, by a few pages (less than 64 kB)." in e.check("0xf8804000").message
    pa = NumberExercise("pa", "__pa?", value=0x9019000)
    assert "too low, by a few pages (less than 64 kB)." in pa.check("0x9018000").message
    assert pa.check("0x9019010").message == "Not yet: your answer is too high, by less than a page."
    assert pa.check("0x9119000").message == "Not yet: your answer is too high, by 1 to 16 MB."
    assert pa.check("0x19019000").message == "Not yet: your answer is too high, by 16 MB or more."
    assert pa.check("0x9059000").message == "Not yet: your answer is too high, by 64 kB to 1 MB."
    assert "could not read" in e.check("soon").message
    assert e.check("f8802000").correct and e.check(" 0XF8802000 ").correct  # as /proc prints it
    assert NumberExercise("m", "?", value=0x08048000).check("08048000").correct


def test_fields_feedback_is_per_part() -> None:
    e = FieldsExercise("walk", "walk it", fields={"pgd": 0x302, "pte": 1, "offset": 0x234}, why={"pte": "bits 21–12"})
    assert e.check("pgd=0x302, pte=0x1, offset=0x234").correct
    fb = e.check("pgd=770 pte=2")
    assert fb.message == "pgd is right; pte is not right yet (bits 21–12); offset is missing."
    assert "name=value" in e.check("").message


def test_choice_feedback_says_why_an_option_is_wrong() -> None:
    e = ChoiceExercise(
        "rot", "which?", options={"left": "yes", "right": "No: the new node is a right child."}, correct="left"
    )
    assert e.check(" LEFT ").correct and e.check("right").message == "No: the new node is a right child."
    assert "Choose one of" in e.check("up").message
    with pytest.raises(InvalidArgument, match="correct"):
        ChoiceExercise("x", "?", options={"a": ""}, correct="b")


def test_lessons_have_three_exercises_keys_and_seeds_that_change_numbers() -> None:
    load_all()
    for n, lesson in LESSONS.items():
        a, b = lesson.exercises(0), lesson.exercises(1)
        assert len(a) >= 3, f"lesson {n}"
        assert len({e.id for e in a}) == len(a)
        for e in a:
            assert e.check(e.answer if not isinstance(e, NumberExercise) else hex(e.answer)).correct, e.id
            assert e.check(e.answer_text()).correct, e.id
        key = lesson.answer_key(0)
        assert all(e.id in key for e in a)
        assert [e.answer for e in a] != [e.answer for e in b] or n == 7, f"lesson {n}: seeds give the same numbers"
    with pytest.raises(InvalidArgument, match="seed"):
        Lesson(99, "x", lambda s: []).exercises(-1)


def test_exercise_widget_checks_and_reveals_once() -> None:
    from vmwidgets import Kernel
    from vmwidgets.widgets import ExerciseWidget, Player

    k = Kernel()
    a = k.vmalloc(4096)
    player = Player(k)
    player.seek(0)
    e = NumberExercise("next", "Where will vmalloc(4096) put the area?", value=a)
    wdg = ExerciseWidget(e, player=player, reveal=k.timeline.operations[0].end)
    end = k.timeline.operations[0].end
    assert wdg.check("").message == "Type an answer first." and player.position == 0
    assert "could not read" in wdg.check("hello").message and not wdg.attempts  # not an answer
    assert wdg.show_me.layout.display == "none"
    fb = wdg.check("0xf8900000")
    assert not fb.correct and player.position == 0 and player.limit == 0  # wrong: still held
    assert wdg.show_me.layout.display is None and "now shows" not in wdg.feedback.value
    wdg._hint()
    wdg.reply.value = hex(a)
    assert wdg.check().correct and player.position == end and player.limit is None
    assert "now shows" in wdg.feedback.value and "✔" in wdg.feedback.value  # the hint does not replace it
    assert wdg.show_me.layout.display == "none"
    player.seek(0)
    assert wdg.check().correct and player.position == 0  # revealed once only
    with pytest.raises(InvalidArgument, match="exercise"):
        ExerciseWidget("a question")


def test_the_worked_answer_waits_for_a_commit() -> None:
    """``after`` is in no widget state until a right answer or *Show me*; then it is shown,
    escaped, with its step list preformatted."""
    from vmwidgets import Kernel
    from vmwidgets.widgets import ExerciseWidget, Player

    k = Kernel()
    a = k.vmalloc(4096)
    op = k.timeline.operations[0]
    player = Player(k)
    player.seek(op.start)
    worked = f"It went to `{a:#x}` <b>:\n\n    step 1 walk"  # a step list right after the first paragraph
    wdg = ExerciseWidget(NumberExercise("next", "Where?", value=a), player=player, reveal=op.end, after=worked)
    assert wdg.after.value == "" and f"{a:#x}" not in repr(wdg.get_state())
    wdg.check("hello")  # unreadable: not a commit
    assert wdg.after.value == "" and wdg.show_me.layout.display == "none"
    wdg.check(hex(a + 4096))
    assert wdg.after.value == "" and wdg.show_me.layout.display is None  # wrong: held, Show me offered
    wdg.show()
    assert f"<code>{a:#x}</code>" in wdg.after.value and "&lt;b&gt;" in wdg.after.value
    assert "<pre>step 1 walk</pre>" in wdg.after.value and player.position == op.end
    # without a player: the worked answer alone waits for the right answer
    alone = ExerciseWidget(NumberExercise("n", "How many?", value=300, hex=False), after="Three hundred.")
    assert alone.check("299").correct is False and alone.after.value == ""
    assert alone.show_me.layout.display is None and alone.show_me.tooltip == "show the worked answer"
    assert alone.check("300").correct and "Three hundred." in alone.after.value
    # a quiz question, no player, no worked answer: Show me after a wrong try shows explain
    quiz = ExerciseWidget(NumberExercise("q", "How many?", value=3, hex=False, explain="Three, because."))
    assert quiz.show_me.layout.display == "none" and not quiz.check("4").correct
    assert quiz.show_me.layout.display is None and quiz.after.value == ""
    quiz.show()
    assert "Three, because." in quiz.after.value
    for bad in ("", "  ", 7, "x" * 20_001):
        with pytest.raises(InvalidArgument, match="after"):
            ExerciseWidget(NumberExercise("n", "?", value=1), after=bad)


def test_a_question_holds_the_earlier_players_of_its_timeline_too() -> None:
    """A player from an earlier cell has grown with the timeline to the question's call:
    it must not step into the answer either, and is released with the question."""
    from vmwidgets import Kernel
    from vmwidgets.widgets import ExerciseWidget, Player
    from vmwidgets.widgets.replay import PageData

    k = Kernel()
    k.vmalloc(4096)
    early = Player(k)  # an earlier cell's player
    early.seek(1)
    a = k.vmalloc(8192)
    op = k.timeline.operations[-1]
    other = Player(Kernel())  # another kernel's player is not held
    player = Player(k)
    player.seek(op.start)
    wdg = ExerciseWidget(NumberExercise("next", "Where?", value=a), player=player, reveal=op.end)
    assert early.limit == op.start and early.position == 1 and early.slider.max == op.start  # stays, capped
    early.seek(op.end)
    assert early.position == op.start and other.limit is None
    page = PageData()
    tree = page.tree(wdg)
    page.tree(early)
    page.steps()
    (eid,) = tree["also"]
    assert page.players[eid]["limit"] == op.start  # held on the replay page too; page.js releases it
    assert wdg.check(hex(a)).correct and early.limit is None and player.limit is None
    early.seek(op.end)
    assert early.position == op.end


def test_predict_then_check_holds_the_player_until_the_answer() -> None:
    from vmwidgets import Kernel
    from vmwidgets.widgets import ExerciseWidget, Player

    k = Kernel()
    a = k.vmalloc(4096)
    player = Player(k)
    op = k.timeline.operations[0]
    player.seek(op.start)
    wdg = ExerciseWidget(NumberExercise("next", "Where?", value=a), player=player, reveal=op.end)
    player.step_forward()
    player.seek(len(k.timeline))
    player._on_key(None, {"key": "End"}, None)
    assert player.position == op.start and player.slider.max == op.start  # no peeking
    k.vmalloc(4096)
    assert player.slider.max == op.start
    wdg.check("0x0")  # a wrong answer keeps it held ...
    assert player.limit == op.start and player.position == op.start
    assert wdg.show()  # ... until Show me
    assert player.limit is None and player.position == op.end and player.slider.max == len(k.timeline)
    player.seek(len(k.timeline))
    assert player.position == len(k.timeline)


def test_hex_typed_without_0x_gets_its_own_feedback() -> None:
    e = FieldsExercise("walk", "walk it", fields={"pgd": 0x302, "pte": 1, "offset": 0x455})
    assert "455 was read as decimal; did you mean 0x455?" in e.check("pgd=0x302 pte=1 offset=455").message
    n = NumberExercise("n", "?", value=0x979)
    assert "did you mean 0x979" in n.check("979").message


def test_an_exercise_repr_does_not_give_the_answer_away() -> None:
    """``print(LESSON.exercises(0))`` in a student's notebook shows the questions, not the key."""
    from vmwidgets.errors import shorten

    load_all()
    for n, lesson in LESSONS.items():
        for e in lesson.exercises(0) + lesson.exercises(1):
            shown = repr(e)
            assert shown == f"{type(e).__name__}(id={e.id!r}, seed={e.seed}, prompt={shorten(e.prompt)})"
            assert shown in repr([e]) and shown in str([e])
            for secret in (e.answer_text(), str(e.answer), *(getattr(e, "mistakes", None) or {})):
                text = str(secret)
                assert text not in shown or text in shorten(e.prompt) or text in (e.id, str(e.seed)), (n, e.id, text)
            assert "value=" not in shown and "correct=" not in shown and "explain=" not in shown
        assert "answers for seed 0" in lesson.answer_key(0)  # the teacher's way to the key

    class Teachers(NumberExercise):  # a subclass with plain @dataclass still hides the inherited answer
        pass

    import dataclasses

    t = dataclasses.dataclass(Teachers)("q", "How many?", explain="because 0x1234", value=0x1234)
    assert "1234" not in repr(t) and "4660" not in repr(t)


@pytest.mark.parametrize(
    "argv", [["1", "bad"], ["1", "-3"], ["1", "7x"], ["1", "1.5"], ["1", "３"], ["1", "2", "3"], []]
)
def test_answer_key_cli_refuses_what_it_cannot_read(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped seed used to print seed 0's answers, the ones the stored lessons quote."""
    from vmwidgets.exercises.__main__ import main

    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: python -m vmwidgets.exercises LESSON [SEED]" in err
    if len(argv) == 2:
        assert f"not {argv[1]!r}" in err


def test_answer_key_cli_prints_the_key_and_exits_non_zero_on_a_bad_seed() -> None:
    import subprocess
    import sys

    run = [sys.executable, "-m", "vmwidgets.exercises"]
    good = subprocess.run([*run, "1", "7"], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and good.stdout.startswith("Lesson 1:") and "seed 7" in good.stdout
    bad = subprocess.run([*run, "1", "seven"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == "" and "whole number" in bad.stderr


SEEDS = range(21)


def test_no_seed_repeats_a_question_of_seed_0() -> None:
    """Seed 0's questions are the ones the stored lessons show; another seed (new numbers) must
    ask something else wherever the numbers depend on the seed (seed 7's lowmem machine once
    was seed 0's: 32 machines to draw from)."""
    load_all()
    for n, lesson in sorted(LESSONS.items()):
        sets = [lesson.exercises(s) for s in SEEDS]
        zero = sets[0]
        assert all([e.id for e in s] == [e.id for e in zero] for s in sets), f"lesson {n}"
        for i, e in enumerate(zero):
            prompts = [s[i].prompt for s in sets]
            if len(set(prompts)) == 1:
                continue  # this question does not depend on the seed
            same = [s for s in SEEDS[1:] if prompts[s] == e.prompt]
            assert not same, f"lesson {n} {e.id}: seeds {same} ask seed 0's question"
    key = LESSONS[1].answer_key(0).splitlines()
    assert key[1:3] == ["  lowmem: 887", "  high_memory: 0xfaffe000"]  # seed 0 itself is unchanged


def test_unlike_seed0_draws_again_only_when_the_question_is_seed_0s() -> None:
    from vmwidgets.errors import InvariantError
    from vmwidgets.exercises.core import unlike_seed0

    def ask(x: int) -> NumberExercise:
        return NumberExercise("q", f"What is {x} + 1?", value=x + 1, hex=False)

    def make(seed: int) -> list[NumberExercise]:  # seed 3 draws seed 0's question first, then 6
        return [unlike_seed0(seed, make, lambda attempt: ask([0, 6][attempt] if seed == 3 else seed))]

    assert make(0)[0].prompt == "What is 0 + 1?" and make(2)[0].prompt == "What is 2 + 1?"
    assert make(3)[0].prompt == "What is 6 + 1?"
    draws: list[int] = []

    def make_same(seed: int) -> list[NumberExercise]:
        return [unlike_seed0(seed, make_same, lambda attempt: draws.append(attempt) or ask(7))]

    assert make_same(0)[0].value == 8 and draws == [0]
    with pytest.raises(InvariantError, match="unlike seed 0"):
        make_same(1)
    assert draws == [0, 0, 0, *range(1, 100)]  # seed 1's draw, seed 0's (once, cached), 99 more


def test_hint_after_a_right_answer_keeps_the_tick() -> None:
    """Hint writes to its own line: pressing it after a right answer (or before one) leaves the
    ✔ and the revealed step as they were, and counts as no attempt."""
    from vmwidgets import Kernel
    from vmwidgets.widgets import ExerciseWidget, Player

    k = Kernel()
    a = k.vmalloc(4096)
    player = Player(k)
    player.seek(0)
    end = k.timeline.operations[0].end
    wdg = ExerciseWidget(NumberExercise("next", "Where?", hint="VMALLOC_START", value=a), player=player, reveal=end)
    wdg.reply.value = hex(a)
    wdg.button.click()
    right = wdg.feedback.value
    assert "✔" in right and "now shows" in right and player.position == end
    wdg.hint_button.click()
    assert wdg.feedback.value == right and "VMALLOC_START" in wdg.hint.value and len(wdg.attempts) == 1
    wdg.hint_button.click()  # twice: still one hint line, still the tick
    assert wdg.feedback.value == right and wdg.hint.value.count("Hint:") == 1 and player.position == end
    choice = ExerciseWidget(ChoiceExercise("c", "?", hint="look", options={"a": "", "b": "no"}, correct="a"))
    choice.reply.value = "a"
    choice.button.click()
    choice.hint_button.click()
    assert "✔" in choice.feedback.value and "look" in choice.hint.value


def test_one_number_rule_as_each_question_says() -> None:
    """Decimal questions refuse hex without 0x (saying so, no attempt); a size counted in MB
    takes a unit; a small decimal number to an address question is called a size in MB."""
    from vmwidgets import Kernel
    from vmwidgets.widgets import ExerciseWidget, Player

    mb = NumberExercise("lowmem", "How many MB?", value=887, hex=False, units=True, unit=1 << 20)
    for reply in ("887", "887 MB", "887MB", "887 mb", "908288 kB", "0x377", "930086912 bytes"):
        assert mb.check(reply).correct and mb.understood(reply), reply
    assert mb.check("1 GB").message == "Not yet: your answer is too high."
    assert mb.check("900").message == "Not yet: your answer is too high, but close (within 10%)."
    for reply in ("1000 kB", "887.5 MB", "887 bytes", "hello"):
        assert mb.check(reply).message.endswith("as a whole number of MB: write it like 42 or 42 MB.")
        assert not mb.understood(reply), reply
    count = NumberExercise("n", "How many?", value=0x1E3, hex=False)
    fb = count.check("1e3")
    assert "looks like hex without 0x" in fb.message and "decimal" in fb.message and not count.understood("1e3")
    assert count.check("0x1e3").correct and count.check("483").correct
    address = NumberExercise("a", "Where? Answer in hex.", value=0xEBFFFD40)
    fb = address.check("704")
    assert fb.message.startswith("704 looks like a size in MB; this question asks for an address in hex")
    assert address.understood("704") and address.check("ebfffd40").correct
    assert "looks like a size" not in NumberExercise("i", "index?", value=0x302).check("12").message  # not an address

    k = Kernel()
    k.vmalloc(4096)
    player = Player(k)
    player.seek(0)
    end = k.timeline.operations[0].end
    wdg = ExerciseWidget(NumberExercise("pages", "How many?", value=2, hex=False), player=player, reveal=end)
    for reply in ("hello", "abc", "1e3", "2 pages"):  # no commit: nothing revealed, no attempt, no Show me
        assert "I could not read" in wdg.check(reply).message
        assert not wdg.attempts and player.limit == 0 and player.position == 0
        assert wdg.show_me.layout.display == "none" and "now shows" not in wdg.feedback.value
    assert wdg.check("2").correct and player.position == end
