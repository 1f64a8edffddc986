"""Writes for grading: submit an attempt, grade it, retry it, requeue what got stuck."""

import asyncio
import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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
from grading.core.scoring import Grade, SampleGrade, agrade_sample, grade, grade_sample
from grading.core.templating import MissingVariable, placeholders, render_prompt
from grading.core.types import Attempt, CodeJob, CodeReport, RubricError, Tools
from grading.execution import Embedder, Executor, Served

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
                    seed=new_seed(),
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


def select_items(exercise: Exercise, seed: str) -> list[TestInput]:
    """The items a submission is graded on: every visible input, and the hidden ones — all of
    them, or a draw of `hidden_sample_size` from the hidden pool seeded by the submission's seed
    (the same seed and pool always draw the same items)."""
    inputs = list(exercise.test_inputs.all())
    visible = [item for item in inputs if not item.is_hidden]
    pool = [item for item in inputs if item.is_hidden]
    size = exercise.hidden_sample_size
    if size is not None and size < len(pool):
        drawn = {item.pk for item in random.Random(seed).sample(pool, size)}
        pool = [item for item in pool if item.pk in drawn]
    return visible + pool


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


def leak_secrets(exercise: Exercise) -> tuple[str, ...]:
    """What a learner's prompt must not contain: the hidden inputs' values and the answers
    their checks expect (every string a hidden item's own checks compare with)."""
    secrets: list[str] = []
    for item in exercise.test_inputs.filter(is_hidden=True):
        secrets.extend(str(value) for value in item.variables.values())
        for check in item.checks:
            for key in ("value", "reference", "expected"):
                found = check.get(key) if isinstance(check, dict) else None
                if isinstance(found, str):
                    secrets.append(found)
                elif isinstance(found, list):
                    secrets.extend(value for value in found if isinstance(value, str))
    return tuple(dict.fromkeys(secret for secret in secrets if secret.strip()))


def _tools(submission: Submission, executor: Executor) -> Tools:
    exercise = submission.exercise
    return Tools(
        judge=executor.judge,
        embed=executor.embed if executor.embedder else None,
        run_code=_code_runner(),
        count_tokens=token_count,
        judge_model=exercise.judge_model_name,
        embedding_model=getattr(settings, "PROMPTCRAFT_EMBEDDING_MODEL", ""),
        secrets=leak_secrets(exercise),
        seed=submission.seed,
    )


def _code_runner() -> Callable[[CodeJob], Awaitable[CodeReport]] | None:
    try:
        from grading import sandbox
    except ImportError:
        return None
    return sandbox.run_code


def token_count(model: str, text: str) -> int:
    """Tokens in `text` for `model`, with LiteLLM's tokenizer for it (bundled; no download)."""
    import litellm

    return int(litellm.token_counter(model=model, text=text))


def _attempt(submission: Submission, run: PlannedRun, reply: ModelReply) -> Attempt:
    return Attempt(
        prompt=submission.prompt,
        rendered_prompt=run.rendered_prompt,
        output=reply.text,
        variables=run.test_input.variables,
        system_prompt=submission.system_prompt,
        model=run.request.model,
        sample_index=run.sample_index,
        latency_ms=reply.latency_ms,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        cost_usd=reply.cost_usd,
        finish_reason=reply.finish_reason,
    )


async def _grade_attempts(
    attempts: list[Attempt], runs: list[PlannedRun], tools: Tools
) -> list[SampleGrade]:
    """Every attempt's checks; attempts whose checks are all deterministic skip the event loop
    overhead (the common case, and the one the CPU benchmark measures)."""
    grades: list[SampleGrade | None] = []
    pending = []
    for position, (attempt, run) in enumerate(zip(attempts, runs, strict=True)):
        if all(check.deterministic for check in run.checks):
            grades.append(grade_sample(attempt, run.checks, tools))
        else:
            grades.append(None)
            pending.append((position, agrade_sample(attempt, run.checks, tools)))
    if pending:
        done = await asyncio.gather(*(coroutine for _, coroutine in pending))
        for (position, _), sample in zip(pending, done, strict=True):
            grades[position] = sample
    return [sample for sample in grades if sample is not None]


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
    if not submission.seed:  # submitted before seeds existed
        submission.seed = new_seed()
        Submission.objects.filter(pk=submission.pk).update(seed=submission.seed)
    executor = Executor(client or default_client(), embedder=_embedder())
    try:
        runs = plan_runs(submission, select_items(submission.exercise, submission.seed))
        if not runs:
            raise RubricError("this exercise has no test inputs yet")
        served = executor.complete_all([(run.request, run.sample_index) for run in runs])
        attempts = [_attempt(submission, run, s.reply) for run, s in zip(runs, served, strict=True)]
        samples = executor.run(_grade_attempts(attempts, runs, _tools(submission, executor)))
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
    stored = _store_verdict(submission, runs, served, samples, executor)
    if stored.status == Status.ERROR:
        executor.forget_tool_calls()  # a retry asks the judge again instead of replaying this
    return stored


