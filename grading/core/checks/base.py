"""The check protocol, the registry, and the helpers every check module shares.

A rubric is a JSON list such as::

    [{"type": "icontains", "value": "paris", "weight": 2}, {"type": "max-words", "value": 50}]

Every entry names a check ``type`` (a key of ``CHECKS``), an optional ``label`` (a display name
for learners), an optional ``weight`` (a number > 0,
default 1) and the check's own parameters. Any type can be negated with a ``not-`` prefix, as in
promptfoo. Configuration problems raise ``RubricError`` when the rubric is built, never while
grading. Where a check's name matches a promptfoo assertion, the semantics match promptfoo's.

Reasons are single lines that quote at most ``OUTPUT_SNIPPET_CHARS`` characters of the output.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from grading.core.types import NO_TOOLS, Attempt, CheckResult, RubricError, Tools, Verdict

__all__ = ["CHECKS", "Check", "register"]

OUTPUT_SNIPPET_CHARS = 120
"""The most characters of output a reason ever quotes."""

VALUE_SNIPPET_CHARS = 60
"""The most characters of a rubric value a reason quotes."""

NAME_SNIPPET_CHARS = 40
"""The most characters of a rubric value a check's display name quotes."""

REASON_MAX_CHARS = 300
"""Hard cap on the length of any reason."""

JSON_REASON_MAX_CHARS = 200
"""Cap on the length of JSON checks' reasons (parse and schema errors can be long)."""

LIST_MAX_ITEMS = 5
"""The most values of a list a reason or name spells out before "and N more"."""

TEXT_METRIC_MAX_INPUT_CHARS = 100_000
"""``readability``, ``rouge-n`` and ``bleu`` measure the first this-many characters only (an
estimate on 100k characters is as good as on a megabyte, at a tenth of the cost)."""


# --------------------------------------------------------------------------------------------
# Text helpers


def escape(text: str, limit: int) -> str:
    """Return ``text`` on one line (non-printables escaped), cut to ``limit`` chars plus "…"."""
    pieces: list[str] = []
    length = 0
    for char in text:
        if length >= limit:
            return "".join(pieces) + "…"
        piece = char if char.isprintable() else repr(char)[1:-1]
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces)


def one_line(text: str, limit: int = REASON_MAX_CHARS) -> str:
    """Return ``text`` on a single line of at most ``limit`` characters (plus a final "…")."""
    return escape(text, limit)


def quote(text: str, limit: int = VALUE_SNIPPET_CHARS) -> str:
    """Return ``text`` single-quoted, on one line and truncated to ``limit`` characters."""
    return f"'{escape(text, limit)}'"


def quote_output(text: str) -> str:
    """Return a quoted snippet of model output (never more than ``OUTPUT_SNIPPET_CHARS``)."""
    return quote(text, OUTPUT_SNIPPET_CHARS)


def quote_list(values: Sequence[str], limit: int = VALUE_SNIPPET_CHARS) -> str:
    """Return ``'a', 'b', 'c'`` for the first few values, then "and N more"."""
    shown = ", ".join(quote(value, limit) for value in values[:LIST_MAX_ITEMS])
    hidden = len(values) - LIST_MAX_ITEMS
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def plural(count: int, noun: str) -> str:
    """Return e.g. ``"1 word"`` or ``"3 words"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def empty_note(output: str) -> str:
    """Return a note to append to a failure reason when the output is blank."""
    return " (the output is empty)" if not output.strip() else ""


# --------------------------------------------------------------------------------------------
# Markdown code fences

_WHOLE_OUTPUT_FENCE = re.compile(r"\A```[^\n`]*\n(.*?)\n?```[ \t]*\Z", re.DOTALL)


def strip_fence(text: str) -> tuple[str, bool]:
    """Return ``text`` stripped and, if one code fence wraps all of it, the fence's content.

    The second item says whether a fence was removed. Only a fence around the whole output
    counts: prose before or after it leaves the text as it is.
    """
    stripped = text.strip()
    match = _WHOLE_OUTPUT_FENCE.match(stripped)
    if match is None:
        return stripped, False
    return match.group(1).strip(), True


def fence_note(fenced: bool) -> str:
    """The note a reason adds when the output's content was inside a fence."""
    return " (inside a Markdown code fence)" if fenced else ""


# --------------------------------------------------------------------------------------------
# Parameter validation (each raises RubricError with a message naming the parameter)


