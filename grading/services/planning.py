"""Planning: draw a submission's items with its seed and render every item × sample."""

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from django.conf import settings

from exercises.models import Exercise, TestInput
from grading.adapters.clients import ModelReply, ModelRequest, token_count
from grading.adapters.execution import Executor
from grading.core.checks import Check, build_checks
from grading.core.templating import render_prompt
from grading.core.types import Attempt, CodeJob, CodeReport, ScriptJob, ScriptReport, Tools
from grading.models import Submission

CodeRunner = Callable[[CodeJob], Awaitable[CodeReport]]
ScriptRunner = Callable[[ScriptJob], Awaitable[ScriptReport]]

SCRIPT_CHECKS = frozenset({"python", "not-python"})
"""Checks whose value is the instructor's code, not an answer a prompt could leak."""


@dataclass(frozen=True)
class PlannedRun:
    """One model call of a submission (or, when re-scored, one stored output) with its checks.

    `request` is None when no model is called: a re-score grades the stored output."""

    test_input: TestInput
    sample_index: int
    checks: list[Check]
    rendered_prompt: str
    rendered_system_prompt: str
    model: str
    request: ModelRequest | None


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
    model = submission.model or exercise.model_name
    runs = []
    for test_input in test_inputs:
        checks = build_checks([*exercise.rubric, *test_input.checks], test_input.variables)
        variables = {name: str(value) for name, value in test_input.variables.items()}
        user = render_prompt(submission.prompt, variables)
        system = render_prompt(submission.system_prompt, variables)
        messages = ({"role": "system", "content": system},) if system.strip() else ()
        request = ModelRequest(
            model=model,
            messages=(*messages, {"role": "user", "content": user}),
            temperature=exercise.temperature,
            max_tokens=exercise.max_tokens,
            tools=tuple(exercise.tools),
        )
        for sample_index in range(exercise.samples):
            runs.append(PlannedRun(test_input, sample_index, checks, user, system, model, request))
    return runs


def leak_secrets(exercise: Exercise) -> tuple[str, ...]:
    """What a learner's prompt must not contain: the hidden inputs' values and the answers
    their checks expect (every string a hidden item's own checks compare with)."""
    secrets: list[str] = []
    for item in exercise.test_inputs.filter(is_hidden=True):
        secrets.extend(str(value) for value in item.variables.values())
        for check in item.checks:
            if isinstance(check, dict) and check.get("type") in SCRIPT_CHECKS:
                continue
            for key in ("value", "reference", "expected"):
                found = check.get(key) if isinstance(check, dict) else None
                if isinstance(found, str):
                    secrets.append(found)
                elif isinstance(found, list):
                    secrets.extend(value for value in found if isinstance(value, str))
    return tuple(dict.fromkeys(secret for secret in secrets if secret.strip()))


def grading_tools(
    submission: Submission,
    executor: Executor,
    code_runner: CodeRunner,
    script_runner: ScriptRunner,
) -> Tools:
    """The I/O the core's checks may use for this submission, all through `executor`'s cache."""
    return exercise_tools(
        submission.exercise, executor, code_runner, script_runner, submission.seed
    )


def exercise_tools(
    exercise: Exercise,
    executor: Executor,
    code_runner: CodeRunner,
    script_runner: ScriptRunner,
    seed: str,
) -> Tools:
    """The I/O the core's checks may use on an exercise, all through `executor`'s cache."""
    return Tools(
        judge=executor.judge,
        embed=executor.embed if executor.embedder else None,
        run_code=code_runner,
        run_script=script_runner,
        count_tokens=token_count,
        judge_model=exercise.judge_model_name,
        one_criterion_per_call=frozenset(settings.PROMPTCRAFT_JUDGE_ONE_CRITERION_PER_CALL),
        tool_definitions=tuple(exercise.tools),
        embedding_model=getattr(settings, "PROMPTCRAFT_EMBEDDING_MODEL", ""),
        secrets=leak_secrets(exercise),
        seed=seed,
    )


def attempt_for(submission: Submission, run: PlannedRun, reply: ModelReply) -> Attempt:
    """The core's view of one model reply to one planned run."""
    return Attempt(
        prompt=submission.prompt,
        rendered_prompt=run.rendered_prompt,
        output=reply.text,
        variables=run.test_input.variables,
        system_prompt=submission.system_prompt,
        model=run.model,
        sample_index=run.sample_index,
        latency_ms=reply.latency_ms,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        cost_usd=reply.cost_usd,
        finish_reason=reply.finish_reason,
    )
