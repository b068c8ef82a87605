"""`ExerciseWidget` and `Quiz`: answer boxes with a Check button and feedback that explains.

Predict, then check: given a ``player`` and ``reveal`` (a step index, or a callable), the
widget holds the player before the step until the student commits to an answer.  A right
answer plays the step, so the views show why it is right; a wrong one gets its feedback
and the player stays held, so the student can try again, or press *Show me* to see the
step anyway.  A reply that cannot be read (not a number, no option) is not an answer.

``after`` is the worked answer ("what happened", in :func:`vmwidgets.render.notes.note_html`'s
small Markdown subset); by default the exercise's own ``worked``.  It is shown under the
feedback once the student has committed a right answer or pressed *Show me* (offered after
any wrong answer), and not before: until then it is in no widget's state, so a stored
notebook cannot show it.  Without a worked answer, *Show me* shows ``explain``: a stuck
student's way out (a right answer's feedback has said it).  Replay pages (page.js) behave
the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..errors import InvalidArgument, check_int
from ..exercises.core import ChoiceExercise, Exercise, Feedback, FieldsExercise, Lesson
from ..render.dot import escape
from ..render.notes import MAX_NOTE, note_html
from .compat import VBox

__all__ = ["REVEALED", "ExerciseWidget", "Quiz", "feedback_html"]

REVEALED = '<div class="vmw-feedback">The player now shows what the kernel did: step back and forth to see why.</div>'


AFTER_STYLE = "border-left: 3px solid #2e7d32; padding: 0 10px; margin-top: 6px"  # the worked answer, once shown


def feedback_html(fb: Feedback) -> str:
    colour = "#2e7d32" if fb.correct else "#c62828"
    mark = "✔" if fb.correct else "✘"
    return f'<div class="vmw-feedback" style="color:{colour}"><b>{mark}</b> {escape(fb.message)}</div>'


class ExerciseWidget(VBox):
    """One exercise: the prompt, an answer box (or choices), Check, Hint, and feedback."""

    def __init__(
        self,
        exercise: Exercise,
        player: Any = None,
        reveal: int | Callable[[], Any] | None = None,
        after: str | None = None,
    ) -> None:
        if not isinstance(exercise, Exercise):
            raise InvalidArgument("exercise", exercise, "a vmwidgets.exercises.Exercise")
        from .player import Player

        if player is not None and not isinstance(player, Player):
            raise InvalidArgument("player", player, "None or a vmwidgets Player")
        if reveal is not None and not callable(reveal):
            if player is None:
                raise InvalidArgument("reveal", reveal, "a step index together with player=, or a callable")
            check_int(
                "reveal", reveal, 0, len(player.timeline), f"a step from 0 to {len(player.timeline)}, or a callable"
            )
        if after is not None and (not isinstance(after, str) or not after.strip() or len(after) > MAX_NOTE):
            raise InvalidArgument("after", after, f"None or the worked answer as text (1 to {MAX_NOTE} characters)")
        if after is None and exercise.worked.strip():  # the exercise's own worked answer
            after = exercise.worked[:MAX_NOTE]
        self.exercise = exercise
        self.player = player
        self.reveal = reveal
        self.after_text = after
        self.attempts: list[tuple[str, Feedback]] = []
        self.prompt = w.HTML(
            f'<div class="vmw-prompt" style="white-space: pre-wrap"><b>{escape(exercise.id)}.</b> '
            f"{escape(exercise.prompt)}</div>"
        )
        if isinstance(exercise, ChoiceExercise):
            self.reply = w.RadioButtons(options=list(exercise.options), value=None, layout=w.Layout(width="auto"))
        else:
            hint = "your answer"
            if isinstance(exercise, FieldsExercise):
                hint = " ".join(f"{k}=…" for k in exercise.fields)
            self.reply = w.Text(placeholder=hint, layout=w.Layout(width="320px"))
        label = "Commit and reveal" if reveal is not None else "Check"
        self.button = w.Button(description=label, button_style="primary", layout=w.Layout(width="auto"))
        self.button.on_click(lambda _: self.check())
        self.hint_button = w.Button(description="Hint", layout=w.Layout(width="auto"), disabled=not exercise.hint)
        self.hint_button.on_click(lambda _: self._hint())
        self.show_me = w.Button(
            description="Show me",
            tooltip="reveal the step without the right answer" if reveal is not None else "show the worked answer",
            layout=w.Layout(width="auto"),
        )
        self.show_me.layout.display = "none"
        self.show_me.on_click(lambda _: self.show())
        self.feedback = w.HTML()
        self.hint = w.HTML()
        self.after = w.HTML()  # empty until the reveal: a stored notebook holds no answer
        self.revealed = False
        super().__init__(
            [
                self.prompt,
                w.HBox([self.reply, self.button, self.hint_button, self.show_me]),
                self.feedback,
                self.hint,
                self.after,
            ]
        )
        self.add_class("vmw-exercise")
        self.held_at: int | None = None
        self.capped: list[Any] = []  # the timeline's other players, held with it
        if player is not None and isinstance(reveal, int) and player.position < reveal:
            from .player import players_of

            self.held_at = player.position
            player.hold(player.position)  # no peeking: the player waits for the answer
            # ... and so do the players of earlier cells on the same timeline, which have grown to it
            self.capped = [q for q in players_of(player.timeline) if q is not player and q.limit is None]
            for q in self.capped:
                q.cap(self.held_at)

    def check(self, reply: Any = None) -> Feedback:
        """Check ``reply`` (default: what is in the box) and show the feedback.  A right answer
        reveals the step (once); a wrong one leaves the player held and offers *Show me*."""
        if reply is None:
            reply = self.reply.value
        if isinstance(self.reply, w.Text) and not str(reply or "").strip():
            return self._say(Feedback(False, "Type an answer first."))
        if reply is None:
            return self._say(Feedback(False, "Choose an answer first."))
        fb = self.exercise.check(reply)
        if not self.exercise.understood(reply):
            return self._say(fb)  # not an answer yet: nothing is committed
        self.attempts.append((str(reply), fb))
        html = feedback_html(fb)
        if fb.correct and self.show():
            html += REVEALED
        elif not fb.correct and self._hides() and not self.revealed:
            self.show_me.layout.display = None
        self.feedback.value = html
        return fb

    def show(self) -> bool:
        """Reveal the step and the worked answer (the *Show me* button); False if there is
        neither or they are shown.  True means the player moved (there is a step to see)."""
        if not self._hides() or self.revealed:
            return False
        self.revealed = True
        self.show_me.layout.display = "none"
        shown = self.shown_after()
        if shown is not None:
            self.after.value = f'<div class="vmw-after" style="{AFTER_STYLE}">{note_html(shown)}</div>'
        if self.reveal is None:
            return False
        if callable(self.reveal):
            self.reveal()
        else:
            self.player.release()
            self.player.seek(self.reveal)
            for q in self.capped:
                if q.limit == self.held_at:
                    q.release()
        if self.attempts and not self.attempts[-1][1].correct:
            self.feedback.value += REVEALED
        return True

    def shown_after(self) -> str | None:
        """The text the reveal shows: ``after``; else, for a *Show me* after wrong answers (a
        stuck student's way out), the exercise's ``explain``, which a right answer's feedback
        has said already."""
        if self.after_text is not None:
            return self.after_text
        if not self.exercise.explain.strip() or (self.attempts and self.attempts[-1][1].correct):
            return None
        return self.exercise.explain[:MAX_NOTE]

    def _hides(self) -> bool:
        """Whether something waits for the commit: a step, a worked answer, an explanation."""
        return self.reveal is not None or self.after_text is not None or bool(self.exercise.explain.strip())

    def _say(self, fb: Feedback) -> Feedback:
        self.feedback.value = feedback_html(fb)
        return fb

    def _hint(self) -> None:
        self.hint.value = f'<div class="vmw-feedback"><b>Hint:</b> {escape(self.exercise.hint)}</div>'


class Quiz(VBox):
    """A lesson's exercises for a seed, with a box to get new numbers (another seed)."""

    def __init__(self, lesson: Lesson, seed: int = 0) -> None:
        if not isinstance(lesson, Lesson):
            raise InvalidArgument("lesson", lesson, "a vmwidgets.exercises Lesson")
        check_int("seed", seed, 0, 10**6)
        self.lesson = lesson
        self.seed_box = w.BoundedIntText(
            value=seed, min=0, max=10**6, description="seed", layout=w.Layout(width="160px")
        )
        new = w.Button(
            description="new numbers",
            layout=w.Layout(width="auto"),
            tooltip="another seed: the same questions with different numbers",
        )
        new.on_click(lambda _: setattr(self.seed_box, "value", self.seed_box.value + 1))
        self.seed_box.observe(lambda ch: self._build(ch["new"]), "value")
        self.head = w.HBox([self.seed_box, new])
        super().__init__()
        self._build(seed)

    def _build(self, seed: int) -> None:
        self.items = [ExerciseWidget(e) for e in self.lesson.exercises(seed)]
        self.children = [self.head, *self.items]
