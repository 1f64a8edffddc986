"""Recording: a graded submission's runs, outcomes, statistics and provenance, stored in one
transaction and only by the latest claim."""

import dataclasses
import hashlib
import importlib.metadata
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from grading.adapters.execution import Executor, Served
from grading.core.scoring import Grade, SampleGrade, grade
from grading.models import CheckOutcome, Status, Submission, TestRun
from grading.services.planning import PlannedRun


def grading_error(runs: list[PlannedRun], samples: list[SampleGrade]) -> str:
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
        "model": runs[0].model if runs else exercise.model_name,
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


def store_verdict(
    submission: Submission,
    runs: list[PlannedRun],
    served: list[Served],
    samples: list[SampleGrade],
    executor: Executor,
    *,
    claimed_status: Status = Status.GRADING,
) -> Submission:
    """Score the samples and store the verdict, runs and outcomes in one transaction.

    Only the holder of the latest claim writes: the row must still be in `claimed_status`
    (GRADING for a grading; the finished status it was read in for a re-score) with the
    `grading_attempts` it was read with. A slower twin, or a re-score overtaken by a regrade,
    finds 0 rows and stores nothing."""
    by_input: dict[int, list[SampleGrade]] = {}
    for run, sample in zip(runs, samples, strict=True):
        by_input.setdefault(run.test_input.pk, []).append(sample)
    exercise = submission.exercise
    verdict = grade(
        list(by_input.values()), rule=exercise.pass_rule, shared_checks=len(exercise.rubric)
    )
    error = grading_error(runs, samples)
    now = timezone.now()
    with transaction.atomic():
        finished = Submission.objects.filter(
            pk=submission.pk,
            status=claimed_status,
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
        if finished:
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
