"""Exercises for the lessons: questions checked with feedback, from a seed, with answer keys.

``LESSONS[n].exercises(seed)`` builds lesson ``n``'s exercises; ``LESSONS[n].answer_key(seed)``
prints their answers.  From a shell: ``python -m vmwidgets.exercises LESSON SEED``.
"""

from .core import ChoiceExercise, Exercise, Feedback, FieldsExercise, Lesson, NumberExercise, parse_number

LESSONS: dict[int, Lesson] = {}


def register(lesson: Lesson) -> Lesson:
    LESSONS[lesson.number] = lesson
    return lesson


__all__ = [
    "LESSONS",
    "ChoiceExercise",
    "Exercise",
    "Feedback",
    "FieldsExercise",
    "Lesson",
    "NumberExercise",
    "parse_number",
    "register",
]
