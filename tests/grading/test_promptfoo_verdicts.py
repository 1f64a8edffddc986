"""Promptcraft reaches promptfoo 0.123.1's own verdicts (recorded in promptfoo_verdicts/)."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from grading.adapters.sandbox import run_script
from grading.core.checks import build_checks
from grading.core.types import Attempt, Tools
from tests.grading.sandbox_support import requires_sandbox

VERDICTS = Path(__file__).parent / "promptfoo_verdicts"


def _cases(name: str) -> list[Any]:
    rows = json.loads((VERDICTS / f"{name}.json").read_text(encoding="utf-8"))
    return [pytest.param(row, id=f"{name}-{number}") for number, row in enumerate(rows)]


def _expect_promptfoos_verdict(row: dict[str, Any], tools: Tools) -> None:
    variables = row.get("vars", {})
    (check,) = build_checks([row["assertion"]], variables)
    attempt = Attempt("p", "p", row["output"], variables=variables)
    result = asyncio.run(check.arun(attempt, tools))
    expected = row["promptfoo"]
    assert result.passed is expected["pass"], (result.reason, expected["reason"])
    score = float(expected["score"])  # "Infinity" for a non-finite score
    assert result.score == pytest.approx(min(1.0, max(0.0, score)))


@pytest.mark.parametrize(
    "row",
    [
        *_cases("html"),
        *_cases("html_edge_cases"),
        *_cases("json_formats"),
        *_cases("contains_json"),
        *_cases("strings_structure_metrics"),
    ],
)
def test_deterministic_checks_reach_promptfoos_verdict(row):
    _expect_promptfoos_verdict(row, Tools())


@requires_sandbox
@pytest.mark.parametrize("row", _cases("python"))
def test_python_assertions_reach_promptfoos_verdict(row):
    _expect_promptfoos_verdict(row, Tools(run_script=run_script))