def show(value: object) -> str:
    """Return a short one-line ``repr`` of a bad rubric value for an error message."""
    return escape(repr(value), VALUE_SNIPPET_CHARS)


def validate_weight(weight: object) -> float:
    """Return ``weight`` as a float, or raise RubricError unless it is a finite number > 0."""
    if isinstance(weight, (int, float)) and not isinstance(weight, bool):
        try:
            number = float(weight)
        except OverflowError:  # an int too large for a float
            number = math.inf
        if math.isfinite(number) and number > 0:
            return number
    raise RubricError(f"weight must be a number > 0, got {show(weight)}")


def require_str(params: Mapping[str, Any], key: str, *, non_empty: bool) -> str:
    """Return ``params[key]`` if it is a string (non-empty when asked), else raise."""
    value = params[key]
    if not isinstance(value, str):
        raise RubricError(f"{key!r} must be a string, got {type(value).__name__}")
    if non_empty and not value:
        raise RubricError(f"{key!r} must not be empty")
    return value


def require_str_list(params: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """Return ``params[key]`` if it is a non-empty list of non-empty strings, else raise."""
    value = params[key]
    message = f"{key!r} must be a non-empty list of non-empty strings"
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise RubricError(f"{message}, got {show(value)}")
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item:
            raise RubricError(f"{message}; item {position} is {show(item)}")
    return tuple(value)


def require_int(params: Mapping[str, Any], key: str, *, minimum: int) -> int:
    """Return ``params[key]`` if it is an integer >= ``minimum``, else raise."""
    value = params[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RubricError(f"{key!r} must be an integer >= {minimum}, got {show(value)}")
    return value


def require_bool(params: Mapping[str, Any], key: str, default: bool) -> bool:
    """Return ``params[key]`` (or ``default`` when absent) if it is a boolean, else raise."""
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise RubricError(f"{key!r} must be true or false, got {show(value)}")
    return value


# --------------------------------------------------------------------------------------------
# The check protocol


def require_number(
    params: Mapping[str, Any],
    key: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    default: float | None = None,
) -> float:
    """Return ``params[key]`` (or ``default`` when absent) as a finite float within bounds."""
    if key not in params and default is not None:
        return default
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RubricError(f"{key!r} must be a number, got {show(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise RubricError(f"{key!r} must be a finite number, got {show(value)}")
    if minimum is not None and number < minimum:
        raise RubricError(f"{key!r} must be >= {minimum:g}, got {show(value)}")
    if maximum is not None and number > maximum:
        raise RubricError(f"{key!r} must be <= {maximum:g}, got {show(value)}")
    return number


class Check(ABC):
    """One rubric check: validated at construction, then run against any number of attempts.

    Subclasses set ``kind`` (the registry key), ``allowed`` and ``required`` (parameter names
    besides ``weight``), and implement ``_configure``, ``name`` and either ``_evaluate`` (pure,
    synchronous) or, for checks that need a model or the sandbox, ``deterministic = False`` and
    ``_aevaluate``. Instances are immutable by convention and safe to share between attempts.
    """

    kind: ClassVar[str]
    allowed: ClassVar[frozenset[str]] = frozenset({"value"})
    required: ClassVar[frozenset[str]] = frozenset({"value"})
    deterministic: ClassVar[bool] = True
    """False for checks that call a tool (judge, embeddings, sandbox): they run after the rest."""
    label: str = ""
    """The rubric's own display name for this check (its ``label``), shown instead of ``name``."""
    handles_transform: ClassVar[bool] = False
    """True for a check that applies the rubric's ``transform`` itself (``python``); any other
    output check is wrapped so that it sees the transformed output."""

    def __init__(self, *, weight: float = 1.0, **params: Any) -> None:
        """Validate ``weight`` and ``params``; raise ``RubricError`` describing any problem."""
        self.weight = validate_weight(weight)
        unknown = sorted(set(params) - self.allowed)
        if unknown:
            allowed = ", ".join(sorted({"weight", *self.allowed}))
            raise RubricError(
                f"unknown parameter(s) {', '.join(map(repr, unknown))} (allowed: {allowed})"
            )
        missing = sorted(self.required - set(params))
        if missing:
            raise RubricError(f"missing required parameter(s) {', '.join(map(repr, missing))}")
        self._configure(params)

    @abstractmethod
    def _configure(self, params: Mapping[str, Any]) -> None:
        """Validate and store the check's parameters (names already checked)."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Return a short display name, e.g. ``"contains 'Paris'"``."""

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        """Return whether ``attempt`` passes and a one-line reason (deterministic checks)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _evaluate")

    def _evaluate_with(self, attempt: Attempt, tools: Tools) -> tuple[bool, str] | Verdict:
        """Like ``_evaluate`` for deterministic checks that read ``tools`` (secrets, tokenizer)."""
        return self._evaluate(attempt)

    async def _aevaluate(self, attempt: Attempt, tools: Tools) -> tuple[bool, str] | Verdict:
        """Evaluate a check that calls a tool; deterministic checks never override this."""
        return self._evaluate_with(attempt, tools)

    def negated(self) -> Check:
        """The check's ``not-`` form."""
        return Not(self)

    def run(self, attempt: Attempt, tools: Tools = NO_TOOLS) -> CheckResult:
        """Run a deterministic check on ``attempt``; the reason is guaranteed to be one line."""
        if not self.deterministic:
            raise TypeError(f"{self.kind} calls a tool: use `await check.arun(...)`")
        return self.result(self._evaluate_with(attempt, tools))

    async def arun(self, attempt: Attempt, tools: Tools = NO_TOOLS) -> CheckResult:
        """Run any check on ``attempt``."""
        if self.deterministic:
            return self.run(attempt, tools)
        return self.result(await self._aevaluate(attempt, tools))

    def result(self, verdict: tuple[bool, str] | Verdict) -> CheckResult:
        """Turn what an evaluation returned into this check's ``CheckResult``."""
        if not isinstance(verdict, Verdict):
            verdict = Verdict(passed=verdict[0], reason=verdict[1])
        score = verdict.score
        if score is None or verdict.error:
            score = 1.0 if verdict.passed and not verdict.error else 0.0
        if verdict.flagged:
            score = 0.0
        return CheckResult(
            name=one_line(self.label or self.name),
            kind=self.kind,
            passed=verdict.passed and not verdict.error and not verdict.flagged,
            score=min(1.0, max(0.0, score)),
            weight=self.weight,
            reason=one_line(verdict.reason),
            error=verdict.error,
            details=verdict.details,
            flagged=verdict.flagged,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} weight={self.weight:g}>"


class Not(Check):
    """The ``not-`` form of any check: passes when the inner check fails, scores 1 − its score.

    An inner *error* stays an error: a check that could not be evaluated never passes. A
    *flagged* inner result (the output tried to manipulate the grader) stays a flagged fail
    with score 0: negating a rubric must not turn "give full marks" into a pass.
    """

    allowed = frozenset()
    required = frozenset()

    def __init__(self, inner: Check) -> None:
        self.inner = inner
        self.weight = inner.weight
        self.kind = f"not-{inner.kind}"  # type: ignore[misc]  # per instance, as the rubric says
        self.deterministic = inner.deterministic  # type: ignore[misc]

    def _configure(self, params: Mapping[str, Any]) -> None:
        """Nothing to configure: the inner check was configured when it was built."""

    @property
    def name(self) -> str:
        return f"not {self.inner.name}"

    def _negate(self, result: CheckResult) -> Verdict:
        if result.error:
            return Verdict(passed=False, reason=result.reason, error=True, details=result.details)
        if result.flagged:
            return Verdict(False, result.reason, 0.0, details=result.details, flagged=True)
        return Verdict(
            passed=not result.passed,
            reason=result.reason,
            score=1.0 - result.score,
            details=result.details,
        )

    def _evaluate_with(self, attempt: Attempt, tools: Tools) -> Verdict:
        return self._negate(self.inner.run(attempt, tools))

    async def _aevaluate(self, attempt: Attempt, tools: Tools) -> Verdict:
        return self._negate(await self.inner.arun(attempt, tools))


CHECKS: dict[str, type[Check]] = {}
"""Maps each rubric ``type`` to its check class; filled by ``@register`` in each module."""


def register[C: type[Check]](cls: C) -> C:
    """Class decorator: add ``cls`` to ``CHECKS`` under its ``kind`` (each kind once)."""
    if cls.kind in CHECKS:
        raise ValueError(f"check kind {cls.kind!r} is registered twice")
    if cls.kind.startswith("not-"):
        raise ValueError(f"{cls.kind!r}: every check gets a not- form; do not register one")
    CHECKS[cls.kind] = cls
    return cls
