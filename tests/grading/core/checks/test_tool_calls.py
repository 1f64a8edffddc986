"""Tests of grading/core/checks/tool_calls.py."""

import json

import pytest

from grading.core.checks import build_checks
from grading.core.types import Attempt, RubricError, Tools

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}


def call(name: str = "get_weather", arguments: object = '{"city": "Paris"}') -> dict:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


def run(output: str, *, tools: tuple = (WEATHER,), entry: dict | None = None):  # type: ignore[no-untyped-def]
    (check,) = build_checks([entry or {"type": "is-valid-openai-tools-call"}])
    return check.run(Attempt("p", "p", output), Tools(tool_definitions=tools))


@pytest.mark.parametrize(
    "output",
    [
        json.dumps([call()]),
        json.dumps([call(arguments={"city": "Paris", "unit": "celsius"})]),
        json.dumps({"tool_calls": [call()]}),
        json.dumps(call()),
        json.dumps([call(), call(arguments='{"city": "Lyon"}')]),
    ],
)
def test_calls_that_match_the_tools_schemas_pass(output):
    result = run(output)
    assert (result.passed, result.error) == (True, False), result.reason


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("It is sunny in Paris.", "not a list of tool calls"),
        ("[]", "calls no tool"),
        (json.dumps([call(name="get_time")]), "not one of"),
        (json.dumps([call(arguments="{city: Paris}")]), "not JSON"),
        (json.dumps([call(arguments='{"unit": "celsius"}')]), "'city' is a required property"),
        (json.dumps([call(arguments='{"city": "Paris", "unit": "kelvin"}')]), "is not one of"),
        (json.dumps([{"id": "x"}]), "has no function"),
    ],
)
def test_calls_that_do_not_match_fail_with_the_reason(output, reason):
    result = run(output)
    assert (result.passed, result.error) == (False, False)
    assert reason in result.reason


def test_the_checks_own_tools_win_over_the_exercises():
    entry = {"type": "is-valid-openai-tools-call", "tools": [WEATHER]}
    assert run(json.dumps([call()]), tools=(), entry=entry).passed


def test_without_any_tools_the_check_is_an_error_not_a_fail():
    result = run(json.dumps([call()]), tools=())
    assert (result.passed, result.error) == (False, True)


@pytest.mark.parametrize(
    "tools",
    [
        "get_weather",
        [{"type": "function"}],
        [{"type": "function", "function": {"name": ""}}],
        [{"type": "function", "function": {"name": "f", "parameters": {"type": "wat"}}}],
        [WEATHER, WEATHER],
    ],
)
def test_bad_tool_definitions_are_refused_at_build(tools):
    with pytest.raises(RubricError):
        build_checks([{"type": "is-valid-openai-tools-call", "tools": tools}])


def test_a_call_to_a_tool_without_a_parameters_schema_fails_as_in_promptfoo():
    bare = {"type": "function", "function": {"name": "get_weather"}}
    result = run(json.dumps([call()]), tools=(bare,))
    assert (result.passed, result.error) == (False, False)
    assert "no parameters schema" in result.reason
