"""Code checks: run the code in the output against hidden unit tests in the sandbox.

Rubric syntax::

    {"type": "code-tests",
     "tests": "def test_add():\\n    assert add(2, 3) == 5\\n",
     "timeout_seconds": 5, "memory_mb": 256, "min_pass_rate": 1.0}

The hidden tests are Python source defining top-level ``test_*`` functions with plain
``assert`` statements (no pytest). They see the candidate's public top-level names that they
mention directly, except a name of a builtin or one the tests define themselves (a candidate
``def len(x): ...`` never replaces the ``len`` the tests call); ``from solution import name``
reaches any public name, a builtin's included, where the author asks for it. The sandbox runs
the system Python 3 (standard library only) and passes plain data between tests and code; see
``grading/adapters/sandbox.py``.

The reason names the first failing test and ``details["failures"]`` up to five, each with a
message that never quotes the candidate's code (it receives the tests' arguments): "the code
raised ValueError", "AssertionError" plus the assert's own message (so an assert message should
contain neither the answer nor the code's result), "timed out after 5 s".
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from grading.core.checks.base import (
    Check,
    empty_note,
    one_line,
    plural,
    register,
    require_str,
)
from grading.core.types import Attempt, CodeJob, RubricError, Tools, Verdict

__all__ = ["CodeTests", "extract_code", "hidden_test_names"]

PYTHON_LABELS = frozenset({"", "python", "py", "python3"})
"""Fence labels taken as Python (an unlabelled fence counts too)."""

MIN_TIMEOUT_SECONDS = 0.25
"""Exclusive: starting a fresh Python for each test takes tens of milliseconds."""
MAX_TIMEOUT_SECONDS = 60.0
MIN_MEMORY_MB = 32
MAX_MEMORY_MB = 4096
FAILURES_IN_DETAILS = 5
FAILURE_CHARS = 200


def hidden_test_names(source: str) -> list[str]:
    """Return the top-level ``def test_*`` functions of ``source``, in order, each once.

    Raises ``SyntaxError`` (or ``ValueError`` for NUL bytes) when ``source`` does not parse.
    The sandbox's harness discovers tests with the same rule.
    """
    names: list[str] = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        if node.name.startswith("test_") and node.name not in names:
            names.append(node.name)
    return names


def _fence(line: str) -> tuple[str, str] | None:
    """Return ``(backticks, label)`` if ``line`` opens or closes a fence, else None."""
    stripped = line.strip()
    if not stripped.startswith("```"):
        return None
    ticks = stripped[: len(stripped) - len(stripped.lstrip("`"))]
    label = stripped[len(ticks) :].strip()
    if "`" in label:
        return None  # inline code such as ```x``` on one line
    return ticks, label.split()[0].lower() if label else ""


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def extract_code(output: str) -> str | None:
    """Return the Python code in a model's output, or None when there is none.

    The first fenced block labelled ``python`` (``py``, ``python3``) or unlabelled, up to its
    closing fence (or the end of the output, for a truncated answer); blocks in other languages
    and empty blocks are skipped. Without such a block, the whole output if it parses as Python
    and is more than bare expressions (so that a plain sentence such as "Hello" is not code).
    """
    lines = output.splitlines()
    position = 0
    while position < len(lines):
        opening = _fence(lines[position])
        position += 1
        if opening is None:
            continue
        ticks, label = opening
        body: list[str] = []
        while position < len(lines):
            closing = _fence(lines[position])
            position += 1
            if closing is not None and closing[1] == "" and len(closing[0]) >= len(ticks):
                break
            body.append(lines[position - 1])
        if label in PYTHON_LABELS and any(line.strip() for line in body):
            return "\n".join(body) + "\n"
    if not output.strip() or not _parses(output):
        return None
    statements = ast.parse(output).body
    if all(isinstance(statement, ast.Expr) for statement in statements):
        return None
    return output


@register
class CodeTests(Check):
    """Pass when the code in the output passes at least ``min_pass_rate`` of the hidden tests.

    Score: the fraction of tests passed. A missing sandbox or one that cannot run is a grading
    error, never a fail; missing or unparsable code is a fail.
    """

    kind = "code-tests"
    allowed = frozenset({"tests", "language", "timeout_seconds", "memory_mb", "min_pass_rate"})
    required = frozenset({"tests"})
    deterministic = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.tests = require_str(params, "tests", non_empty=True)
        try:
            names = hidden_test_names(self.tests)
        except (SyntaxError, ValueError) as exc:
            raise RubricError(f"'tests' is not valid Python: {one_line(str(exc), 120)}") from exc
        if not names:
            raise RubricError("'tests' must define at least one top-level test_* function")
        self.test_count = len(names)
        self.language = params.get("language", "python")
        if self.language != "python":
            raise RubricError(f"'language' must be 'python', got {self.language!r}")
        self.timeout_seconds = self._number(
            params, "timeout_seconds", 5.0, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS
        )
        memory = params.get("memory_mb", 256)
        if (
            not isinstance(memory, int)
            or isinstance(memory, bool)
            or not MIN_MEMORY_MB <= memory <= MAX_MEMORY_MB
        ):
            raise RubricError(
                f"'memory_mb' must be an integer from {MIN_MEMORY_MB} to {MAX_MEMORY_MB}, "
                f"got {memory!r}"
            )
        self.memory_mb = memory
        self.min_pass_rate = self._number(params, "min_pass_rate", 1.0, 0.0, 1.0)

    @staticmethod
    def _number(
        params: Mapping[str, Any], key: str, default: float, above: float, maximum: float
    ) -> float:
        """Return ``params[key]`` (or ``default``) if it is a number in ``(above, maximum]``."""
        value = params.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RubricError(f"{key!r} must be a number, got {value!r}")
        if not above < value <= maximum:
            raise RubricError(f"{key!r} must be > {above:g} and <= {maximum:g}, got {value!r}")
        return float(value)

    @property
    def name(self) -> str:
        tests = plural(self.test_count, "hidden test")
        if self.min_pass_rate >= 1.0:
            return f"code passes {tests}"
        return f"code passes {self.min_pass_rate:.0%} of {tests}"

    async def _aevaluate(self, attempt: Attempt, tools: Tools) -> Verdict:
        code = extract_code(attempt.output)
        if code is None:
            return Verdict(
                passed=False,
                reason="No Python code found: expected a ```python fenced block"
                + empty_note(attempt.output)
                + ".",
            )
        if tools.run_code is None:
            return Verdict(passed=False, reason="the code sandbox is not configured", error=True)
        report = await tools.run_code(
            CodeJob(
                code=code,
                tests=self.tests,
                language=self.language,
                timeout_seconds=self.timeout_seconds,
                memory_mb=self.memory_mb,
            )
        )
        total = report.passed + report.failed
        if report.status == "error" or total == 0:
            return Verdict(
                passed=False,
                reason=f"the code sandbox could not run the tests: {report.message or 'no result'}",
                error=True,
            )
        score = report.passed / total
        passed = score >= self.min_pass_rate
        reason = f"Passed {report.passed} of {plural(total, 'hidden test')}"
        if report.failures:
            reason += f"; first failure: {report.failures[0]}"
        if report.status == "timeout":
            reason += " (the run hit its time limit)"
        elif report.status == "crashed":
            reason += " (the sandbox stopped early)"
        return Verdict(
            passed=passed,
            reason=reason + ".",
            score=score,
            details={
                "passed": report.passed,
                "failed": report.failed,
                "status": report.status,
                "failures": [
                    one_line(failure, FAILURE_CHARS)
                    for failure in report.failures[:FAILURES_IN_DETAILS]
                ],
            },
        )