def _embedder() -> Embedder | None:
    try:
        from grading import embeddings
    except ImportError:
        return None
    return embeddings.embed


def new_seed() -> str:
    return secrets.token_hex(16)


def _grading_error(runs: list[PlannedRun], samples: list[SampleGrade]) -> str:
    """The learner-facing message for checks that could not be evaluated ("" if none).

    A hidden item's check is named by kind only: its name or reason may quote hidden data."""
    for run, sample in zip(runs, samples, strict=True):
        for result in sample.errors:
            if run.test_input.is_hidden:
                where = f"a {result.kind} check on a hidden test"
            else:
                where = f"“{result.name}” on {run.test_input.name}: {result.reason}"
            count = sum(len(s.errors) for s in samples)
            more = f" ({count} checks in all)" if count > 1 else ""
            return f"Some checks could not be evaluated{more}, e.g. {where}. Retry grading."
    return ""


def _stats_json(verdict: Grade, samples_per_item: int) -> dict[str, Any]:
    """Statistics the learner may see: nothing here names a hidden item."""
    stats = verdict.stats
    return {
        "items": len(verdict.items),
        "samples_per_item": samples_per_item,
        "samples": stats.samples,
        "passes": stats.passes,
        "mean_score": stats.mean_score,
        "pass_rate": stats.pass_rate,
        "pass_low": stats.pass_low,
        "pass_high": stats.pass_high,
        "pass_hat_k": verdict.pass_hat_k,
        "flaky_items": verdict.flaky_items,
        "rule": verdict.rule.describe(),
        "checks": [
            {
                "name": check.name,
                "kind": check.kind,
                "passes": check.stats.passes,
                "samples": check.stats.samples,
                "mean_score": check.stats.mean_score,
                "pass_low": check.stats.pass_low,
                "pass_high": check.stats.pass_high,
            }
            for check in verdict.checks
        ],
    }


def _provenance(
    submission: Submission,
    runs: list[PlannedRun],
    served: list[Served],
    samples: list[SampleGrade],
    executor: Executor,
) -> dict[str, Any]:
    """Everything needed to reproduce this grade, or re-score it without a model call."""
    exercise = submission.exercise
    judge_hashes = {
        str(result.details["judge_prompt_hash"])
        for sample in samples
        for result in sample.results
        if "judge_prompt_hash" in result.details
    }
    rubric = [
        exercise.rubric,
        *({run.test_input.pk: run.test_input.checks for run in runs}.items()),
    ]
    return {
        "model": runs[0].request.model if runs else exercise.model_name,
        "model_versions": sorted({s.reply.model_version for s in served if s.reply.model_version}),
        "parameters": {
            "temperature": exercise.temperature,
            "max_tokens": exercise.max_tokens,
            "samples": exercise.samples,
        },
        "seed": submission.seed,
        "items": list(dict.fromkeys(run.test_input.pk for run in runs)),
        "hidden_pool": exercise.test_inputs.filter(is_hidden=True).count(),
        "hidden_sample_size": exercise.hidden_sample_size,
        "rubric_sha256": hashlib.sha256(
            json.dumps(rubric, sort_keys=True, default=str).encode()
        ).hexdigest(),
        "judge_model": exercise.judge_model_name,
        "judge_prompt_hashes": sorted(judge_hashes),
        "pass_rule": exercise.pass_rule.describe(),
        "calls": dataclasses.asdict(executor.counts),
        "versions": {"litellm": _version("litellm"), "promptcraft": _version("promptcraft")},
        "graded_at": timezone.now().isoformat(),
    }


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _store_verdict(
    submission: Submission,
    runs: list[PlannedRun],
    served: list[Served],
    samples: list[SampleGrade],
    executor: Executor,
) -> Submission:
    by_input: dict[int, list[SampleGrade]] = {}
    for run, sample in zip(runs, samples, strict=True):
        by_input.setdefault(run.test_input.pk, []).append(sample)
    exercise = submission.exercise
    verdict = grade(
        list(by_input.values()), rule=exercise.pass_rule, shared_checks=len(exercise.rubric)
    )
    error = _grading_error(runs, samples)
    now = timezone.now()
    with transaction.atomic():
        # Only the worker holding the latest claim writes; a slower twin finds 0 rows and stops.
        finished = Submission.objects.filter(
            pk=submission.pk,
            status=Status.GRADING,
            grading_attempts=submission.grading_attempts,
        ).update(
            status=Status.ERROR if error else Status.GRADED,
            score=verdict.score,
            passed=verdict.passed,
            last_error=error,
            stats=_stats_json(verdict, submission.exercise.samples),
            provenance=_provenance(submission, runs, served, samples, executor),
            finished_at=now,
            status_changed_at=now,
        )
        if not finished:
            return submission
        _replace_runs(submission, runs, served, samples)
    submission.refresh_from_db()
    return submission


