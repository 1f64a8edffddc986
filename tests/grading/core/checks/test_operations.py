"""Tests of grading/core/checks/operations.py."""

import math
from typing import Any

import pytest

from grading.core.checks import build_checks
from grading.core.types import Attempt, CheckResult
from tests.grading.core.checks.support import (
    OPERATIONS_PASS_AND_FAIL,
    check,
    rubric_error,
    run_prompt,
)


@pytest.mark.parametrize(
    ("entry", "good", "bad"),
    OPERATIONS_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _ in OPERATIONS_PASS_AND_FAIL],
)
def test_each_operations_check_looks_at_the_call_metadata(entry, good, bad):
    passed = check(entry).run(Attempt(prompt="p", rendered_prompt="p", output="x", **good))
    failed = check(entry).run(Attempt(prompt="p", rendered_prompt="p", output="x", **bad))
    assert (passed.passed, passed.score, passed.error) == (True, 1.0, False), passed.reason
    assert (failed.passed, failed.score, failed.error) == (False, 0.0, False), failed.reason


def call(entry: dict[str, Any], **metadata: Any) -> CheckResult:
    return run_prompt(entry, "p", **metadata)


def test_latency_passes_at_the_threshold_like_promptfoo_and_says_by_how_much():
    entry = {"type": "latency", "threshold": 1500}
    assert call(entry, latency_ms=1500).reason == "Latency was 1500 ms (max 1500 ms)."
    slow = call(entry, latency_ms=2300)
    assert (slow.passed, slow.reason) == (False, "Latency was 2300 ms (max 1500 ms).")


@pytest.mark.parametrize(
    ("entry", "metadata", "reason"),
    [
        ({"type": "latency", "threshold": 1}, {}, "Latency was not recorded for this response."),
        ({"type": "latency", "threshold": 1}, {"latency_ms": -5}, "The recorded latency"),
        ({"type": "cost", "threshold": 1}, {}, "Cost is unknown for this response"),
        ({"type": "cost", "threshold": 1}, {"cost_usd": math.nan}, "The recorded cost (nan)"),
        ({"type": "cost", "threshold": 1}, {"cost_usd": -0.1}, "The recorded cost (-0.1)"),
        ({"type": "finish-reason", "value": "stop"}, {}, "The finish reason was not recorded"),
        ({"type": "finish-reason", "value": "stop"}, {"finish_reason": " "}, "The finish reason"),
        ({"type": "max-output-tokens", "value": 5}, {}, "The output token count was not recorded"),
        ({"type": "max-total-tokens", "value": 5}, {"completion_tokens": 1}, "The token count"),
        ({"type": "max-total-tokens", "value": 5}, {"prompt_tokens": 1}, "The token count"),
    ],
)
def test_missing_or_invalid_metadata_is_an_error_not_a_pass_or_a_fail(entry, metadata, reason):
    for kind in (entry["type"], f"not-{entry['type']}"):
        result = call({**entry, "type": kind}, **metadata)
        assert (result.passed, result.error, result.score) == (False, True, 0.0)
        assert result.reason.startswith(reason)


def test_latency_and_cost_never_print_exponents():
    assert call({"type": "latency", "threshold": 2_000_000}, latency_ms=1).reason == (
        "Latency was 1 ms (max 2000000 ms)."
    )
    assert call({"type": "latency", "threshold": 2.5}, latency_ms=3).reason == (
        "Latency was 3 ms (max 2.5 ms)."
    )
    assert call({"type": "cost", "threshold": 1e-6}, cost_usd=2.5e-7).reason == (
        "Cost was $0.00000025 (max $0.000001)."
    )


def test_not_latency_passes_only_when_slower_than_the_threshold():
    entry = {"type": "not-latency", "threshold": 100}
    assert call(entry, latency_ms=101).passed
    assert not call(entry, latency_ms=100).passed


def test_cost_reasons_show_small_amounts_in_plain_dollars():
    result = call({"type": "cost", "threshold": 0.001}, cost_usd=0.00042)
    assert (result.passed, result.reason) == (True, "Cost was $0.00042 (max $0.001).")
    assert call({"type": "cost", "threshold": 0}, cost_usd=0.0).passed


@pytest.mark.parametrize(
    ("expected", "actual", "passed"),
    [
        ("stop", "stop", True),
        ("STOP", "stop", True),
        ("stop", "Stop", True),
        ("stop", "end_turn", True),
        ("stop", "stop_sequence", True),
        ("length", "max_tokens", True),
        ("tool_calls", "tool_use", True),
        ("tool_calls", "function_call", True),
        ("content_filter", "content_filter", True),
        ("safety", "SAFETY", True),
        ("stop", "length", False),
        ("length", "stop", False),
    ],
)
def test_finish_reason_compares_like_promptfoo(expected, actual, passed):
    result = call({"type": "finish-reason", "value": expected}, finish_reason=actual)
    assert result.passed is passed


def test_finish_reason_reasons_show_the_providers_word_and_its_meaning():
    entry = {"type": "finish-reason", "value": "stop"}
    assert call(entry, finish_reason="max_tokens").reason == (
        "Model stopped with finish reason 'max_tokens' ('length'), expected 'stop'."
    )
    assert call(entry, finish_reason="stop").reason == "Model stopped with finish reason 'stop'."


def test_token_checks_say_what_was_counted():
    result = call({"type": "max-output-tokens", "value": 100}, completion_tokens=57)
    assert result.reason == "Output used 57 tokens (max 100)."
    result = call(
        {"type": "max-total-tokens", "value": 100}, prompt_tokens=80, completion_tokens=57
    )
    assert result.reason == "The call used 137 tokens (80 prompt + 57 output; max 100)."


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "latency"}, "missing required parameter(s) 'threshold'"),
        ({"type": "latency", "value": 100}, "unknown parameter(s) 'value'"),
        ({"type": "latency", "threshold": -1}, "'threshold' must be >= 0"),
        ({"type": "latency", "threshold": "1s"}, "'threshold' must be a number"),
        ({"type": "cost", "threshold": math.inf}, "'threshold' must be a finite number"),
        ({"type": "cost", "threshold": True}, "'threshold' must be a number"),
        ({"type": "finish-reason"}, "missing required parameter(s) 'value'"),
        ({"type": "finish-reason", "value": ""}, "'value' must not be empty"),
        ({"type": "finish-reason", "value": "  "}, "'value' must not be blank"),
        ({"type": "finish-reason", "value": ["stop"]}, "'value' must be a string"),
        ({"type": "max-output-tokens", "value": -1}, "'value' must be an integer >= 0"),
        ({"type": "max-total-tokens", "value": 1.5}, "'value' must be an integer >= 0"),
    ],
)
def test_operations_checks_reject_bad_parameters(entry, message):
    assert message in rubric_error(entry)


def test_operations_check_names():
    names = [
        check.name
        for check in build_checks(
            [
                {"type": "latency", "threshold": 5000},
                {"type": "cost", "threshold": 0.0025},
                {"type": "finish-reason", "value": "stop"},
                {"type": "max-output-tokens", "value": 1},
                {"type": "max-total-tokens", "value": 300},
            ]
        )
    ]
    assert names == [
        "latency at most 5000 ms",
        "cost at most $0.0025",
        "finish reason is 'stop'",
        "output at most 1 token",
        "call at most 300 tokens in total",
    ]
