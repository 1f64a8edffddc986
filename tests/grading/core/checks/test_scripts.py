"""Tests of grading/core/checks/scripts.py: the python check and transform.

The script runner here executes the script in this process, as the sandbox's harness would in
its child (JSON data in, JSON data out); tests/grading/test_sandbox.py runs the real sandbox.
"""

import asyncio
import json
import math
from typing import Any

import pytest

from grading.core.checks import build_checks
from grading.core.checks.scripts import (
    function_source,
    javascript_hint,
    js_json,
    js_parse_float,
)
from grading.core.types import Attempt, CheckResult, ScriptJob, ScriptReport, Tools
from tests.grading.core.checks.support import rubric_error


class InProcessScripts:
    """Runs scripts like the sandbox's harness (JSON data in and out), recording each job."""

    def __init__(self) -> None:
        self.jobs: list[ScriptJob] = []

    async def __call__(self, job: ScriptJob) -> ScriptReport:
        self.jobs.append(job)
        namespace: dict[str, Any] = {}
        exec(compile(job.source, "script.py", "exec"), namespace)
        value = json.loads(json.dumps(job.output))
        context = json.loads(json.dumps(job.context))
        for name in job.functions:
            try:
                value = json.loads(json.dumps(namespace[name](value, context), allow_nan=False))
            except Exception as exc:
                return ScriptReport("failed", message=f"{type(exc).__name__}: {exc}", function=name)
        return ScriptReport("ok", value=value)


def grade(
    entry: dict[str, Any],
    output: str,
    variables: dict[str, Any] | None = None,
    runner: Any = None,
) -> CheckResult:
    (check,) = build_checks([entry], variables or {})
    attempt = Attempt(
        prompt="Q: {{q}}",
        rendered_prompt="Q: rendered",
        output=output,
        variables=variables or {},
        model="ollama/tiny",
        finish_reason="stop",
    )
    tools = Tools(run_script=runner or InProcessScripts())
    return asyncio.run(check.arun(attempt, tools))


def outcome(result: CheckResult) -> tuple[bool, float]:
    return result.passed, result.score


# --- what the script returns, read as promptfoo reads it -----------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("output == 'yes'", (True, 1.0)),
        ("output == 'no'", (False, 0.0)),
        ("'TRUE'", (True, 1.0)),
        ("'False'", (False, 0.0)),
        ("0.7", (True, 0.7)),
        ("0", (False, 0.0)),
        ("-1", (False, 0.0)),
        ("'0.25 of it'", (True, 0.25)),  # parseFloat reads the leading number
        ("3", (True, 1.0)),  # promptfoo's score 3, clamped to Promptcraft's [0, 1]
        ("{'pass': True, 'score': 0.5, 'reason': 'half'}", (True, 0.5)),
        ("{'pass_': False, 'score': 0.2, 'reason': 'dataclass style'}", (False, 0.2)),
        ('\'{"pass": true, "score": 1, "reason": "as text"}\'', (True, 1.0)),
    ],
)
def test_results_are_read_as_promptfoo_reads_them(code, expected):
    assert outcome(grade({"type": "python", "value": code}, "yes")) == expected


@pytest.mark.parametrize(
    "code",
    [
        "None",
        "'maybe'",
        "[1, 2]",
        "{'pass': True}",  # no score, no reason
        "{'pass': 1, 'score': 1, 'reason': 'x'}",  # pass must be a bool
        "{'pass': True, 'score': True, 'reason': 'x'}",
        "'{not json'",
        "{1, 2}",  # a set is not JSON data
        "float('nan')",
        "1 / 0",
    ],
)
def test_anything_else_fails_as_an_execution_failure(code):
    result = grade({"type": "python", "value": code}, "yes")
    assert (result.passed, result.score, result.error) == (False, 0.0, False)
    assert result.reason.startswith("Python code execution failed")


def test_a_failure_stays_a_failure_under_not():
    result = grade({"type": "not-python", "value": "1 / 0"}, "yes")
    assert (result.passed, result.score) == (False, 0.0)
    assert result.reason.startswith("Python code execution failed: ZeroDivisionError")


