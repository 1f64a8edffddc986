"""Value types shared by the grading core: attempts, check results and grades."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Attempt", "CheckResult", "Grade", "ItemGrade", "RubricError"]


class RubricError(ValueError):
    """Raised when an exercise's rubric is misconfigured (not when an output fails a check).

    Messages built by ``build_checks`` name the offending check, e.g.
    ``"check 2 (regex): invalid pattern: unterminated character set at position 0"``.
    """


@dataclass(frozen=True)
class Attempt:
    """One model run for one test input: what the checks look at."""

    prompt: str
    """The learner's prompt template, before placeholder substitution."""
    rendered_prompt: str
    """The prompt actually sent to the model (placeholders filled)."""
    output: str
    """The model's text output."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """The test input's variables."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of running one check against one attempt.

    Guarantees ``0.0 <= score <= 1.0`` and ``weight > 0`` (raises ``ValueError`` otherwise).
    """

    name: str
    """The check's display name, e.g. ``"contains 'Paris'"``."""
    kind: str
    """The registry key, e.g. ``"contains"``."""
    passed: bool
    score: float
    """0.0 to 1.0."""
    weight: float
    """Strictly positive."""
    reason: str
    """One human-readable line, e.g. ``"Output contains 'Paris'."``."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be between 0 and 1, got {self.score!r}")
        if not (self.weight > 0 and math.isfinite(self.weight)):
            raise ValueError(f"weight must be a finite number > 0, got {self.weight!r}")


@dataclass(frozen=True)
class ItemGrade:
    """The grade of one attempt (one test input) against every check of the rubric."""

    score: float
    """Weighted mean of the checks' scores, 0..1; 1.0 when there are no checks."""
    passed: bool
    """True when every check passed (vacuously true with no checks)."""
    results: tuple[CheckResult, ...]


@dataclass(frozen=True)
class Grade:
    """The grade of a whole submission: every test input's item grade combined."""

    score: float
    """Mean of the item scores, 0..1; 0.0 when there are no items."""
    passed: bool
    """True when there is at least one item and ``score >= pass_threshold``."""
    items: tuple[ItemGrade, ...]
