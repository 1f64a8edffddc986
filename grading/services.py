"""Writes for grading: submit an attempt, grade it, retry it, requeue what got stuck."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from exercises.models import Exercise, TestInput
from grading.clients import (
    ModelClient,
    ModelError,
    ModelReply,
    ModelRequest,
    ModelUnavailable,
    default_client,
)
from grading.core.checks import Check, build_checks
from grading.core.scoring import PassRule, SampleGrade, grade, grade_sample
from grading.core.templating import MissingVariable, placeholders, render_prompt
from grading.core.types import Attempt, RubricError

from .exceptions import InvalidPrompt, NotRetryable
from .models import CheckOutcome, Status, Submission, TestRun

logger = logging.getLogger(__name__)


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
    *, learner: User, exercise: Exercise, prompt: str, system_prompt: str = ""
) -> Submission:
    """Record the learner's prompt and queue it for grading once the row is committed."""
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
                )
                _queue_on_commit(submission.pk)
            return submission
        except IntegrityError:
            # Two submissions of the same learner raced for the same number: take the next.
            continue
    raise InvalidPrompt("Too many submissions at once; please submit again.")


def _queue_on_commit(submission_id: int) -> None:
    transaction.on_commit(lambda: queue_grading(submission_id=submission_id))


def queue_grading(*, submission_id: int) -> None:
    """Send the grading task. If the broker is down the row stays queued and the sweep resends."""
    from grading import tasks

    try:
        tasks.grade_submission.delay(submission_id)
    except Exception:
        logger.exception("Could not queue submission %s; the sweep will requeue it", submission_id)


@dataclass(frozen=True)
class PlannedRun:
    test_input: TestInput
    sample_index: int
    checks: list[Check]
    rendered_prompt: str
    rendered_system_prompt: str
    request: ModelRequest


def plan_runs(submission: Submission, test_inputs: list[TestInput]) -> list[PlannedRun]:
    """Every (test input × sample) model call of a submission, with the checks for each.

    Raises RubricError or MissingVariable when the exercise or prompt cannot be graded."""
    exercise = submission.exercise
    shared_checks = exercise.rubric
    runs = []
    for test_input in test_inputs:
        checks = build_checks([*shared_checks, *test_input.checks])
        variables = {name: str(value) for name, value in test_input.variables.items()}
        user = render_prompt(submission.prompt, variables)
        system = render_prompt(submission.system_prompt, variables)
        messages = ({"role": "system", "content": system},) if system.strip() else ()
        request = ModelRequest(
            model=submission.model or exercise.model_name,
            messages=(*messages, {"role": "user", "content": user}),
            temperature=exercise.temperature,
            max_tokens=exercise.max_tokens,
        )
        for sample_index in range(exercise.samples):
            runs.append(PlannedRun(test_input, sample_index, checks, user, system, request))
    return runs


async def call_model_for_runs(client: ModelClient, runs: list[PlannedRun]) -> list[ModelReply]:
    """Run every model call concurrently, at most `concurrency_for(model)` at a time per model.

    A permanent error wins over a transient one: retrying cannot fix it."""
    semaphores: dict[str, asyncio.Semaphore] = {}

    async def call(run: PlannedRun) -> ModelReply:
        model = run.request.model
        semaphore = semaphores.setdefault(model, asyncio.Semaphore(client.concurrency_for(model)))
        async with semaphore:
            return await client.complete(run.request)

    results = await asyncio.gather(*(call(run) for run in runs), return_exceptions=True)
    errors = [result for result in results if isinstance(result, BaseException)]
    if errors:
        permanent = [e for e in errors if not isinstance(e, ModelUnavailable)]
        raise (permanent or errors)[0]
    return [result for result in results if isinstance(result, ModelReply)]


def grade_submission(
    *, submission_id: int, client: ModelClient | None = None, reclaim: bool = False
) -> Submission | None:
    """Claim a queued submission, run its prompt on every test input, and store the verdict.

    Safe to call twice: only the call that claims the row grades it. `reclaim` also claims a
    row left in GRADING, for a task redelivered after its worker died mid-grading; if that
    worker was in fact alive, only the later claim may store its verdict. Transient model errors
    put the submission back in the queue and re-raise ModelUnavailable for the task to retry;
    every other failure ends as status ERROR with a message the learner sees."""
    now = timezone.now()
    claimable = [Status.QUEUED, Status.GRADING] if reclaim else [Status.QUEUED]
    claimed = Submission.objects.filter(pk=submission_id, status__in=claimable).update(
        status=Status.GRADING,
        started_at=now,
        status_changed_at=now,
        grading_attempts=F("grading_attempts") + 1,
    )
    if not claimed:
        return None
    submission = Submission.objects.select_related("exercise").get(pk=submission_id)
    try:
        runs = plan_runs(submission, list(submission.exercise.test_inputs.all()))
        if not runs:
            raise RubricError("this exercise has no test inputs yet")
        replies = asyncio.run(call_model_for_runs(client or default_client(), runs))
    except ModelUnavailable as error:
        _return_to_queue(submission, str(error))
        raise
    except ModelError as error:
        return _fail(submission, str(error))
    except (RubricError, MissingVariable) as error:
        return _fail(submission, f"This exercise cannot be graded as configured: {error}")
    except SoftTimeLimitExceeded:
        return _fail(submission, "Grading took too long.")
    except Exception:
        logger.exception("Grading submission %s failed", submission_id)
        _fail(submission, "Grading failed because of an internal error.")
        raise
    return _store_verdict(submission, runs, replies)