@pytest.mark.parametrize(
    ("code", "threshold", "expected"),
    [
        ("0.5", 0.5, (True, 0.5)),
        ("0.4", 0.5, (False, 0.4)),
        ("0", 0.0, (True, 0.0)),  # with a threshold, >= decides: 0 >= 0
        ("{'pass': True, 'score': 0.4, 'reason': 'ok'}", 0.5, (False, 0.4)),
        ("{'pass': False, 'score': 0.9, 'reason': 'no'}", 0.5, (False, 0.9)),
    ],
)
def test_threshold(code, threshold, expected):
    entry = {"type": "python", "value": code, "threshold": threshold}
    assert outcome(grade(entry, "x")) == expected


def test_threshold_failure_says_why():
    entry = {"type": "python", "value": "{'pass': True, 'score': 0.4, 'reason': 'ok'}"}
    result = grade({**entry, "threshold": 0.5}, "x")
    assert result.reason == "Python score 0.4 is less than threshold 0.5: ok"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("True", (False, 0.0)),
        ("False", (True, 1.0)),
        ("0.8", (False, 0.8)),  # not- inverts the pass, never the score
        ("0", (True, 0.0)),
        ("{'pass': True, 'score': 0.9, 'reason': 'r'}", (False, 0.9)),
    ],
)
def test_not_python_inverts_the_pass_only(code, expected):
    assert outcome(grade({"type": "not-python", "value": code}, "x")) == expected


def test_reasons():
    assert grade({"type": "python", "value": "True"}, "x").reason == "Assertion passed"
    failed = grade({"type": "python", "value": "len(output) > 3"}, "x")
    assert failed.reason == "Python code returned false: len(output) > 3"
    own = grade(
        {"type": "python", "value": "{'pass': False, 'score': 0, 'reason': 'Too short'}"}, ""
    )
    assert own.reason == "Too short"


# --- the function promptfoo builds ----------------------------------------------------------


def test_one_line_is_an_expression_and_several_lines_a_body():
    assert function_source("main", "x") == "def main(output, context):\n    return x\n"
    body = "if output:\n  return 1\nreturn 0"
    assert function_source("main", body) == (
        "def main(output, context):\n  if output:\n    return 1\n  return 0\n"
    )
    entry = {"type": "python", "value": "words = output.split()\nreturn len(words) / 10"}
    assert outcome(grade(entry, "one two three")) == (True, pytest.approx(0.3))


def test_the_body_sees_output_context_and_json():
    code = (
        "data = json.loads(output)\n"
        "ok = data['city'] == context['vars']['city'] and context['config']['strict']\n"
        "return {'pass': ok, 'score': 1 if ok else 0, 'reason': context['prompt']}"
    )
    entry = {"type": "python", "value": code, "config": {"strict": True}}
    result = grade(entry, '{"city": "Paris"}', {"city": "Paris"})
    assert (result.passed, result.reason) == (True, "Q: rendered")


def test_the_context_is_shaped_like_promptfoos():
    runner = InProcessScripts()
    grade({"type": "python", "value": "True", "config": {"k": 1}}, "out", {"a": "1"}, runner)
    (job,) = runner.jobs
    assert job.functions == ("main",)
    assert job.output == "out"
    assert job.context == {
        "prompt": "Q: rendered",
        "vars": {"a": "1"},
        "test": {"vars": {"a": "1"}},
        "config": {"k": 1},
        "provider": {"id": "ollama/tiny"},
        "providerResponse": {"output": "out", "finishReason": "stop"},
    }


def test_values_are_templates_like_every_check_value():
    entry = {"type": "python", "value": "output.strip() == '{{answer}}'"}
    assert grade(entry, " 42 ", {"answer": "42"}).passed


# --- refused at save, with the field and the fix named --------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "python"}, "missing required parameter(s) 'value'"),
        ({"type": "python", "value": 3}, "'value' must be Python code"),
        ({"type": "python", "value": "  "}, "'value' must be Python code"),
        ({"type": "python", "value": "file://check.py"}, "file:// references are not supported"),
        ({"type": "python", "value": "len(output) >"}, "'value' is not valid Python"),
        ({"type": "python", "value": "return True"}, "drop 'return'"),
        ({"type": "python", "value": "x = 1\nx > 0"}, "it must `return` its result"),
        ({"type": "python", "value": "output.length > 3"}, "in Python write len(...)"),
        ({"type": "python", "value": "True", "threshold": "high"}, "'threshold' must be a number"),
        ({"type": "contains", "value": "a", "transform": "output.toUpperCase()"}, ".upper()"),
        ({"type": "contains", "value": "a", "transform": "output.map(x => x)"}, "JavaScript (=>)"),
        ({"type": "contains", "value": "a", "transform": "JSON.parse(output)"}, "json.loads"),
        (
            {"type": "prompt-not-contains", "value": "a", "transform": "output"},
            "prompt checks read",
        ),
        ({"type": "javascript", "value": "output.length > 3"}, "as a 'python' check"),
    ],
)
def test_refused_at_save(entry, message):
    assert message in rubric_error(entry)


