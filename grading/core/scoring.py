"""Combine check results into sample, item and submission grades, with statistics.

An *item* is one test input; each item is run ``k`` times (samples). For every item, every
check and the whole submission the grade reports the mean score, the pass rate with a 95%
Wilson interval, and pass^k (all k samples pass). An exercise's ``PassRule`` decides on any of
these. No clock, no randomness, no I/O: the same inputs always give the same grade.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from grading.core.checks import Check
from grading.core.types import NO_TOOLS, Attempt, CheckResult, Tools, ToolUnavailable

__all__ = [
    "CheckStats",
    "Grade",
    "ItemGrade",
    "PassMetric",
    "PassRule",
    "SampleGrade",
    "Stats",
    "agrade_sample",
    "grade",
    "grade_sample",
    "wilson_interval",
]

_ERROR_MESSAGE_CHARS = 200
"""How much of an unexpected exception's message a "check error" reason keeps."""

Z_95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""

_TOLERANCE = 1e-9
"""Scores within this much below a threshold pass: the mean of 0.1 and 0.7 is 0.3999…"""


def wilson_interval(passes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a pass rate of ``passes`` out of ``trials``.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for 0 or all
    passes and few trials, which is what a handful of samples gives. ``(0.0, 1.0)`` for 0 trials.
    """
    if trials < 0 or not 0 <= passes <= trials:
        raise ValueError(f"need 0 <= passes <= trials, got {passes} of {trials}")
    if trials == 0:
        return 0.0, 1.0
    rate = passes / trials
    z2 = z * z
    centre = (rate + z2 / (2 * trials)) / (1 + z2 / trials)
    margin = z * math.sqrt(rate * (1 - rate) / trials + z2 / (4 * trials * trials))
    margin /= 1 + z2 / trials
    # Exact at the ends: float rounding would otherwise put 0/n's lower bound at 5e-17.
    low = 0.0 if passes == 0 else max(0.0, centre - margin)
    high = 1.0 if passes == trials else min(1.0, centre + margin)
    return low, high


@dataclass(frozen=True)
class Stats:
    """Score and pass statistics over a number of graded samples."""

    samples: int
    passes: int
    mean_score: float
    pass_low: float
    """Lower bound of the 95% Wilson interval for the pass rate."""
    pass_high: float

    @property
    def pass_rate(self) -> float:
        return self.passes / self.samples if self.samples else 0.0

    @classmethod
    def of(cls, scores: Sequence[float], passes: Sequence[bool]) -> Stats:
        low, high = wilson_interval(sum(passes), len(passes))
        mean = math.fsum(scores) / len(scores) if scores else 0.0
        return cls(len(passes), sum(passes), min(1.0, max(0.0, mean)), low, high)


@dataclass(frozen=True)
class SampleGrade:
    """One attempt (one test input, one sample) against every check of the rubric."""

    score: float
    """Weighted mean of the checks' scores, 0..1; 1.0 when there are no checks."""
    passed: bool
    """True when every check passed (vacuously true with no checks)."""
    results: tuple[CheckResult, ...]

    @property
    def errors(self) -> tuple[CheckResult, ...]:
        """Checks that could not be evaluated: the grade is incomplete while there are any."""
        return tuple(result for result in self.results if result.error)


@dataclass(frozen=True)
class ItemGrade:
    """One test input over its k samples."""

    samples: tuple[SampleGrade, ...]
    stats: Stats

    @property
    def score(self) -> float:
        return self.stats.mean_score

    @property
    def pass_all(self) -> bool:
        """pass^k: every sample passed."""
        return bool(self.samples) and all(sample.passed for sample in self.samples)

    @property
    def flaky(self) -> bool:
        """Some samples passed and some failed: the prompt is not reliable on this item."""
        return 0 < self.stats.passes < self.stats.samples

    @classmethod
    def of(cls, samples: Sequence[SampleGrade]) -> ItemGrade:
        stats = Stats.of([s.score for s in samples], [s.passed for s in samples])
        return cls(tuple(samples), stats)


@dataclass(frozen=True)
class CheckStats:
    """One rubric check (by position) across every item and sample it ran on."""

    name: str
    kind: str
    stats: Stats


class PassMetric(StrEnum):
    """What an exercise's pass threshold applies to."""

    SCORE = "score", "mean score"
    PASS_RATE = "pass_rate", "pass rate"
    PASS_RATE_LOWER = "pass_rate_lower", "95% lower bound of the pass rate"
    PASS_HAT_K = "pass_hat_k", "pass^k (share of items passing every sample)"

    def __new__(cls, value: str, label: str) -> PassMetric:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label  # type: ignore[attr-defined]
        return member


@dataclass(frozen=True)
class PassRule:
    """Pass when ``metric >= threshold``, e.g. "lower bound of the pass rate ≥ 0.8"."""

    metric: PassMetric = PassMetric.SCORE
    threshold: float = 0.7

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"pass threshold must be between 0 and 1, got {self.threshold!r}")

    def describe(self) -> str:
        return f"{self.metric.label} ≥ {self.threshold:g}"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Grade:
    """The grade of a whole submission: every item's grade and the statistics over them."""

    items: tuple[ItemGrade, ...]
    rule: PassRule
    stats: Stats
    """Over every sample of every item: mean score and pass rate with its interval."""
    pass_hat_k: float
    """Share of items on which every sample passed."""
    checks: tuple[CheckStats, ...]
    """Per rubric check, in rubric order (checks present on every item)."""

    @property
    def score(self) -> float:
        """Mean of the item scores (each item counts once, whatever its k)."""
        if not self.items:
            return 0.0
        return math.fsum(item.score for item in self.items) / len(self.items)

    def metric(self, metric: PassMetric) -> float:
        return {
            PassMetric.SCORE: self.score,
            PassMetric.PASS_RATE: self.stats.pass_rate,
            PassMetric.PASS_RATE_LOWER: self.stats.pass_low,
            PassMetric.PASS_HAT_K: self.pass_hat_k,
        }[metric]

    @property
    def passed(self) -> bool:
        """True when there is an item, no check errored, and the pass rule holds."""
        if not self.items or self.errors:
            return False
        return self.metric(self.rule.metric) >= self.rule.threshold - _TOLERANCE

    @property
    def flaky_items(self) -> int:
        return sum(item.flaky for item in self.items)

    @property
    def errors(self) -> tuple[CheckResult, ...]:
        return tuple(error for item in self.items for s in item.samples for error in s.errors)