def _replace_runs(
    submission: Submission,
    runs: list[PlannedRun],
    served: list[Served],
    samples: list[SampleGrade],
) -> None:
    TestRun.objects.filter(submission=submission).delete()
    stored_runs = TestRun.objects.bulk_create(
        TestRun(
            submission=submission,
            test_input=run.test_input,
            sample_index=run.sample_index,
            is_hidden=run.test_input.is_hidden,
            rendered_prompt=run.rendered_prompt,
            rendered_system_prompt=run.rendered_system_prompt,
            output=s.reply.text,
            finish_reason=s.reply.finish_reason[:40],
            prompt_tokens=s.reply.prompt_tokens,
            completion_tokens=s.reply.completion_tokens,
            latency_ms=s.reply.latency_ms,
            cost_usd=s.reply.cost_usd,
            model_version=s.reply.model_version[:200],
            from_cache=s.from_cache,
            raw_response=s.reply.raw,
            score=sample.score,
            passed=sample.passed,
        )
        for run, s, sample in zip(runs, served, samples, strict=True)
    )
    CheckOutcome.objects.bulk_create(
        CheckOutcome(
            run=stored,
            position=position,
            kind=result.kind[:40],
            name=result.name[:300],
            passed=result.passed,
            score=result.score,
            weight=result.weight,
            reason=result.reason,
            error=result.error,
            flagged=result.flagged,
            details=dict(result.details),
        )
        for stored, sample in zip(stored_runs, samples, strict=True)
        for position, result in enumerate(sample.results)
    )


def rescore_submission(*, submission: Submission) -> Submission:
    """Grade a finished submission again from its stored outputs, with no model call: the
    exercise's current rubric and pass rule on the outputs recorded in its runs (judge answers
    and embeddings from the response cache; one that is not there is a retryable error)."""
    if not submission.is_finished:
        raise NotRetryable("Only a graded submission (or one that ended in an error) is re-scored.")
    stored = list(submission.runs.select_related("test_input").order_by("pk"))
    if not stored:
        raise NotRetryable("This submission has no stored outputs to re-score; re-run it.")
    exercise = submission.exercise
    runs, served = [], []
    checks_by_input: dict[int, list[Check]] = {}
    for row in stored:
        if row.test_input_id not in checks_by_input:
            try:
                checks_by_input[row.test_input_id] = build_checks(
                    [*exercise.rubric, *row.test_input.checks]
                )
            except RubricError as error:
                raise NotRetryable(f"The exercise's rubric is invalid: {error}") from error
        checks = checks_by_input[row.test_input_id]
        request = ModelRequest(submission.model or exercise.model_name, (), 0.0, 1)
        runs.append(
            PlannedRun(
                row.test_input,
                row.sample_index,
                checks,
                row.rendered_prompt,
                row.rendered_system_prompt,
                request,
            )
        )
        reply = ModelReply(
            text=row.output,
            finish_reason=row.finish_reason,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            latency_ms=row.latency_ms,
            cost_usd=row.cost_usd,
            model_version=row.model_version,
            raw=row.raw_response,
        )
        served.append(Served(reply, from_cache=True))
    executor = Executor(default_client(), embedder=_embedder(), offline=True)
    attempts = [_attempt(submission, run, s.reply) for run, s in zip(runs, served, strict=True)]
    try:
        samples = executor.run(_grade_attempts(attempts, runs, _tools(submission, executor)))
    except ModelUnavailable as error:
        raise NotRetryable(str(error)) from error
    now = timezone.now()
    Submission.objects.filter(pk=submission.pk).update(status=Status.GRADING, status_changed_at=now)
    submission.status = Status.GRADING
    return _store_verdict(submission, runs, served, samples, executor)


def regrade_submission(*, submission: Submission) -> Submission:
    """Queue a finished submission to be graded again (same seed, so the same items; replies
    come from the response cache, so an unchanged submission makes no model call)."""
    with transaction.atomic():
        reset = Submission.objects.filter(
            pk=submission.pk, status__in=[Status.GRADED, Status.ERROR]
        ).update(
            status=Status.QUEUED,
            last_error="",
            score=None,
            passed=None,
            stats={},
            status_changed_at=timezone.now(),
        )
        if not reset:
            raise NotRetryable("Only a finished submission can be re-graded.")
        _queue_on_commit(submission.pk)
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
            stats={},
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
