"""Helpers shared by the check tests: build one check from a rubric entry and run it."""

from typing import Any

import pytest

from grading.core.checks import Check, build_checks
from grading.core.types import NO_TOOLS, Attempt, CheckResult, RubricError, Tools


def attempt(output: str = "", prompt: str = "Answer: {{question}}") -> Attempt:
    return Attempt(prompt=prompt, rendered_prompt=prompt, output=output)


def check(entry: dict[str, Any]) -> Check:
    (built,) = build_checks([entry])
    return built


def run(
    entry: dict[str, Any], output: str = "", prompt: str = "Answer: {{question}}"
) -> CheckResult:
    return check(entry).run(attempt(output, prompt))


def run_on_output(entry: dict[str, Any], output: str) -> CheckResult:
    (check,) = build_checks([entry])
    return check.run(Attempt(prompt="p", rendered_prompt="p", output=output))


def run_prompt(
    entry: dict[str, Any],
    prompt: str,
    *,
    system: str = "",
    tools: Tools = NO_TOOLS,
    rendered: str | None = None,
    **metadata: Any,
) -> CheckResult:
    (check,) = build_checks([entry])
    attempt = Attempt(
        prompt=prompt,
        rendered_prompt=prompt if rendered is None else rendered,
        output="some output",
        system_prompt=system,
        **metadata,
    )
    return check.run(attempt, tools)


def rubric_error(entry: dict[str, Any]) -> str:
    with pytest.raises(RubricError) as excinfo:
        build_checks([entry])
    return str(excinfo.value)
