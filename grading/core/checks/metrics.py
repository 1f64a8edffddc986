"""Text metrics: counts of words, characters and lines."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from grading.core.checks.base import Check, plural, register, require_int
from grading.core.types import Attempt

# --------------------------------------------------------------------------------------------
# Length checks


def _count_words(text: str) -> int:
    """Count whitespace-separated words."""
    return len(text.split())


def _count_chars(text: str) -> int:
    """Count characters (code points), whitespace included."""
    return len(text)


def _count_lines(text: str) -> int:
    """Count lines as ``str.splitlines`` does: a trailing newline does not start a new line."""
    return len(text.splitlines())


_COUNTERS: Mapping[str, Callable[[str], int]] = {
    "word": _count_words,
    "character": _count_chars,
    "line": _count_lines,
}


class _CountCheck(Check):
    """Pass when a count of the output is at least (``minimum``) or at most ``value``."""

    minimum: ClassVar[bool]
    unit: ClassVar[str]
    """What is counted: a key of ``_COUNTERS``."""

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_int(params, "value", minimum=0)

    @property
    def name(self) -> str:
        return f"{'at least' if self.minimum else 'at most'} {plural(self.value, self.unit)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        count = _COUNTERS[self.unit](attempt.output)
        passed = count >= self.value if self.minimum else count <= self.value
        bound = "min" if self.minimum else "max"
        return passed, f"Output has {plural(count, self.unit)} ({bound} {self.value})."


@register
class MinWords(_CountCheck):
    """Pass when the output has at least ``value`` whitespace-separated words."""

    kind = "min-words"
    minimum = True
    unit = "word"


@register
class MaxWords(_CountCheck):
    """Pass when the output has at most ``value`` whitespace-separated words."""

    kind = "max-words"
    minimum = False
    unit = "word"


@register
class MinChars(_CountCheck):
    """Pass when the output has at least ``value`` characters."""

    kind = "min-chars"
    minimum = True
    unit = "character"


@register
class MaxChars(_CountCheck):
    """Pass when the output has at most ``value`` characters."""

    kind = "max-chars"
    minimum = False
    unit = "character"


@register
class MinLines(_CountCheck):
    """Pass when the output has at least ``value`` lines."""

    kind = "min-lines"
    minimum = True
    unit = "line"


@register
class MaxLines(_CountCheck):
    """Pass when the output has at most ``value`` lines."""

    kind = "max-lines"
    minimum = False
    unit = "line"
