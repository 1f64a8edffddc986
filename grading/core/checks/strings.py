"""String checks: exact, substring and regex matches on the output."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    OUTPUT_SNIPPET_CHARS,
    Check,
    empty_note,
    quote,
    quote_list,
    quote_output,
    register,
    require_bool,
    require_str,
    require_str_list,
)
from grading.core.types import Attempt, RubricError

REGEX_MAX_INPUT_CHARS = 100_000
"""Regex checks only search the first this-many characters of the output."""

# --------------------------------------------------------------------------------------------
# Exact and substring checks


@register
class Equals(Check):
    """Pass when the output equals ``value`` exactly (surrounding whitespace trimmed by default).

    ``trim`` strips the output only; a ``value`` with surrounding whitespace is compared as is.
    """

    kind = "equals"
    allowed = frozenset({"value", "trim"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=False)
        self.trim = require_bool(params, "trim", default=True)

    @property
    def name(self) -> str:
        return f"equals {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        output = attempt.output.strip() if self.trim else attempt.output
        if output == self.value:
            return True, f"Output equals {quote(self.value)}."
        if not output.strip():
            return False, f"Output is empty, expected {quote(self.value)}."
        return False, f"Output {quote_output(output)} does not equal {quote(self.value)}."


class _SubstringCheck(Check):
    """Pass when ``value`` occurs in the output (or, when ``negate``, when it does not)."""

    ignore_case: ClassVar[bool] = False
    negate: ClassVar[bool] = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True)

    @property
    def name(self) -> str:
        return f"{self.kind} {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        if self.ignore_case:
            found = self.value.lower() in attempt.output.lower()
        else:
            found = self.value in attempt.output
        suffix = " (ignoring case)" if self.ignore_case else ""
        if found:
            return not self.negate, f"Output contains {quote(self.value)}{suffix}."
        note = "" if self.negate else empty_note(attempt.output)
        return self.negate, f"Output does not contain {quote(self.value)}{suffix}{note}."


@register
class Contains(_SubstringCheck):
    """Pass when the output contains ``value`` (case-sensitive)."""

    kind = "contains"


@register
class IContains(_SubstringCheck):
    """Pass when the output contains ``value``, comparing both sides lowercased (as promptfoo)."""

    kind = "icontains"
    ignore_case = True


class _MultiSubstringCheck(Check):
    """Pass when any (or all) of the ``value`` strings occur in the output."""

    ignore_case: ClassVar[bool] = False
    require_all: ClassVar[bool] = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.values = require_str_list(params, "value")

    @property
    def name(self) -> str:
        listed = quote_list(self.values, NAME_SNIPPET_CHARS)
        return f"{self.kind.replace('-', ' ')} of {listed}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        if self.ignore_case:
            haystack = attempt.output.lower()
            found = [value for value in self.values if value.lower() in haystack]
        else:
            found = [value for value in self.values if value in attempt.output]
        suffix = " (ignoring case)" if self.ignore_case else ""
        total = len(self.values)
        if self.require_all:
            missing = [value for value in self.values if value not in found]
            if not missing:
                return True, f"Output contains all {total} values{suffix}."
            return False, (
                f"Output is missing {quote_list(missing)}{suffix} "
                f"({len(found)} of {total} found){empty_note(attempt.output)}."
            )
        if found:
            return True, f"Output contains {quote_list(found)}{suffix}."
        return False, (
            f"Output contains none of {quote_list(self.values)}{suffix}"
            f"{empty_note(attempt.output)}."
        )


@register
class ContainsAny(_MultiSubstringCheck):
    """Pass when the output contains at least one of the ``value`` strings."""

    kind = "contains-any"


@register
class ContainsAll(_MultiSubstringCheck):
    """Pass when the output contains every one of the ``value`` strings."""

    kind = "contains-all"
    require_all = True


@register
class IContainsAny(_MultiSubstringCheck):
    """Pass when the output contains at least one of the ``value`` strings, ignoring case."""

    kind = "icontains-any"
    ignore_case = True


@register
class IContainsAll(_MultiSubstringCheck):
    """Pass when the output contains every one of the ``value`` strings, ignoring case."""

    kind = "icontains-all"
    ignore_case = True
    require_all = True


@register
class StartsWith(Check):
    """Pass when the output, leading whitespace stripped, starts with ``value``."""

    kind = "starts-with"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True)

    @property
    def name(self) -> str:
        return f"starts with {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        output = attempt.output.lstrip()
        if output.startswith(self.value):
            return True, f"Output starts with {quote(self.value)}."
        if not output:
            return False, f"Output is empty, expected it to start with {quote(self.value)}."
        limit = min(len(self.value) + 20, OUTPUT_SNIPPET_CHARS)
        start = quote(output[: limit + 1], limit)
        return False, f"Output starts with {start}, not {quote(self.value)}."


# --------------------------------------------------------------------------------------------
# Regex checks

_REGEX_FLAGS: Mapping[str, re.RegexFlag] = {
    "i": re.IGNORECASE,
    "m": re.MULTILINE,
    "s": re.DOTALL,
    "x": re.VERBOSE,
}


class _RegexCheck(Check):
    """Search the output's first ``REGEX_MAX_INPUT_CHARS`` characters for ``value``."""

    allowed = frozenset({"value", "flags"})
    negate: ClassVar[bool] = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        pattern = require_str(params, "value", non_empty=True)
        flags = require_str(params, "flags", non_empty=False) if "flags" in params else ""
        bad = sorted(set(flags) - set(_REGEX_FLAGS))
        if bad:
            raise RubricError(
                f"unsupported flag(s) {', '.join(map(repr, bad))} (allowed: i, m, s, x)"
            )
        combined = re.NOFLAG
        for letter in flags:
            combined |= _REGEX_FLAGS[letter]
        try:
            self.regex = re.compile(pattern, combined)
        except (re.error, ValueError, OverflowError, RecursionError) as exc:
            raise RubricError(f"invalid pattern: {exc}") from exc
        self.flags = "".join(sorted(set(flags)))

    @property
    def name(self) -> str:
        flags = f" (flags {self.flags})" if self.flags else ""
        verb = "does not match" if self.negate else "matches"
        return f"{verb} {quote(self.regex.pattern, NAME_SNIPPET_CHARS)}{flags}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        searched = attempt.output[:REGEX_MAX_INPUT_CHARS]
        match = self.regex.search(searched)
        pattern = quote(self.regex.pattern)
        if match is None:
            note = ""
            if len(attempt.output) > REGEX_MAX_INPUT_CHARS:
                note = f" (only the first {REGEX_MAX_INPUT_CHARS} characters were searched)"
            elif not self.negate:
                note = empty_note(attempt.output)
            return self.negate, f"Output does not match {pattern}{note}."
        return (
            not self.negate,
            f"Output matches {pattern} (matched {quote_output(match.group(0))}).",
        )


@register
class Regex(_RegexCheck):
    """Pass when the regex ``value`` matches somewhere in the output (``re.search``)."""

    kind = "regex"
