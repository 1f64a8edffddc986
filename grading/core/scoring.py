"""Combine check results into item grades and item grades into a submission grade.

No clock, no randomness, no I/O: the same inputs always give the same grade.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from grading.core.checks import Check
from grading.core.types import Attempt, CheckResult, Grade, ItemGrade

__all__ = ["grade", "grade_item"]

_ERROR_MESSAGE_CHARS = 200
"""How much of an unexpected exception's message a "check error" reason keeps."""


def grade_item(attempt: Attempt, checks: Sequence[Check]) -> ItemGrade:
    """Run every check on ``attempt`` and combine the results by weighted mean.

    Guarantees a result per check, in order, even when a check raises: the exception becomes a
    failed result whose reason is ``"check error: <ExceptionType>: <message>"``. With no checks
    the item scores 1.0 and passes.
    """
    results = tuple(_run_safely(check, attempt) for check in checks)
    if not results:
        return ItemGrade(score=1.0, passed=True, results=())
    total_weight = math.fsum(result.weight for result in results)
    weighted = math.fsum(result.weight * result.score for result in results)
    score = min(1.0, max(0.0, weighted / total_weight))
    return ItemGrade(score=score, passed=all(result.passed for result in results), results=results)


def grade(items: Sequence[ItemGrade], *, pass_threshold: float) -> Grade:
    """Combine item grades into a submission grade: the mean item score against a threshold.

    Guarantees a failed 0.0 grade when there are no items. Raises ``ValueError`` unless
    ``0 <= pass_threshold <= 1``. Scores within 1e-9 below the threshold count as passing, so
    float rounding (the mean of 0.1 and 0.7 is 0.39999999999999997) never fails a learner.
    """
    if isinstance(pass_threshold, bool) or not 0.0 <= pass_threshold <= 1.0:
        raise ValueError(f"pass_threshold must be between 0 and 1, got {pass_threshold!r}")
    if not items:
        return Grade(score=0.0, passed=False, items=())
    score = math.fsum(item.score for item in items) / len(items)
    return Grade(score=score, passed=score >= pass_threshold - 1e-9, items=tuple(items))


def _run_safely(check: Check, attempt: Attempt) -> CheckResult:
    """Run ``check``, turning any exception into a failed result instead of crashing grading."""
    try:
        return check.run(attempt)
    except Exception as exc:  # Defence in depth: one bad check must not crash a whole grade.
        message = " ".join(str(exc).split())
        if len(message) > _ERROR_MESSAGE_CHARS:
            message = message[:_ERROR_MESSAGE_CHARS] + "…"
        return CheckResult(
            name=_safe_name(check),
            kind=str(getattr(check, "kind", type(check).__name__)),
            passed=False,
            score=0.0,
            weight=_safe_weight(check),
            reason=f"check error: {type(exc).__name__}: {message}",
        )


def _safe_name(check: Check) -> str:
    """Return the check's display name, or its kind if computing the name fails too."""
    try:
        return " ".join(str(check.name).split())
    except Exception:  # Same defence in depth as _run_safely.
        return str(getattr(check, "kind", type(check).__name__))


def _safe_weight(check: Check) -> float:
    """Return the check's weight if it is usable, else 1.0."""
    try:
        weight = float(getattr(check, "weight", 1.0))
    except (TypeError, ValueError, OverflowError):
        return 1.0
    return weight if math.isfinite(weight) and weight > 0 else 1.0
