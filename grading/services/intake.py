"""Intake: check a learner's prompt and record it as a submission queued for grading."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import User
from exercises.models import Exercise
from grading.core.templating import placeholders
from grading.exceptions import InvalidPrompt
from grading.models import Submission
from grading.services.queueing import Enqueue, queue_on_commit


def check_prompt(*, exercise: Exercise, prompt: str, system_prompt: str = "") -> None:
    """Raise InvalidPrompt if this prompt cannot be graded for this exercise."""
    if not prompt.strip():
        raise InvalidPrompt("Write a prompt first: it is empty.")
    total = len(prompt) + len(system_prompt)
    if total > exercise.max_prompt_chars:
        raise InvalidPrompt(
            f"Your prompt is {total:,} characters long; the limit is {exercise.max_prompt_chars:,}."
        )
    used = placeholders(prompt) | placeholders(system_prompt)
    missing = [name for name in exercise.required_placeholders if name not in used]
    if missing:
        raise InvalidPrompt(
            f"Your prompt must use the placeholder {_spelled(missing)} "
            "so that each test input reaches the model."
        )
    available = _shared_variable_names(exercise)
    unknown = sorted(used - available)
    if unknown:
        offered = _spelled(sorted(available)) or "none"
        raise InvalidPrompt(
            f"Unknown placeholder {_spelled(unknown)}. "
            f"This exercise's test inputs provide: {offered}."
        )


def _spelled(names: list[str]) -> str:
    """`{{a}}, {{b}}`: placeholder names as the learner writes them."""
    return ", ".join("{{" + name + "}}" for name in names)


def _shared_variable_names(exercise: Exercise) -> set[str]:
    """Variable names that every test input of the exercise defines."""
    names: set[str] | None = None
    for variables in exercise.test_inputs.values_list("variables", flat=True):
        names = set(variables) if names is None else names & set(variables)
    return names or set()


def submit_attempt(
    *,
    learner: User,
    exercise: Exercise,
    prompt: str,
    system_prompt: str = "",
    enqueue: Enqueue,
) -> Submission:
    """Record the learner's prompt and queue it (with `enqueue`) once the row is committed."""
    check_prompt(exercise=exercise, prompt=prompt, system_prompt=system_prompt)
    for _ in range(5):
        try:
            with transaction.atomic():
                latest = Submission.objects.filter(learner=learner, exercise=exercise).aggregate(
                    latest=Max("number")
                )["latest"]
                submission = Submission.objects.create(
                    learner=learner,
                    exercise=exercise,
                    number=(latest or 0) + 1,
                    prompt=prompt,
                    system_prompt=system_prompt,
                    model=exercise.model_name,
                    seed=new_seed(),
                )
                queue_on_commit(submission.pk, enqueue=enqueue)
            return submission
        except IntegrityError:
            # Two submissions of the same learner raced for the same number: take the next.
            continue
    raise InvalidPrompt("Too many submissions at once; please submit again.")


def new_seed() -> str:
    """A fresh secret seed: it draws the hidden items and keys the judge's delimiters."""
    return secrets.token_hex(16)