def test_python_spelled_the_javascript_way_is_named():
    assert javascript_hint("output.trim() == 'x'") == (
        "'.trim' is JavaScript; in Python write .strip()"
    )
    assert javascript_hint("re.match('a', output) and output.split()") == ""


# --- transform ------------------------------------------------------------------------------


def test_transform_replaces_the_output_for_that_check_only():
    rubric = [
        {"type": "equals", "value": "PARIS", "transform": "output.upper()"},
        {"type": "equals", "value": "paris"},
    ]
    checks = build_checks(rubric)
    attempt = Attempt(prompt="p", rendered_prompt="p", output="paris")
    tools = Tools(run_script=InProcessScripts())
    results = [asyncio.run(check.arun(attempt, tools)) for check in checks]
    assert [result.passed for result in results] == [True, True]
    assert results[0].kind == "equals"
    assert results[0].name == "equals 'PARIS' (transformed)"


def test_a_transform_that_returns_data_gives_its_json_text():
    entry = {"type": "equals", "value": '{"n":1,"ok":true}', "trim": False}
    assert grade({**entry, "transform": "{'n': 1.0, 'ok': True}"}, "x").passed
    assert grade(
        {"type": "is-json", "transform": "json.loads(output)['inner']"}, '{"inner": [1]}'
    ).passed


def test_a_failing_transform_fails_the_check_even_under_not():
    for kind in ("contains", "not-contains"):
        result = grade({"type": kind, "value": "a", "transform": "json.loads(output)"}, "not json")
        assert (result.passed, result.score, result.error) == (False, 0.0, False)
        assert result.reason.startswith("the transform execution failed: JSONDecodeError")


def test_python_with_a_transform_gets_the_transformed_value_itself():
    runner = InProcessScripts()
    entry = {"type": "python", "value": "output['n'] == 2", "transform": "json.loads(output)"}
    assert grade(entry, '{"n": 2}', runner=runner).passed
    assert runner.jobs[0].functions == ("transform", "main")


def test_a_transform_on_a_judge_check_feeds_the_judge_the_transformed_output():
    seen: list[str] = []

    async def judge(call):
        seen.append(call.messages[-1]["content"])
        return '{"reason": "fine", "score": 1, "pass": true}'

    (check,) = build_checks(
        [{"type": "llm-rubric", "value": "Is polite", "transform": "output.split('|')[1]"}]
    )
    attempt = Attempt(prompt="p", rendered_prompt="p", output="SECRET-PART|Thank you kindly")
    asyncio.run(
        check.arun(attempt, Tools(run_script=InProcessScripts(), judge=judge, judge_model="m"))
    )
    assert seen
    assert all("SECRET-PART" not in text for text in seen)
    assert any("Thank you kindly" in text for text in seen)


def test_without_a_sandbox_it_is_an_error_not_a_fail():
    (check,) = build_checks([{"type": "python", "value": "True"}])
    result = asyncio.run(check.arun(Attempt(prompt="p", rendered_prompt="p", output="x")))
    assert (result.passed, result.error) == (False, True)


def test_a_sandbox_that_cannot_run_is_an_error():
    async def broken(job):
        return ScriptReport("error", message="bubblewrap is missing")

    result = grade({"type": "python", "value": "True"}, "x", runner=broken)
    assert result.error
    assert "bubblewrap is missing" in result.reason


# --- JavaScript's readings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5", 0.5),
        ("  3abc", 3.0),
        (".5", 0.5),
        ("-2e3x", -2000.0),
        ("1e", 1.0),
        ("Infinity", math.inf),
        ("0x10", 0.0),
        ("+7.", 7.0),
    ],
)
def test_js_parse_float(text, expected):
    assert js_parse_float(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "-", ".", "null", "e5"])
def test_js_parse_float_nan(text):
    assert math.isnan(js_parse_float(text))


def test_js_json_writes_numbers_as_javascript():
    assert js_json({"a": [1.0, 2.5, None, "é"], "b": False}) == '{"a":[1,2.5,null,"é"],"b":false}'
