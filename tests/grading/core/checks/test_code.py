"""Tests of grading/core/checks/code.py."""

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.checks import build_checks
from grading.core.checks.code import extract_code, hidden_test_names
from grading.core.scoring import agrade_sample
from grading.core.types import Attempt, CheckResult, CodeJob, CodeReport, RubricError, Tools

TESTS = (
    "def test_small():\n    assert add(2, 3) == 5\n\n"
    "def test_negative():\n    assert add(-1, -1) == -2\n"
)

ENTRY: dict[str, Any] = {"type": "code-tests", "tests": TESTS}

CODE = "def add(a, b):\n    return a + b\n"


class FakeSandbox:
    """Returns a fixed report and records the jobs it was given."""

    def __init__(self, report: CodeReport) -> None:
        self.report = report
        self.jobs: list[CodeJob] = []

    async def __call__(self, job: CodeJob) -> CodeReport:
        self.jobs.append(job)
        return self.report


def grade(output: str, report: CodeReport | None, entry: dict[str, Any] = ENTRY) -> CheckResult:
    (check,) = build_checks([entry])
    tools = Tools(run_code=FakeSandbox(report)) if report is not None else Tools()
    return asyncio.run(check.arun(Attempt(prompt="p", rendered_prompt="p", output=output), tools))


OK = CodeReport(passed=2, failed=0, status="ok")

HALF = CodeReport(passed=1, failed=1, status="ok", failures=("test_negative: AssertionError",))


def test_all_tests_passing_passes_with_full_score():
    result = grade(f"Here:\n```python\n{CODE}```\n", OK)
    assert (result.passed, result.score, result.error) == (True, 1.0, False)
    assert result.reason == "Passed 2 of 2 hidden tests."
    assert result.name == "code passes 2 hidden tests"


def test_a_failing_test_fails_with_a_partial_score_and_names_the_test():
    result = grade(f"```python\n{CODE}```", HALF)
    assert (result.passed, result.score, result.error) == (False, 0.5, False)
    assert "first failure: test_negative: AssertionError" in result.reason
    assert result.details["failures"] == ["test_negative: AssertionError"]


def test_min_pass_rate_lets_a_partial_pass_through():
    result = grade(f"```python\n{CODE}```", HALF, {**ENTRY, "min_pass_rate": 0.5})
    assert (result.passed, result.score) == (True, 0.5)
    assert result.name == "code passes 50% of 2 hidden tests"


def test_the_job_carries_the_extracted_code_and_the_rubric_limits():
    (check,) = build_checks([{**ENTRY, "timeout_seconds": 2, "memory_mb": 128}])
    sandbox = FakeSandbox(OK)
    attempt = Attempt(prompt="p", rendered_prompt="p", output=f"```py\n{CODE}```\nDone.")
    asyncio.run(check.arun(attempt, Tools(run_code=sandbox)))
    assert sandbox.jobs == [
        CodeJob(code=CODE, tests=TESTS, language="python", timeout_seconds=2.0, memory_mb=128)
    ]


def test_no_code_is_a_fail_with_a_clear_reason_and_the_sandbox_is_not_called():
    sandbox = FakeSandbox(OK)
    (check,) = build_checks([ENTRY])
    attempt = Attempt(prompt="p", rendered_prompt="p", output="I would add the numbers.")
    result = asyncio.run(check.arun(attempt, Tools(run_code=sandbox)))
    assert (result.passed, result.error) == (False, False)
    assert result.reason.startswith("No Python code found")
    assert sandbox.jobs == []
    assert "(the output is empty)" in grade("", OK).reason


def test_no_sandbox_is_an_error_not_a_fail():
    result = grade(f"```python\n{CODE}```", None)
    assert (result.passed, result.error) == (False, True)
    assert result.reason == "the code sandbox is not configured"


def test_a_sandbox_error_is_a_grading_error_with_its_message():
    report = CodeReport(passed=0, failed=0, status="error", message="bwrap: no namespaces")
    result = grade(f"```python\n{CODE}```", report)
    assert (result.passed, result.error) == (False, True)
    assert "bwrap: no namespaces" in result.reason


