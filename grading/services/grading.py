"""Grading: claim a submission, answer every planned run (cached or by concurrent model calls)
and run every check, all in one event loop; then hand the samples to recording.

Re-scoring shares the same tail: the stored outputs stand in for the model's replies."""

import asyncio
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import F
from django.utils import timezone

from grading.adapters import embeddings, sandbox
from grading.adapters.clients import ModelClient, ModelError, ModelReply, ModelUnavailable
from grading.adapters.clients import default_client as default_model_client
from grading.adapters.execution import Embedder, Executor, Served
from grading.core.checks import Check, build_checks
from grading.core.scoring import SampleGrade, agrade_sample, grade_sample
from grading.core.templating import MissingVariable
from grading.core.types import Attempt, RubricError, Tools
from grading.exceptions import NotRetryable
from grading.models import Status, Submission
from grading.services.intake import new_seed
from grading.services.lifecycle import fail_grading, return_to_queue
from grading.services.planning import (
    CodeRunner,
    PlannedRun,
    ScriptRunner,
    attempt_for,
    grading_tools,
    plan_runs,
    select_items,
)
from grading.services.recording import store_verdict

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER: Embedder = embeddings.embed
DEFAULT_CODE_RUNNER: CodeRunner = sandbox.run_code
DEFAULT_SCRIPT_RUNNER: ScriptRunner = sandbox.run_script


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


async def _answer_and_check(
    submission: Submission, runs: list[PlannedRun], executor: Executor, tools: Tools
) -> tuple[list[Served], list[SampleGrade]]:
    """The model's answer to every run (from the cache where possible), then every check."""
    requests = [(run.request, run.sample_index) for run in runs if run.request is not None]
    served = await executor.complete_all(requests)
    attempts = [attempt_for(submission, run, s.reply) for run, s in zip(runs, served, strict=True)]
    return served, await _grade_attempts(attempts, runs, tools)


def grade_submission(
    *,
    submission_id: int,
    client: ModelClient | None = None,
    embedder: Embedder | None = DEFAULT_EMBEDDER,
    code_runner: CodeRunner = DEFAULT_CODE_RUNNER,
    script_runner: ScriptRunner = DEFAULT_SCRIPT_RUNNER,
    reclaim: bool = False,
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
    executor = Executor(client or default_model_client(), embedder=embedder)
    try:
        runs = plan_runs(submission, select_items(submission.exercise, submission.seed))
        if not runs:
            raise RubricError("this exercise has no test inputs yet")
        tools = grading_tools(submission, executor, code_runner, script_runner)
        served, samples = executor.run(_answer_and_check(submission, runs, executor, tools))
    except ModelUnavailable as error:
        return_to_queue(submission, str(error))
        raise
    except ModelError as error:
        return fail_grading(submission, str(error))
    except (RubricError, MissingVariable) as error:
        return fail_grading(submission, f"This exercise cannot be graded as configured: {error}")
    except SoftTimeLimitExceeded:
        return fail_grading(submission, "Grading took too long.")
    except Exception:
        logger.exception("Grading submission %s failed", submission_id)
        fail_grading(submission, "Grading failed because of an internal error.")
        raise
    stored = store_verdict(submission, runs, served, samples, executor)
    if stored.status == Status.ERROR:
        executor.forget_tool_calls()  # a retry asks the judge again instead of replaying this
    return stored


def rescore_submission(
    *,
    submission: Submission,
    client: ModelClient | None = None,
    embedder: Embedder | None = DEFAULT_EMBEDDER,
    code_runner: CodeRunner = DEFAULT_CODE_RUNNER,
    script_runner: ScriptRunner = DEFAULT_SCRIPT_RUNNER,
) -> Submission:
    """Grade a finished submission again from its stored outputs, with no model call: the
    exercise's current rubric and pass rule on the outputs recorded in its runs (judge answers
    and embeddings from the response cache; one that is not there is a retryable error).

    Stores nothing if the submission was re-queued meanwhile (the regrade wins)."""
    if not submission.is_finished:
        raise NotRetryable("Only a graded submission (or one that ended in an error) is re-scored.")
    stored = list(submission.runs.select_related("test_input").order_by("pk"))
    if not stored:
        raise NotRetryable("This submission has no stored outputs to re-score; re-run it.")
    exercise = submission.exercise
    model = submission.model or exercise.model_name
    runs, served = [], []
    checks_by_input: dict[int, list[Check]] = {}
    for row in stored:
        if row.test_input_id not in checks_by_input:
            try:
                checks_by_input[row.test_input_id] = build_checks(
                    [*exercise.rubric, *row.test_input.checks], row.test_input.variables
                )
            except RubricError as error:
                raise NotRetryable(f"The exercise's rubric is invalid: {error}") from error
        runs.append(
            PlannedRun(
                row.test_input,
                row.sample_index,
                checks_by_input[row.test_input_id],
                row.rendered_prompt,
                row.rendered_system_prompt,
                model,
                request=None,
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
    executor = Executor(client or default_model_client(), embedder=embedder, offline=True)
    attempts = [attempt_for(submission, run, s.reply) for run, s in zip(runs, served, strict=True)]
    tools = grading_tools(submission, executor, code_runner, script_runner)
    try:
        samples = executor.run(_grade_attempts(attempts, runs, tools))
    except ModelUnavailable as error:
        raise NotRetryable(str(error)) from error
    return store_verdict(
        submission, runs, served, samples, executor, claimed_status=Status(submission.status)
    )
