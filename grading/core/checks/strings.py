"""String checks: exact, substring and regex matches on the output.

Names and semantics follow promptfoo's assertions of the same names:

- ``contains``/``icontains`` take a non-empty string (or a number, compared as its decimal
  text); an empty value is a configuration error, not a check that always passes.
- ``icontains*`` lowercase both sides (``str.lower``, as JavaScript's ``toLowerCase``), they do
  not case-fold: ``"STRASSE"`` does not match ``"Straße"``.
- ``contains-any``/``contains-all`` and their ``i`` forms take a list, or a comma-separated
  string parsed as promptfoo parses it (fields trimmed, empty fields dropped, ``"a, b"`` quoted
  fields may hold commas).
- Every check has a ``not-`` form built by ``base.Not``; reasons are worded so that they read
  correctly for both forms ("Output contains 'x'.").

Regular expressions run on the third-party ``regex`` engine with a time limit, so that a
catastrophically backtracking pattern ends as a grading error instead of hanging the worker.
"""

from __future__ import annotations

import json
import math
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
    show,
)
from grading.core.checks.timed_regex import (
    RegexTimeout,
    compile_pattern,
    search,
)
from grading.core.types import Attempt, RubricError, Verdict

REGEX_MAX_INPUT_CHARS = 100_000
"""Regex checks only search the first this-many characters of the output."""

# --------------------------------------------------------------------------------------------
# Value parsing shared by the substring checks


def _number_text(value: int | float) -> str:
    """Spell a number as JavaScript's ``String(value)`` does for ordinary values (2.0 -> "2")."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _require_needle(params: Mapping[str, Any], key: str = "value") -> str:
    """Return a non-empty string value; a number is accepted as its text, as promptfoo does."""
    value = params[key]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value)
    return require_str(params, key, non_empty=True)


def parse_comma_separated(text: str) -> list[str]:
    """Split a promptfoo-style comma-separated value into fields.

    Fields are trimmed and empty fields are dropped. A field may be double-quoted to hold
    commas or surrounding spaces; inside quotes ``""`` and ``\\"`` stand for a quote and
    ``\\\\`` for a backslash. Raises ``RubricError`` for an unterminated quoted field or text
    after a closing quote.
    """
    fields: list[str] = []
    position, length = 0, len(text)
    while position < length:
        while position < length and (text[position].isspace() or text[position] == ","):
            position += 1
        if position >= length:
            break
        if text[position] != '"':
            end = text.find(",", position)
            end = length if end == -1 else end
            fields.append(text[position:end].strip())
            position = end
            continue
        position += 1
        pieces: list[str] = []
        while True:
            if position >= length:
                raise RubricError("unterminated quoted field in 'value'")
            char = text[position]
            following = text[position + 1] if position + 1 < length else ""
            if char == "\\" and following in ('"', "\\"):
                pieces.append(following)
                position += 2
            elif char == '"' and following == '"':
                pieces.append('"')
                position += 2
            elif char == '"':
                position += 1
                break
            else:
                pieces.append(char)
                position += 1
        fields.append("".join(pieces))
        while position < length and text[position].isspace():
            position += 1
        if position < length and text[position] != ",":
            raise RubricError("expected a comma after a quoted field in 'value'")
    return [field for field in fields if field]


def _require_needles(params: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the non-empty strings of a list value or a comma-separated string value."""
    value = params["value"]
    if isinstance(value, str):
        fields = parse_comma_separated(value)
        if not fields:
            raise RubricError(f"'value' must list at least one non-empty string, got {show(value)}")
        return tuple(fields)
    if isinstance(value, (list, tuple)):
        value = [
            _number_text(item)
            if isinstance(item, (int, float)) and not isinstance(item, bool)
            else item
            for item in value
        ]
    return require_str_list({"value": value}, "value")


# --------------------------------------------------------------------------------------------
# Exact and substring checks


def _strictly_equal(left: Any, right: Any) -> bool:
    """JSON equality that, like JavaScript's deep strict equality, tells ``true`` from ``1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _strictly_equal(left[key], right[key]) for key in left
        )
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            _strictly_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    return bool(left == right)


def js_string(value: bool | int | float) -> str:
    """``String(value)`` in JavaScript for a JSON number or boolean (``42.0`` → ``"42"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e21):
        return str(int(value))
    text = repr(value)
    # JavaScript writes exponents without padding and with an explicit sign: 1e-07 → 1e-7.
    mantissa, _, exponent = text.partition("e")
    if exponent:
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"
    return text