def test_a_timed_out_run_is_a_fail_that_says_so():
    report = CodeReport(
        passed=1, failed=1, status="timeout", failures=("test_negative: timed out",)
    )
    result = grade(f"```python\n{CODE}```", report)
    assert (result.passed, result.error) == (False, False)
    assert "time limit" in result.reason


def test_the_not_form_inverts_a_verdict_but_keeps_errors():
    assert grade(f"```python\n{CODE}```", HALF, {**ENTRY, "type": "not-code-tests"}).passed
    assert grade(f"```python\n{CODE}```", None, {**ENTRY, "type": "not-code-tests"}).error


def test_agrade_sample_runs_the_check_through_the_tool():
    (check,) = build_checks([ENTRY])
    attempt = Attempt(prompt="p", rendered_prompt="p", output=f"```python\n{CODE}```")
    sample = asyncio.run(agrade_sample(attempt, [check], Tools(run_code=FakeSandbox(OK))))
    assert sample.passed


@pytest.mark.parametrize(
    ("output", "code"),
    [
        ("```python\nx = 1\n```", "x = 1\n"),
        ("Intro\n```\nx = 1\n```\n```python\ny = 2\n```", "x = 1\n"),
        ("```python\n\n```\n```python\ny = 2\n```", "y = 2\n"),
        ("```bash\nls\n```\n```Python\ny = 2\n```", "y = 2\n"),
        ("```python3 title=a.py\nx = 1\n```", "x = 1\n"),
        ("  ```python\n  x = 1\n  ```", "  x = 1\n"),
        ("````python\n```\nx = 1\n````", "```\nx = 1\n"),
        ("```python\ndef f():\n    return 1", "def f():\n    return 1\n"),  # truncated answer
        ("def f():\n    return 1\n", "def f():\n    return 1\n"),  # unfenced, parses
        ("import os", "import os"),
    ],
)
def test_extract_code_finds_the_first_python_block(output, code):
    assert extract_code(output) == code


@pytest.mark.parametrize(
    "output",
    ["", "   \n", "Hello", "The answer is 42.", "```bash\nls -l\n```", "Use ```x``` inline"],
)
def test_extract_code_finds_nothing_in_prose_or_other_languages(output):
    assert extract_code(output) is None


PIECES = st.sampled_from(["`", "```", "\n", "\r\n", " ", "python", "x = 1", "é", "\x00"])


@given(st.one_of(st.text(), st.lists(PIECES).map("".join)))
def test_extract_code_never_raises_and_returns_lines_of_the_output(output):
    code = extract_code(output)
    assert code is None or code == output or set(code.splitlines()) <= set(output.splitlines())


def test_hidden_test_names_are_top_level_test_functions_in_order_once():
    source = "def helper():\n    pass\n\ndef test_b():\n    pass\n\ndef test_a():\n    pass\n"
    source += (
        "class TestX:\n    def test_in_class(self):\n        pass\n\ndef test_b():\n    pass\n"
    )
    assert hidden_test_names(source) == ["test_b", "test_a"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "code-tests"}, "missing required parameter(s) 'tests'"),
        ({"type": "code-tests", "tests": ""}, "'tests' must not be empty"),
        ({"type": "code-tests", "tests": "def test_(:"}, "'tests' is not valid Python"),
        ({"type": "code-tests", "tests": "x = 1\n"}, "at least one top-level test_* function"),
        ({**ENTRY, "language": "ruby"}, "'language' must be 'python'"),
        ({**ENTRY, "timeout_seconds": 0.25}, "'timeout_seconds' must be > 0.25 and <= 60"),
        ({**ENTRY, "timeout_seconds": "5"}, "'timeout_seconds' must be a number"),
        ({**ENTRY, "memory_mb": 8}, "'memory_mb' must be an integer from 32 to 4096"),
        ({**ENTRY, "min_pass_rate": 1.5}, "'min_pass_rate' must be > 0 and <= 1"),
        ({**ENTRY, "min_pass_rate": True}, "'min_pass_rate' must be a number"),
        ({**ENTRY, "timeout": 5}, "unknown parameter(s) 'timeout'"),
    ],
)
def test_rubric_errors(entry, message):
    with pytest.raises(RubricError) as excinfo:
        build_checks([entry])
    assert message in str(excinfo.value)
