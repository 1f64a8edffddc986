"""The one time-limited regex helper: every pattern run on model output goes through it.

Rubric patterns (``regex``, ``contains-any`` with patterns, ``numeric``…) and the judge's
flagging screen run on the third-party ``regex`` engine, whose searches accept a time limit. A
pattern that backtracks catastrophically on some output raises ``RegexTimeout``; the caller
turns that into a grading *error*, never a hang of the worker and never a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import regex

from grading.core.types import RubricError

__all__ = ["REGEX_TIMEOUT_SECONDS", "RegexTimeout", "compile_pattern", "finditer", "search"]

REGEX_TIMEOUT_SECONDS = 1.0
"""The longest one pattern may search one text (a linear pattern scans 200,000 characters in a
few milliseconds). Read at call time, so a test may shorten it."""

_REGEX_FLAGS: Mapping[str, int] = {
    "i": regex.IGNORECASE,
    "m": regex.MULTILINE,
    "s": regex.DOTALL,
    "x": regex.VERBOSE,
}


class RegexTimeout(Exception):
    """A search ran past ``REGEX_TIMEOUT_SECONDS``: the text could not be checked."""


def compile_pattern(pattern: str, flags: str = "", key: str = "value") -> regex.Pattern[str]:
    """Compile a rubric regex (``regex`` module, ``re``-compatible VERSION0 syntax).

    ``flags`` is a string of letters among ``i``, ``m``, ``s``, ``x``. Raises ``RubricError``
    naming ``key`` for an invalid pattern or flag.
    """
    bad = sorted(set(flags) - set(_REGEX_FLAGS))
    if bad:
        raise RubricError(f"unsupported flag(s) {', '.join(map(repr, bad))} (allowed: i, m, s, x)")
    combined = regex.VERSION0
    for letter in flags:
        combined |= _REGEX_FLAGS[letter]
    try:
        return regex.compile(pattern, combined)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        prefix = "invalid pattern" if key == "value" else f"invalid {key!r}"
        raise RubricError(f"{prefix}: {exc}") from exc


def _timed_out(what: str) -> RegexTimeout:
    return RegexTimeout(f"{what} timed out after {REGEX_TIMEOUT_SECONDS:g} s")


def search(pattern: regex.Pattern[str], text: str, what: str = "regex") -> regex.Match[str] | None:
    """Search ``text`` (already capped by the caller) within the time limit; raise RegexTimeout."""
    try:
        return pattern.search(text, timeout=REGEX_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        raise _timed_out(what) from exc


def finditer(
    pattern: regex.Pattern[str], text: str, what: str = "regex"
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text)`` within the time limit per search; raise RegexTimeout."""
    try:
        yield from pattern.finditer(text, timeout=REGEX_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        raise _timed_out(what) from exc