@register
class Equals(Check):
    """Pass when the output equals ``value`` exactly (surrounding whitespace trimmed by default).

    ``trim`` strips the output only; a ``value`` with surrounding whitespace is compared as is.
    (promptfoo does not trim; set ``trim: false`` for its behaviour.) As in promptfoo, a JSON
    object or array ``value`` passes when the output parses as JSON equal to it, and a number
    (or boolean) ``value`` is compared as its JavaScript text, as promptfoo 0.123.1 does
    (``42`` and ``42.0`` both mean ``"42"``; the output ``"42.0"`` does not equal it).
    """

    kind = "equals"
    allowed = frozenset({"value", "trim"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        raw = params["value"]
        self.json_value: Any = None
        self.number: float | None = None
        if isinstance(raw, (dict, list)):
            self.json_value = raw
            self.value = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(raw, (bool, int, float)):
            self.number = float(raw)
            if math.isnan(self.number):
                raise RubricError("'value' must be a number, got NaN")
            self.value = js_string(raw)
        else:
            self.value = require_str(params, "value", non_empty=False)
        self.trim = require_bool(params, "trim", default=True)

    @property
    def name(self) -> str:
        return f"equals {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        output = attempt.output.strip() if self.trim else attempt.output
        if self.number is not None:
            if output == self.value:
                return True, f"Output equals {quote(self.value)}."
            return False, f"Output {quote_output(output)} does not equal {quote(self.value)}."
        if self.json_value is not None:
            try:
                parsed = json.loads(output)
            except (ValueError, RecursionError):
                return False, f"Output is not JSON, expected JSON equal to {quote(self.value)}."
            if _strictly_equal(parsed, self.json_value):
                return True, f"Output is JSON equal to {quote(self.value)}."
            return False, f"Output JSON {quote_output(output)} does not equal {quote(self.value)}."
        if output == self.value:
            return True, f"Output equals {quote(self.value)}."
        if not output.strip():
            return False, f"Output is empty, expected {quote(self.value)}."
        return False, f"Output {quote_output(output)} does not equal {quote(self.value)}."


class _SubstringCheck(Check):
    """Pass when ``value`` occurs in the output."""

    ignore_case: ClassVar[bool] = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = _require_needle(params)

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
            return True, f"Output contains {quote(self.value)}{suffix}."
        note = empty_note(attempt.output)
        return False, f"Output does not contain {quote(self.value)}{suffix}{note}."


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
        self.values = _require_needles(params)

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
    """Pass when the output, leading whitespace stripped, starts with ``value``.

    ``trim: false`` compares the output as it is, as promptfoo's ``starts-with`` does.
    """

    kind = "starts-with"
    allowed = frozenset({"value", "trim"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True)
        self.trim = require_bool(params, "trim", default=True)

    @property
    def name(self) -> str:
        return f"starts with {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        output = attempt.output.lstrip() if self.trim else attempt.output
        if output.startswith(self.value):
            return True, f"Output starts with {quote(self.value)}."
        if not output:
            return False, f"Output is empty, expected it to start with {quote(self.value)}."
        limit = min(len(self.value) + 20, OUTPUT_SNIPPET_CHARS)
        start = quote(output[: limit + 1], limit)
        return False, f"Output starts with {start}, not {quote(self.value)}."


# --------------------------------------------------------------------------------------------
# Regex checks


@register
class Regex(Check):
    """Pass when the regex ``value`` matches somewhere in the output (search semantics).

    Only the first ``REGEX_MAX_INPUT_CHARS`` characters are searched, and a search that runs
    longer than ``REGEX_TIMEOUT_SECONDS`` (catastrophic backtracking) is a grading error.
    """

    kind = "regex"
    allowed = frozenset({"value", "flags"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        pattern = require_str(params, "value", non_empty=True)
        flags = require_str(params, "flags", non_empty=False) if "flags" in params else ""
        self.regex = compile_pattern(pattern, flags)
        self.flags = "".join(sorted(set(flags)))

    @property
    def name(self) -> str:
        flags = f" (flags {self.flags})" if self.flags else ""
        return f"matches {quote(self.regex.pattern, NAME_SNIPPET_CHARS)}{flags}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        pattern = quote(self.regex.pattern)
        try:
            match = search(self.regex, attempt.output[:REGEX_MAX_INPUT_CHARS])
        except RegexTimeout as exc:
            return Verdict(passed=False, reason=f"{exc} searching for {pattern}.", error=True)
        if match is None:
            if len(attempt.output) > REGEX_MAX_INPUT_CHARS:
                note = f" (only the first {REGEX_MAX_INPUT_CHARS} characters were searched)"
            else:
                note = empty_note(attempt.output)
            return False, f"Output does not match {pattern}{note}."
        return True, f"Output matches {pattern} (matched {quote_output(match.group(0))})."
