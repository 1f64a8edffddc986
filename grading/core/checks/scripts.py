"""Instructor Python: the ``python`` check (promptfoo's Python assertion) and ``transform``.

Rubric syntax::

    {"type": "python", "value": "len(output.split()) <= 50"}
    {"type": "python", "threshold": 0.5, "config": {"words": ["cold", "wet"]},
     "value": "hits = [w for w in context['config']['words'] if w in output]\\n"
              "return {'pass': bool(hits), 'score': len(hits) / 2, 'reason': f'{hits}'}"}
    {"type": "icontains", "value": "paris", "transform": "json.loads(output)['city']"}

As in promptfoo, a one-line ``value`` is an expression (it becomes ``return <value>``) and a
value with a newline is the body of ``def main(output, context):``, indented as its first
indented line is; ``json`` is imported. It returns a bool (or ``"true"``/``"false"``), a score (a
number, or a string that starts with one, as JavaScript's ``parseFloat`` reads it: it passes when
above 0, or at least ``threshold``), or a ``{pass, score, reason}`` dict (``pass_`` accepted; with
``threshold``, a lower score fails). Anything else, an exception or a timeout fails the check
with "Python code execution failed: …", under ``not-`` too (as in promptfoo; ``not-`` inverts
the pass, never the score). ``context`` holds ``prompt`` (the rendered prompt), ``vars`` (the
test input's variables), ``test`` (``{"vars": …}``), ``config`` (the check's own), ``provider``
(``{"id": model}``) and ``providerResponse`` (``output``, ``finishReason``).

``transform`` (any check that reads the output) is a Python expression or function body of the
same form; what it returns replaces the output for that check only: a string as is, anything
else as its JSON text (``JSON.stringify``). On a ``python`` check the value itself is passed on.
promptfoo's inline transforms are JavaScript: a copied ``output.toUpperCase()`` is refused with
its Python form. The code runs in the code sandbox (``Tools.run_script``), never in the worker.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    Check,
    escape,
    one_line,
    register,
    require_number,
)
from grading.core.checks.strings import js_string
from grading.core.types import Attempt, CheckResult, RubricError, ScriptJob, Tools, Verdict

__all__ = ["PythonCheck", "Transformed", "javascript_hint", "script_source"]

SCRIPT_TIMEOUT_SECONDS = 5.0
SCRIPT_MEMORY_MB = 256

JAVASCRIPT_SPELLINGS = {
    "toUpperCase": ".upper()",
    "toLowerCase": ".lower()",
    "trim": ".strip()",
    "trimStart": ".lstrip()",
    "trimEnd": ".rstrip()",
    "length": "len(...)",
    "includes": "`x in output`",
    "startsWith": ".startswith()",
    "endsWith": ".endswith()",
    "indexOf": ".find()",
    "replaceAll": ".replace()",
    "substring": "slicing (output[a:b])",
    "toString": "str(...)",
    "forEach": "a for loop",
    "push": ".append()",
}
"""JavaScript member names that no Python string, list or dict has, with their Python form."""

JAVASCRIPT_OPERATORS = ("=>", "===", "!==", "&&", "||", "console.log", "JSON.", "const ", "let ")


def javascript_hint(source: str) -> str:
    """A sentence naming the JavaScript in ``source`` and its Python form, or "" if none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        found = [op.strip() for op in JAVASCRIPT_OPERATORS if op in source]
        return f"it looks like JavaScript ({', '.join(found)})" if found else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in JAVASCRIPT_SPELLINGS:
            return (
                f"'.{node.attr}' is JavaScript; in Python write {JAVASCRIPT_SPELLINGS[node.attr]}"
            )
        if isinstance(node, ast.Name) and node.id == "JSON":
            return "'JSON' is JavaScript; in Python write json.loads(...) / json.dumps(...)"
    return ""


_FIRST_INDENT = re.compile(r"^(?!\s*$)\s+", re.MULTILINE)


def function_source(name: str, code: str) -> str:
    """``def name(output, context):`` around ``code`` as promptfoo builds it: one line is
    ``return <code>``; several lines are the body, each indented like the first indented one."""
    if "\n" not in code:
        return f"def {name}(output, context):\n    return {code}\n"
    match = _FIRST_INDENT.search(code)
    indent = match.group(0) if match else "    "
    body = "\n".join(indent + line for line in code.split("\n"))
    return f"def {name}(output, context):\n{body}\n"


def script_source(functions: Mapping[str, str]) -> str:
    """A module defining each named function from its code, ``json`` imported."""
    return "import json\n\n" + "\n".join(
        function_source(name, code) for name, code in functions.items()
    )