def grade_sample(attempt: Attempt, checks: Sequence[Check], tools: Tools = NO_TOOLS) -> SampleGrade:
    """Run deterministic checks on ``attempt`` and combine them by weighted mean.

    Guarantees a result per check, in order, even when a check raises: the exception becomes
    an *error* result ("check error: <ExceptionType>: <message>"). Raises ``TypeError`` if a
    check needs a tool: use ``agrade_sample`` for those.
    """
    return _combine([_run_safely(check, attempt, tools) for check in checks])


async def agrade_sample(
    attempt: Attempt, checks: Sequence[Check], tools: Tools = NO_TOOLS
) -> SampleGrade:
    """Like ``grade_sample`` for any checks: deterministic checks first, then the checks that
    call a tool (judge, embeddings, sandbox), concurrently. Results keep rubric order."""
    results: list[CheckResult | None] = [
        _run_safely(check, attempt, tools) if check.deterministic else None for check in checks
    ]
    pending = [i for i, check in enumerate(checks) if not check.deterministic]
    if pending:
        done = await asyncio.gather(*(_arun_safely(checks[i], attempt, tools) for i in pending))
        for position, result in zip(pending, done, strict=True):
            results[position] = result
    return _combine([result for result in results if result is not None])


def _combine(results: list[CheckResult]) -> SampleGrade:
    if not results:
        return SampleGrade(score=1.0, passed=True, results=())
    total_weight = math.fsum(result.weight for result in results)
    weighted = math.fsum(result.weight * result.score for result in results)
    score = min(1.0, max(0.0, weighted / total_weight))
    passed = all(result.passed for result in results)
    return SampleGrade(score=score, passed=passed, results=tuple(results))


def grade(
    items: Sequence[Sequence[SampleGrade]], *, rule: PassRule, shared_checks: int = 0
) -> Grade:
    """Combine each item's samples into a submission grade under ``rule``.

    ``shared_checks`` is how many checks, at the start of every sample's results, come from the
    rubric every item shares; only those get per-check statistics (the rest are items' own
    checks, whose names may quote a hidden item's expected answer). Guarantees a failed grade
    when there are no items or when any check errored.
    """
    item_grades = tuple(ItemGrade.of(samples) for samples in items)
    every = [sample for item in item_grades for sample in item.samples]
    stats = Stats.of([s.score for s in every], [s.passed for s in every])
    pass_hat_k = (
        sum(item.pass_all for item in item_grades) / len(item_grades) if item_grades else 0.0
    )
    return Grade(item_grades, rule, stats, pass_hat_k, _check_stats(every, shared_checks))


def _check_stats(samples: Sequence[SampleGrade], shared_checks: int) -> tuple[CheckStats, ...]:
    """Statistics for each of the first ``shared_checks`` checks, over every sample."""
    if not samples or any(len(sample.results) < shared_checks for sample in samples):
        return ()
    stats = []
    for position in range(shared_checks):
        results = [sample.results[position] for sample in samples]
        head = results[0]
        # A value filled from each input's variables names the check differently per item; the
        # statistics must not carry any one item's (possibly hidden) values.
        same_name = all(result.name == head.name for result in results)
        stats.append(
            CheckStats(
                head.name if same_name else f"{head.kind} (filled per test input)",
                head.kind,
                Stats.of([r.score for r in results], [r.passed for r in results]),
            )
        )
    return tuple(stats)


def _run_safely(check: Check, attempt: Attempt, tools: Tools) -> CheckResult:
    """Run ``check``, turning any exception into an error result instead of crashing grading."""
    try:
        return check.run(attempt, tools)
    except Exception as exc:  # Defence in depth: one bad check must not crash a whole grade.
        return _error_result(check, exc)


async def _arun_safely(check: Check, attempt: Attempt, tools: Tools) -> CheckResult:
    try:
        return await check.arun(attempt, tools)
    except ToolUnavailable:
        raise  # transient: the whole grading is retried rather than this check scored
    except Exception as exc:  # Same defence in depth as _run_safely.
        return _error_result(check, exc)


def _error_result(check: Check, exc: Exception) -> CheckResult:
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
        error=True,
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
