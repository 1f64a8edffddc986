"""Judge calibration: run the labelled judge set through the real llm-rubric check and store
how well the judge model agrees with the labels."""

import asyncio
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from exercises.models import Exercise, TestInput
from grading.adapters.clients import ModelClient
from grading.adapters.clients import default_client as default_model_client
from grading.adapters.execution import Executor
from grading.core.calibration import JudgeSetRow, parse_judge_set, score_calibration
from grading.core.checks import build_checks
from grading.core.types import Attempt, CheckResult, Tools
from grading.models import JudgeCalibration

JUDGE_SET = Path(__file__).resolve().parent.parent / "judge_set.json"
# Calibration is a fixed procedure: the same seed keys the judge's delimiters every time, so a
# repeated calibration is served from the response cache.
CALIBRATION_SEED = "judge-calibration"


def load_judge_set(path: Path = JUDGE_SET) -> tuple[list[JudgeSetRow], str]:
    """The judge set's rows and the sha256 of its file."""
    raw = path.read_bytes()
    return parse_judge_set(json.loads(raw)["rows"]), hashlib.sha256(raw).hexdigest()


async def _verdicts(rows: list[JudgeSetRow], model: str, executor: Executor) -> list[CheckResult]:
    tools = Tools(
        judge=executor.judge,
        judge_model=model,
        seed=CALIBRATION_SEED,
        one_criterion_per_call=frozenset(settings.PROMPTCRAFT_JUDGE_ONE_CRITERION_PER_CALL),
    )
    checks = [build_checks([{"type": "llm-rubric", "value": row.criterion}])[0] for row in rows]
    return list(
        await asyncio.gather(
            *(
                check.arun(Attempt("", "", row.output), tools)
                for check, row in zip(checks, rows, strict=True)
            )
        )
    )


def calibrate_judge(
    *, model: str = "", client: ModelClient | None = None, judge_set: Path = JUDGE_SET
) -> JudgeCalibration:
    """Judge every row of the judge set with `model` (default: the configured judge model)
    through the real llm-rubric check, and store the agreement with the labels.

    A row counts as judged "met" only when the check passed: flagged, empty and errored
    answers count as "not met". Safe to call twice (each call stores one more run)."""
    model = model or settings.PROMPTCRAFT_JUDGE_MODEL
    rows, digest = load_judge_set(judge_set)
    executor = Executor(client or default_model_client())
    results = executor.run(_verdicts(rows, model, executor))
    predicted = [result.passed and not result.error for result in results]
    calibration = score_calibration(rows, predicted)
    return JudgeCalibration.objects.create(
        judge_model=model,
        rows=calibration.rows,
        accuracy=calibration.accuracy,
        attacks=calibration.attacks,
        false_passes_on_attacks=calibration.false_passes_on_attacks,
        kappa=calibration.kappa,
        passed=calibration.passed,
        judge_set_sha256=digest,
        details=[
            {
                "id": row.id,
                "kind": row.kind,
                "expected": row.met,
                "predicted": verdict,
                "error": result.error,
                "reason": result.reason[:300],
            }
            for row, verdict, result in zip(rows, predicted, results, strict=True)
        ],
    )


def exercise_judge_models(
    exercise: Exercise, test_inputs: Iterable[TestInput] | None = None
) -> list[str]:
    """The judge models an exercise's llm-rubric checks use (none if it has no such check).

    `test_inputs` saves a query when the caller already holds the exercise's inputs."""
    models: list[str] = []
    checks = [*exercise.rubric]
    for test_input in exercise.test_inputs.all() if test_inputs is None else test_inputs:
        checks.extend(test_input.checks)
    for check in checks:
        if (
            not isinstance(check, dict)
            or check.get("type", "").removeprefix("not-") != "llm-rubric"
        ):
            continue
        named = check.get("judges") or ([check["model"]] if check.get("model") else [])
        models.extend(named or [exercise.judge_model_name])
    return list(dict.fromkeys(models))


def uncalibrated_judges(
    exercise: Exercise, test_inputs: Iterable[TestInput] | None = None
) -> list[str]:
    """The exercise's judge models whose latest calibration did not pass (or never ran)."""
    models = exercise_judge_models(exercise, test_inputs)
    calibrated = JudgeCalibration.objects.calibrated_models(models)
    return [model for model in models if model not in calibrated]


def uncalibrated_exercise_ids(exercises: Iterable[Exercise]) -> set[int]:
    """The ids of those `exercises` with a judge model whose latest calibration did not pass,
    in two queries however many exercises (for pages that list them)."""
    exercises = list(exercises)
    checks_of: dict[int, list[TestInput]] = {exercise.pk: [] for exercise in exercises}
    for test_input in TestInput.objects.filter(exercise__in=exercises).only("exercise", "checks"):
        checks_of[test_input.exercise_id].append(test_input)
    models_of = {
        exercise.pk: exercise_judge_models(exercise, checks_of[exercise.pk])
        for exercise in exercises
    }
    calibrated = JudgeCalibration.objects.calibrated_models(
        sorted({model for models in models_of.values() for model in models})
    )
    return {pk for pk, models in models_of.items() if set(models) - calibrated}
