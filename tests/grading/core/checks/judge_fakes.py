"""Fakes shared by the judge's tests: a scripted judge, verdict JSON, and running a check."""

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

from grading.core.checks import build_checks
from grading.core.types import Attempt, CheckResult, JudgeCall, Tools

TWO = {
    "type": "llm-rubric",
    "criteria": [
        {"id": "polite", "description": "The reply is polite"},
        {"id": "hours", "description": "It gives the hours"},
    ],
}

SEED = "per-submission-secret"

OUTPUT = "Thank you! We open at 9."


def verdict(**met: bool) -> str:
    return json.dumps(
        {
            "criteria": [
                {"id": key, "met": value, "evidence": f"e-{key}"} for key, value in met.items()
            ]
        }
    )


class ScriptedJudge:
    """A fake ``Tools.judge``: answers from a script (per model), recording every call."""

    def __init__(self, answers: Sequence[str] | Callable[[JudgeCall], str]) -> None:
        self.answers = answers
        self.calls: list[JudgeCall] = []

    async def __call__(self, call: JudgeCall) -> str:
        self.calls.append(call)
        if callable(self.answers):
            return self.answers(call)
        return self.answers[len(self.calls) - 1]


def tools(judge: Any, **kwargs: Any) -> Tools:
    return Tools(judge=judge, judge_model=kwargs.pop("judge_model", "judge-m"), seed=SEED, **kwargs)


def run_judged(entry: dict[str, Any], output: str, judge: Any, **kwargs: Any) -> CheckResult:
    (check,) = build_checks([entry])
    return asyncio.run(check.arun(Attempt("p", "p", output), tools(judge, **kwargs)))


def with_evidence(evidence: str) -> str:
    return json.dumps(
        {
            "criteria": [
                {"id": "polite", "met": True, "evidence": "ok"},
                {"id": "hours", "met": True, "evidence": evidence},
            ]
        }
    )