def _validated_code(params: Mapping[str, Any], key: str) -> str:
    """``params[key]`` if it is Python promptfoo-style code that compiles, else RubricError."""
    code = params[key]
    if not isinstance(code, str) or not code.strip():
        raise RubricError(f"{key!r} must be Python code (a non-empty string), got {code!r}")
    if code.startswith("file://"):
        raise RubricError(
            f"{key!r}: file:// references are not supported; paste the code itself "
            "(an expression, or a function body over `output` and `context`)"
        )
    hint = javascript_hint(code)
    if hint:
        raise RubricError(f"{key!r} is Python, not JavaScript: {hint}")
    try:
        tree = ast.parse(function_source("main", code))
    except (SyntaxError, ValueError) as exc:
        detail = one_line(str(exc), 120)
        if "\n" not in code and code.lstrip().startswith("return"):
            detail = "a one-line value is an expression (it is returned): drop 'return'"
        raise RubricError(f"{key!r} is not valid Python: {detail}") from exc
    if "\n" in code and not any(isinstance(node, ast.Return) for node in ast.walk(tree)):
        raise RubricError(
            f"{key!r} has several lines, so it is a function body: it must `return` its result "
            "(put a one-line expression on a single line)"
        )
    return code


def script_context(attempt: Attempt, config: Any) -> dict[str, Any]:
    """The ``context`` a script receives, shaped like promptfoo's assertion context."""
    variables = dict(attempt.variables)
    context: dict[str, Any] = {
        "prompt": attempt.rendered_prompt,
        "vars": variables,
        "test": {"vars": variables},
        "provider": {"id": attempt.model},
        "providerResponse": {"output": attempt.output, "finishReason": attempt.finish_reason},
    }
    if config is not None:
        context["config"] = config
    return context


def js_json(value: Any) -> str:
    """``JSON.stringify(value)`` for JSON data (numbers written as JavaScript writes them)."""
    if isinstance(value, (bool, int, float)):
        return js_string(value)
    if isinstance(value, str) or value is None:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(js_json(item) for item in value) + "]"
    return (
        "{"
        + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{js_json(v)}" for k, v in value.items())
        + "}"
    )


def as_output_text(value: Any) -> str:
    """What a transform's result becomes for a check that reads text (promptfoo's coerceString)."""
    return value if isinstance(value, str) else js_json(value)


async def _run(
    tools: Tools, source: str, functions: tuple[str, ...], attempt: Attempt, config: Any
) -> Any:
    """Run the script; return its value, or a Verdict when it could not produce one."""
    if tools.run_script is None:
        return Verdict(passed=False, reason="the code sandbox is not configured", error=True)
    report = await tools.run_script(
        ScriptJob(
            source=source,
            functions=functions,
            output=attempt.output,
            context=script_context(attempt, config),
            timeout_seconds=SCRIPT_TIMEOUT_SECONDS,
            memory_mb=SCRIPT_MEMORY_MB,
        )
    )
    if report.status == "error":
        return Verdict(
            passed=False, reason=f"the code sandbox could not run: {report.message}", error=True
        )
    if report.status != "ok":
        step = "the transform" if report.function == "transform" else "Python code"
        return Verdict(passed=False, reason=f"{step} execution failed: {report.message}", score=0.0)
    return report.value


# --------------------------------------------------------------------------------------------
# promptfoo's reading of what a Python assertion returned (assertions/python.ts)

_JS_FLOAT = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_JS_SPACE = " \t\n\v\f\r\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    chr(code) for code in range(0x2000, 0x200B)
)


def js_parse_float(text: str) -> float:
    """JavaScript's ``parseFloat``: the longest number at the start (after spaces), else NaN."""
    match = _JS_FLOAT.match(text.lstrip(_JS_SPACE))
    if match is None:
        return math.nan
    literal = match.group(0)
    return float(literal.replace("Infinity", "inf"))


class ScriptResultError(ValueError):
    """What the script returned is not a bool, a number or a {pass, score, reason} object."""


def _grading_result(value: Any) -> dict[str, Any]:
    mapped = dict(value) if isinstance(value, dict) else {}
    if "pass_" in mapped and "pass" not in mapped:
        mapped["pass"] = mapped["pass_"]
    score = mapped.get("score")
    if (
        not isinstance(value, dict)
        or not isinstance(mapped.get("pass"), bool)
        or isinstance(score, bool)
        or not isinstance(score, (int, float))
        or not isinstance(mapped.get("reason"), str)
    ):
        raise ScriptResultError(
            "Python assertion must return a boolean, number, or {pass, score, reason} object. "
            f"Got instead: {js_json(value)}"
        )
    return mapped


def _describe_number(value: float) -> str:
    return "NaN" if math.isnan(value) else js_string(value)


