"""Helpers shared by the check tests: build one check from a rubric entry and run it."""

import json
from collections.abc import Sequence
from typing import Any

import pytest

from grading.core.checks import Check, build_checks
from grading.core.types import NO_TOOLS, Attempt, CheckResult, JudgeCall, RubricError, Tools


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


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city"],
}

OPERATIONS_PASS_AND_FAIL: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # (rubric entry, metadata of a passing attempt, metadata of a failing attempt)
    ({"type": "latency", "threshold": 1000}, {"latency_ms": 1000}, {"latency_ms": 1001}),
    ({"type": "cost", "threshold": 0.01}, {"cost_usd": 0.01}, {"cost_usd": 0.0100001}),
    (
        {"type": "finish-reason", "value": "stop"},
        {"finish_reason": "stop"},
        {"finish_reason": "length"},
    ),
    (
        {"type": "max-output-tokens", "value": 10},
        {"completion_tokens": 10},
        {"completion_tokens": 11},
    ),
    (
        {"type": "max-total-tokens", "value": 10},
        {"prompt_tokens": 4, "completion_tokens": 6},
        {"prompt_tokens": 5, "completion_tokens": 6},
    ),
]


async def word_set_embed(model: str, texts: Sequence[str]) -> list[list[float]]:
    """A fake embedding: one dimension per word of a tiny vocabulary."""
    vocabulary = ["cat", "sat", "mat", "revenue", "rose"]
    return [[float(word in text.split()) for word in vocabulary] + [0.01] for text in texts]


FAKE_TOOLS = Tools(embed=word_set_embed, embedding_model="fake-embeddings")


async def judge_finds_please_polite(call: JudgeCall) -> str:
    """A stand-in judge: the one criterion is met when the quoted output says "please"."""
    met = "please" in call.messages[-1]["content"].lower()
    return json.dumps({"criteria": [{"id": "rubric", "met": met, "evidence": "said please"}]})


JUDGE_TOOLS = Tools(judge=judge_finds_please_polite, judge_model="judge", seed="s")

TOOL_PASS_AND_FAIL: list[tuple[dict[str, Any], str, str, Tools]] = [
    # (rubric entry, passing output, failing output, tools)
    ({"type": "llm-rubric", "value": "The reply is polite"}, "Please sit.", "Sit.", JUDGE_TOOLS),
    (
        {"type": "similar", "value": "cat sat on the mat"},
        "the cat sat on a mat",
        "revenue rose",
        FAKE_TOOLS,
    ),
]