def _store_verdict(
    submission: Submission, runs: list[PlannedRun], replies: list[ModelReply]
) -> Submission:
    item_grades: list[SampleGrade] = []
    by_input: dict[int, list[SampleGrade]] = {}
    for run, reply in zip(runs, replies, strict=True):
        attempt = Attempt(
            prompt=submission.prompt,
            rendered_prompt=run.rendered_prompt,
            output=reply.text,
            variables=run.test_input.variables,
        )
        sample = grade_sample(attempt, run.checks)
        item_grades.append(sample)
        by_input.setdefault(run.test_input.pk, []).append(sample)
    rule = PassRule(threshold=submission.exercise.pass_threshold)
    verdict = grade(list(by_input.values()), rule=rule)
    with transaction.atomic():
        # Only the worker holding the latest claim writes; a slower twin finds 0 rows and stops.
        finished = Submission.objects.filter(
            pk=submission.pk,
            status=Status.GRADING,
            grading_attempts=submission.grading_attempts,
        ).update(
            status=Status.GRADED,
            score=verdict.score,
            passed=verdict.passed,
            last_error="",
            finished_at=timezone.now(),
            status_changed_at=timezone.now(),
        )
        if not finished:
            return submission
        TestRun.objects.filter(submission=submission).delete()
        stored_runs = TestRun.objects.bulk_create(
            TestRun(
                submission=submission,
                test_input=run.test_input,
                sample_index=run.sample_index,
                is_hidden=run.test_input.is_hidden,
                rendered_prompt=run.rendered_prompt,
                rendered_system_prompt=run.rendered_system_prompt,
                output=reply.text,
                finish_reason=reply.finish_reason[:40],
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
                latency_ms=reply.latency_ms,
                score=item.score,
                passed=item.passed,
            )
            for run, reply, item in zip(runs, replies, item_grades, strict=True)
        )
        CheckOutcome.objects.bulk_create(
            CheckOutcome(
                run=stored,
                position=position,
                kind=result.kind,
                name=result.name[:300],
                passed=result.passed,
                score=result.score,
                weight=result.weight,
                reason=result.reason,
            )
            for stored, item in zip(stored_runs, item_grades, strict=True)
            for position, result in enumerate(item.results)
        )
    submission.refresh_from_db()
    return submission


def _return_to_queue(submission: Submission, message: str) -> None:
    Submission.objects.filter(pk=submission.pk, status=Status.GRADING).update(
        status=Status.QUEUED, last_error=message, status_changed_at=timezone.now()
    )


def _end_with_error(submission_id: int, message: str, *, statuses: list[Status]) -> None:
    now = timezone.now()
    Submission.objects.filter(pk=submission_id, status__in=statuses).update(
        status=Status.ERROR, last_error=message, finished_at=now, status_changed_at=now
    )


def _fail(submission: Submission, message: str) -> Submission:
    _end_with_error(submission.pk, message, statuses=[Status.GRADING])
    submission.refresh_from_db()
    return submission


def fail_submission(*, submission_id: int, message: str) -> None:
    """End a queued or grading submission as ERROR, after its retries ran out.

    Safe to call twice."""
    _end_with_error(submission_id, message, statuses=[Status.QUEUED, Status.GRADING])


def retry_submission(*, submission: Submission) -> Submission:
    """Put a submission that ended in an error back in the queue."""
    with transaction.atomic():
        reset = Submission.objects.filter(pk=submission.pk, status=Status.ERROR).update(
            status=Status.QUEUED,
            last_error="",
            score=None,
            passed=None,
            finished_at=None,
            status_changed_at=timezone.now(),
        )
        if not reset:
            raise NotRetryable("Only a submission that ended in an error can be retried.")
        TestRun.objects.filter(submission=submission).delete()
        _queue_on_commit(submission.pk)
    submission.refresh_from_db()
    return submission


def requeue_stuck_submissions() -> list[int]:
    """Resend the grading task for submissions stuck queued or grading. Safe to call twice.

    Grading that outlived the task's hard time limit lost its worker; a queued row whose task
    was lost (broker down at submit time, Redis flushed) is sent again."""
    cutoff = timezone.now() - timedelta(seconds=settings.PROMPTCRAFT_STUCK_AFTER_SECONDS)
    requeued = []
    for pk in Submission.objects.unfinished_since(cutoff).values_list("pk", flat=True):
        moved = Submission.objects.filter(
            pk=pk, status__in=[Status.QUEUED, Status.GRADING], status_changed_at__lt=cutoff
        ).update(status=Status.QUEUED, status_changed_at=timezone.now())
        if moved:
            queue_grading(submission_id=pk)
            requeued.append(pk)
    return requeued