def read_result(value: Any, threshold: float | None, inverse: bool, code: str) -> Verdict:
    """The verdict promptfoo reaches on what a Python assertion returned."""
    failed = f"Python code returned {{}}: {escape(code, NAME_SNIPPET_CHARS)}"
    lowered = value.lower() if isinstance(value, str) else None
    if value is True or value is False or lowered in ("true", "false"):
        raw = value is True or lowered == "true"
        passed = raw != inverse
        reason = "Assertion passed" if passed else failed.format(js_string(raw))
        return Verdict(passed=passed, reason=reason, score=1.0 if passed else 0.0)
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ScriptResultError(f"Invalid JSON: {exc} when parsing result") from exc
    if isinstance(value, (dict, list)):
        result = _grading_result(value)
        score, passed, reason = float(result["score"]), result["pass"], result["reason"]
        if threshold is not None and score < threshold:
            passed = False
            message = f"Python score {_describe_number(score)} is less than threshold "
            message += js_string(threshold)
            reason = f"{message}: {reason}" if reason else message
        if inverse:
            reason = (
                "Assertion passed" if not passed else f"Python code returned {js_string(passed)}"
            )
        return Verdict(passed=passed != inverse, reason=reason or "(no reason)", score=score)
    number = (
        float(value)
        if isinstance(value, (int, float))
        else js_parse_float("null" if value is None else str(value))
    )
    if math.isnan(number):
        raise ScriptResultError(
            "Python assertion must return a boolean, number, or {pass, score, reason} object. "
            f"Instead got: {'null' if value is None else value}"
        )
    raw = number > 0 if threshold is None else number >= threshold
    passed = raw != inverse
    reason = "Assertion passed" if passed else failed.format(js_string(raw))
    return Verdict(passed=passed, reason=reason, score=number)


@register
class PythonCheck(Check):
    """promptfoo's ``python`` assertion, run in the code sandbox (see the module docstring)."""

    kind = "python"
    allowed = frozenset({"value", "threshold", "config", "transform"})
    deterministic = False
    handles_transform: ClassVar[bool] = True
    inverse = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.code = _validated_code(params, "value")
        self.transform = _validated_code(params, "transform") if "transform" in params else None
        threshold = params.get("threshold")
        self.threshold = None if threshold is None else require_number(params, "threshold")
        self.config = params.get("config")
        functions = {"main": self.code}
        if self.transform is not None:
            functions = {"transform": self.transform, "main": self.code}
        self.source = script_source(functions)
        self.functions = tuple(functions)

    def negated(self) -> Check:
        """``not-python`` inverts the pass as promptfoo does: the score and failures stay."""
        inverted = replace_check(self)
        inverted.inverse = True
        inverted.kind = "not-python"  # type: ignore[misc]
        return inverted

    @property
    def name(self) -> str:
        first = self.code.strip().splitlines()[0]
        return f"{'not ' if self.inverse else ''}python {escape(first, NAME_SNIPPET_CHARS)}"

    async def _aevaluate(self, attempt: Attempt, tools: Tools) -> Verdict:
        value = await _run(tools, self.source, self.functions, attempt, self.config)
        if isinstance(value, Verdict):
            return value
        try:
            return read_result(value, self.threshold, self.inverse, self.code)
        except ScriptResultError as exc:
            return Verdict(passed=False, reason=f"Python code execution failed: {exc}", score=0.0)


def replace_check[C: Check](check: C) -> C:
    """A shallow copy of a configured check."""
    copy = object.__new__(type(check))
    copy.__dict__.update(check.__dict__)
    return copy


class Transformed(Check):
    """Any output check with ``transform``: the inner check sees what the transform returned.

    A transform that fails (raises, times out, returns something that is not JSON data) fails
    the check with score 0, under ``not-`` too; the inner check never runs on the raw output.
    """

    allowed = frozenset()
    required = frozenset()
    deterministic = False

    def __init__(self, inner: Check, transform: Any) -> None:
        self.inner = inner
        self.weight = inner.weight
        self.kind = inner.kind  # type: ignore[misc]  # statistics group by the inner check
        self.transform = _validated_code({"transform": transform}, "transform")
        self.source = script_source({"transform": self.transform})

    def _configure(self, params: Mapping[str, Any]) -> None:
        """Nothing to configure: the inner check was configured when it was built."""

    @property
    def name(self) -> str:
        return f"{self.inner.name} (transformed)"

    async def _aevaluate(self, attempt: Attempt, tools: Tools) -> Verdict:
        value = await _run(tools, self.source, ("transform",), attempt, None)
        if isinstance(value, Verdict):
            return value
        result: CheckResult = await self.inner.arun(
            replace(attempt, output=as_output_text(value)), tools
        )
        return Verdict(
            passed=result.passed,
            reason=result.reason,
            score=result.score,
            error=result.error,
            details=result.details,
            flagged=result.flagged,
        )
