"""Deterministic checks that an exercise's rubric is made of, and ``build_checks`` to load them.

A rubric is a JSON list such as::

    [{"type": "icontains", "value": "paris", "weight": 2}, {"type": "max-words", "value": 50}]

Every entry names a check ``type`` (a key of ``CHECKS``), an optional ``weight`` (a number > 0,
default 1) and the check's own parameters. Configuration problems raise ``RubricError`` when the
rubric is built, never while grading. Where a check's name matches a promptfoo assertion, the
semantics match promptfoo's: ``icontains`` lowercases both sides (no Unicode case folding),
``equals`` compares exact strings, ``is-json`` does not strip Markdown fences while
``contains-json`` finds JSON anywhere in the output.

Every check scores 1.0 if it passes and 0.0 otherwise, and its reason is a single line that
quotes at most ``OUTPUT_SNIPPET_CHARS`` characters of the output.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.exceptions import Unresolvable

from grading.core.templating import PLACEHOLDER, placeholders
from grading.core.types import Attempt, CheckResult, RubricError

__all__ = ["CHECKS", "REGEX_MAX_INPUT_CHARS", "Check", "build_checks"]

REGEX_MAX_INPUT_CHARS = 100_000
"""Regex checks only search the first this-many characters of the output.

A cheap guard against catastrophic backtracking on huge outputs; it bounds the input size, not
the pattern's complexity, so it is defence in depth rather than a guarantee.
"""

CONTAINS_JSON_MAX_INPUT_CHARS = 100_000
"""``contains-json`` only looks for JSON in the first this-many characters of the output."""

CONTAINS_JSON_MAX_CANDIDATES = 1_000
"""``contains-json`` tries at most this many ``{``/``[`` positions as JSON starts."""

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


# --------------------------------------------------------------------------------------------
# Text helpers


def _escape(text: str, limit: int) -> str:
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


def _one_line(text: str, limit: int = REASON_MAX_CHARS) -> str:
    """Return ``text`` on a single line of at most ``limit`` characters (plus a final "…")."""
    return _escape(text, limit)


def _quote(text: str, limit: int = VALUE_SNIPPET_CHARS) -> str:
    """Return ``text`` single-quoted, on one line and truncated to ``limit`` characters."""
    return f"'{_escape(text, limit)}'"


def _quote_output(text: str) -> str:
    """Return a quoted snippet of model output (never more than ``OUTPUT_SNIPPET_CHARS``)."""
    return _quote(text, OUTPUT_SNIPPET_CHARS)


def _quote_list(values: Sequence[str], limit: int = VALUE_SNIPPET_CHARS) -> str:
    """Return ``'a', 'b', 'c'`` for the first few values, then "and N more"."""
    shown = ", ".join(_quote(value, limit) for value in values[:LIST_MAX_ITEMS])
    hidden = len(values) - LIST_MAX_ITEMS
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _plural(count: int, noun: str) -> str:
    """Return e.g. ``"1 word"`` or ``"3 words"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _empty_note(output: str) -> str:
    """Return a note to append to a failure reason when the output is blank."""
    return " (the output is empty)" if not output.strip() else ""


# --------------------------------------------------------------------------------------------
# Parameter validation (each raises RubricError with a message naming the parameter)


def _show(value: object) -> str:
    """Return a short one-line ``repr`` of a bad rubric value for an error message."""
    return _escape(repr(value), VALUE_SNIPPET_CHARS)


def _validate_weight(weight: object) -> float:
    """Return ``weight`` as a float, or raise RubricError unless it is a finite number > 0."""
    if isinstance(weight, (int, float)) and not isinstance(weight, bool):
        try:
            number = float(weight)
        except OverflowError:  # an int too large for a float
            number = math.inf
        if math.isfinite(number) and number > 0:
            return number
    raise RubricError(f"weight must be a number > 0, got {_show(weight)}")


def _require_str(params: Mapping[str, Any], key: str, *, non_empty: bool) -> str:
    """Return ``params[key]`` if it is a string (non-empty when asked), else raise."""
    value = params[key]
    if not isinstance(value, str):
        raise RubricError(f"{key!r} must be a string, got {type(value).__name__}")
    if non_empty and not value:
        raise RubricError(f"{key!r} must not be empty")
    return value


def _require_str_list(params: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """Return ``params[key]`` if it is a non-empty list of non-empty strings, else raise."""
    value = params[key]
    message = f"{key!r} must be a non-empty list of non-empty strings"
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise RubricError(f"{message}, got {_show(value)}")
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item:
            raise RubricError(f"{message}; item {position} is {_show(item)}")
    return tuple(value)


def _require_int(params: Mapping[str, Any], key: str, *, minimum: int) -> int:
    """Return ``params[key]`` if it is an integer >= ``minimum``, else raise."""
    value = params[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise RubricError(f"{key!r} must be an integer >= {minimum}, got {_show(value)}")
    return value


def _require_bool(params: Mapping[str, Any], key: str, default: bool) -> bool:
    """Return ``params[key]`` (or ``default`` when absent) if it is a boolean, else raise."""
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise RubricError(f"{key!r} must be true or false, got {_show(value)}")
    return value


# --------------------------------------------------------------------------------------------
# The check protocol


class Check(ABC):
    """One rubric check: validated at construction, then run against any number of attempts.

    Subclasses set ``kind`` (the registry key), ``allowed`` and ``required`` (parameter names
    besides ``weight``), and implement ``_configure``, ``name`` and ``_evaluate``. Instances are
    immutable by convention and safe to share between attempts.
    """

    kind: ClassVar[str]
    allowed: ClassVar[frozenset[str]] = frozenset({"value"})
    required: ClassVar[frozenset[str]] = frozenset({"value"})

    def __init__(self, *, weight: float = 1.0, **params: Any) -> None:
        """Validate ``weight`` and ``params``; raise ``RubricError`` describing any problem."""
        self.weight = _validate_weight(weight)
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

    @abstractmethod
    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        """Return whether ``attempt`` passes and a one-line reason."""

    def run(self, attempt: Attempt) -> CheckResult:
        """Run the check on ``attempt``; the reason is guaranteed to be one short line."""
        passed, reason = self._evaluate(attempt)
        return CheckResult(
            name=_one_line(self.name),
            kind=self.kind,
            passed=passed,
            score=1.0 if passed else 0.0,
            weight=self.weight,
            reason=_one_line(reason),
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} weight={self.weight:g}>"


# --------------------------------------------------------------------------------------------
# Exact and substring checks


class Equals(Check):
    """Pass when the output equals ``value`` exactly (surrounding whitespace trimmed by default).

    ``trim`` strips the output only; a ``value`` with surrounding whitespace is compared as is.
    """

    kind = "equals"
    allowed = frozenset({"value", "trim"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = _require_str(params, "value", non_empty=False)
        self.trim = _require_bool(params, "trim", default=True)

    @property
    def name(self) -> str:
        return f"equals {_quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        output = attempt.output.strip() if self.trim else attempt.output
        if output == self.value:
            return True, f"Output equals {_quote(self.value)}."
        if not output.strip():
            return False, f"Output is empty, expected {_quote(self.value)}."
        return False, f"Output {_quote_output(output)} does not equal {_quote(self.value)}."


class _SubstringCheck(Check):
    """Pass when ``value`` occurs in the output (or, when ``negate``, when it does not)."""

    ignore_case: ClassVar[bool] = False
    negate: ClassVar[bool] = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = _require_str(params, "value", non_empty=True)

    @property
    def name(self) -> str:
        return f"{self.kind} {_quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        if self.ignore_case:
            found = self.value.lower() in attempt.output.lower()
        else:
            found = self.value in attempt.output
        suffix = " (ignoring case)" if self.ignore_case else ""
        if found:
            return not self.negate, f"Output contains {_quote(self.value)}{suffix}."
        note = "" if self.negate else _empty_note(attempt.output)
        return self.negate, f"Output does not contain {_quote(self.value)}{suffix}{note}."


class Contains(_SubstringCheck):
    """Pass when the output contains ``value`` (case-sensitive)."""

    kind = "contains"


class IContains(_SubstringCheck):
    """Pass when the output contains ``value``, comparing both sides lowercased (as promptfoo)."""

    kind = "icontains"
    ignore_case = True


class NotContains(_SubstringCheck):
    """Pass when the output does not contain ``value`` (case-sensitive)."""

    kind = "not-contains"
    negate = True


class NotIContains(_SubstringCheck):
    """Pass when the output does not contain ``value``, ignoring case."""

    kind = "not-icontains"
    ignore_case = True
    negate = True


class _MultiSubstringCheck(Check):
    """Pass when any (or all) of the ``value`` strings occur in the output."""

    ignore_case: ClassVar[bool] = False
    require_all: ClassVar[bool] = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.values = _require_str_list(params, "value")

    @property
    def name(self) -> str:
        listed = _quote_list(self.values, NAME_SNIPPET_CHARS)
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
                f"Output is missing {_quote_list(missing)}{suffix} "
                f"({len(found)} of {total} found){_empty_note(attempt.output)}."
            )
        if found:
            return True, f"Output contains {_quote_list(found)}{suffix}."
        return False, (
            f"Output contains none of {_quote_list(self.values)}{suffix}"
            f"{_empty_note(attempt.output)}."
        )


class ContainsAny(_MultiSubstringCheck):
    """Pass when the output contains at least one of the ``value`` strings."""

    kind = "contains-any"


class ContainsAll(_MultiSubstringCheck):
    """Pass when the output contains every one of the ``value`` strings."""

    kind = "contains-all"
    require_all = True


class IContainsAny(_MultiSubstringCheck):
    """Pass when the output contains at least one of the ``value`` strings, ignoring case."""

    kind = "icontains-any"
    ignore_case = True


class IContainsAll(_MultiSubstringCheck):
    """Pass when the output contains every one of the ``value`` strings, ignoring case."""

    kind = "icontains-all"
    ignore_case = True
    require_all = True


class StartsWith(Check):
    """Pass when the output, leading whitespace stripped, starts with ``value``."""

    kind = "starts-with"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = _require_str(params, "value", non_empty=True)

    @property
    def name(self) -> str:
        return f"starts with {_quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        output = attempt.output.lstrip()
        if output.startswith(self.value):
            return True, f"Output starts with {_quote(self.value)}."
        if not output:
            return False, f"Output is empty, expected it to start with {_quote(self.value)}."
        limit = min(len(self.value) + 20, OUTPUT_SNIPPET_CHARS)
        start = _quote(output[: limit + 1], limit)
        return False, f"Output starts with {start}, not {_quote(self.value)}."


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
        pattern = _require_str(params, "value", non_empty=True)
        flags = _require_str(params, "flags", non_empty=False) if "flags" in params else ""
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
        return f"{verb} {_quote(self.regex.pattern, NAME_SNIPPET_CHARS)}{flags}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        searched = attempt.output[:REGEX_MAX_INPUT_CHARS]
        match = self.regex.search(searched)
        pattern = _quote(self.regex.pattern)
        if match is None:
            note = ""
            if len(attempt.output) > REGEX_MAX_INPUT_CHARS:
                note = f" (only the first {REGEX_MAX_INPUT_CHARS} characters were searched)"
            elif not self.negate:
                note = _empty_note(attempt.output)
            return self.negate, f"Output does not match {pattern}{note}."
        return (
            not self.negate,
            f"Output matches {pattern} (matched {_quote_output(match.group(0))}).",
        )


class Regex(_RegexCheck):
    """Pass when the regex ``value`` matches somewhere in the output (``re.search``)."""

    kind = "regex"


class NotRegex(_RegexCheck):
    """Pass when the regex ``value`` matches nowhere in the output."""

    kind = "not-regex"
    negate = True


# --------------------------------------------------------------------------------------------
# JSON checks


class _NotJson(Exception):
    """Internal: the text is not valid JSON; the message says why."""


def _reject_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity``, which Python's json accepts but JSON (and JS) do not."""
    raise _NotJson(f"{name} is not valid JSON")


def _parse_json(text: str) -> Any:
    """Parse ``text`` as one JSON value; raise ``_NotJson`` with a one-line reason if it is not."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _NotJson(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise _NotJson("nested too deeply") from exc
    except ValueError as exc:  # e.g. integers with more than sys.get_int_max_str_digits() digits
        raise _NotJson(str(exc)) from exc


def _iter_embedded_json(text: str) -> Iterator[Any]:
    """Yield each JSON object or array embedded in ``text``, left to right, not nested ones.

    Bounded by ``CONTAINS_JSON_MAX_INPUT_CHARS`` and ``CONTAINS_JSON_MAX_CANDIDATES``. Text
    around the JSON (prose, Markdown fences like ```` ```json ````) is simply skipped.
    """
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    text = text[:CONTAINS_JSON_MAX_INPUT_CHARS]
    start = _next_json_start(text, 0)
    attempts = 0
    while start != -1 and attempts < CONTAINS_JSON_MAX_CANDIDATES:
        attempts += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError, _NotJson):
            start = _next_json_start(text, start + 1)
            continue
        yield value
        start = _next_json_start(text, end)


def _next_json_start(text: str, position: int) -> int:
    """Return the index of the next ``{`` or ``[`` at or after ``position``, or -1."""
    brace, bracket = text.find("{", position), text.find("[", position)
    if brace == -1 or bracket == -1:
        return max(brace, bracket)
    return min(brace, bracket)


def _json_path(path: Sequence[str | int]) -> str:
    """Return a JSONPath-like location such as ``$.items[0].name`` for an error path."""
    parts = ["$"]
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            parts.append(f".{key}")
        else:
            parts.append(f"[{json.dumps(key, ensure_ascii=False)}]")
    return "".join(parts)


class _JsonCheck(Check):
    """Shared parameter handling for the JSON checks: an optional JSON Schema."""

    allowed = frozenset({"schema"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.schema: Mapping[str, Any] | None = None
        self.validator: jsonschema.protocols.Validator | None = None
        if "schema" not in params:
            return
        schema = params["schema"]
        if not isinstance(schema, Mapping):
            raise RubricError(f"'schema' must be a JSON object, got {type(schema).__name__}")
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            where = _json_path(list(exc.absolute_path))
            raise RubricError(
                _one_line(f"invalid JSON schema at {where}: {exc.message}", JSON_REASON_MAX_CHARS)
            ) from exc
        self.schema = schema
        # An empty registry: a "$ref" to a URL must never make the grader fetch it (no I/O).
        self.validator = jsonschema.Draft202012Validator(schema, registry=Registry())

    def _schema_problem(self, data: Any) -> str | None:
        """Return why ``data`` does not match the schema, or None if it does.

        The text reads on from "does not match the schema ", e.g. ``"at $.age: ..."``.
        """
        if self.validator is None:
            return None
        try:
            error = best_match(self.validator.iter_errors(data))
        except Unresolvable as exc:
            return f"because the schema has an unresolvable reference ({exc})"
        except RecursionError:
            return "because the JSON is nested too deeply to validate"
        if error is None:
            return None
        return f"at {_json_path(list(error.absolute_path))}: {error.message}"

    def _reason(self, text: str) -> str:
        return _one_line(text, JSON_REASON_MAX_CHARS)


class IsJson(_JsonCheck):
    """Pass when the whole output (surrounding whitespace stripped) is valid JSON.

    Like promptfoo's ``is-json``, Markdown fences are not stripped: fenced JSON fails. With a
    ``schema``, the parsed value must also validate against it (JSON Schema draft 2020-12).
    """

    kind = "is-json"

    @property
    def name(self) -> str:
        return "is JSON matching the schema" if self.validator else "is JSON"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = attempt.output.strip()
        if not text:
            return False, "Output is empty, expected JSON."
        try:
            data = _parse_json(text)
        except _NotJson as exc:
            hint = " (it is wrapped in a Markdown code fence)" if text.startswith("```") else ""
            return False, self._reason(f"Output is not valid JSON{hint}: {exc}.")
        problem = self._schema_problem(data)
        if problem is not None:
            return False, self._reason(f"Output JSON does not match the schema {problem}.")
        if self.validator is not None:
            return True, "Output is valid JSON matching the schema."
        return True, "Output is valid JSON."


class ContainsJson(_JsonCheck):
    """Pass when the output contains a JSON object or array anywhere, e.g. in a fenced block.

    With a ``schema``, passes when any embedded JSON value validates against it (as promptfoo's
    ``contains-json`` does); the reason then reports the first value's schema error.
    """

    kind = "contains-json"

    @property
    def name(self) -> str:
        return "contains JSON matching the schema" if self.validator else "contains JSON"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        first_problem: str | None = None
        count = 0
        for data in _iter_embedded_json(attempt.output):
            count += 1
            problem = self._schema_problem(data)
            if problem is None:
                if self.validator is not None:
                    return True, "Output contains JSON matching the schema."
                return True, "Output contains a JSON object or array."
            first_problem = first_problem or problem
        if first_problem is not None:
            return False, self._reason(
                f"Output contains {_plural(count, 'JSON value')} but none matches the schema; "
                f"first mismatch {first_problem}."
            )
        return False, f"Output contains no JSON object or array{_empty_note(attempt.output)}."


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
        self.value = _require_int(params, "value", minimum=0)

    @property
    def name(self) -> str:
        return f"{'at least' if self.minimum else 'at most'} {_plural(self.value, self.unit)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        count = _COUNTERS[self.unit](attempt.output)
        passed = count >= self.value if self.minimum else count <= self.value
        bound = "min" if self.minimum else "max"
        return passed, f"Output has {_plural(count, self.unit)} ({bound} {self.value})."


class MinWords(_CountCheck):
    """Pass when the output has at least ``value`` whitespace-separated words."""

    kind = "min-words"
    minimum = True
    unit = "word"


class MaxWords(_CountCheck):
    """Pass when the output has at most ``value`` whitespace-separated words."""

    kind = "max-words"
    minimum = False
    unit = "word"


class MinChars(_CountCheck):
    """Pass when the output has at least ``value`` characters."""

    kind = "min-chars"
    minimum = True
    unit = "character"


class MaxChars(_CountCheck):
    """Pass when the output has at most ``value`` characters."""

    kind = "max-chars"
    minimum = False
    unit = "character"


class MinLines(_CountCheck):
    """Pass when the output has at least ``value`` lines."""

    kind = "min-lines"
    minimum = True
    unit = "line"


class MaxLines(_CountCheck):
    """Pass when the output has at most ``value`` lines."""

    kind = "max-lines"
    minimum = False
    unit = "line"


# --------------------------------------------------------------------------------------------
# Prompt-side checks: these look at the learner's template, not at the output


class PromptMaxChars(Check):
    """Pass when the learner's prompt template has at most ``value`` characters."""

    kind = "prompt-max-chars"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = _require_int(params, "value", minimum=1)

    @property
    def name(self) -> str:
        return f"prompt at most {_plural(self.value, 'character')}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        count = len(attempt.prompt)
        return count <= self.value, f"Prompt has {_plural(count, 'character')} (max {self.value})."


class PromptHasPlaceholder(Check):
    """Pass when the prompt template uses every named ``{{placeholder}}``."""

    kind = "prompt-has-placeholder"

    def _configure(self, params: Mapping[str, Any]) -> None:
        if isinstance(params["value"], str):
            names: tuple[str, ...] = (_require_str(params, "value", non_empty=True),)
        else:
            names = _require_str_list(params, "value")
        for name in names:
            if not PLACEHOLDER.fullmatch(f"{{{{{name}}}}}"):
                raise RubricError(f"{name!r} is not a valid placeholder name")
        self.names = names

    @property
    def name(self) -> str:
        return "prompt uses " + ", ".join(f"{{{{{name}}}}}" for name in self.names)

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        present = placeholders(attempt.prompt)
        missing = [name for name in self.names if name not in present]
        if not missing:
            listed = ", ".join(f"{{{{{name}}}}}" for name in self.names)
            return True, f"Prompt uses {listed}."
        listed = ", ".join(f"{{{{{name}}}}}" for name in missing)
        noun = "placeholder" if len(missing) == 1 else "placeholders"
        return False, f"Prompt is missing the {noun} {listed}."


class PromptNotContains(Check):
    """Pass when the prompt template does not contain ``value``, ignoring case."""

    kind = "prompt-not-contains"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = _require_str(params, "value", non_empty=True)

    @property
    def name(self) -> str:
        return f"prompt avoids {_quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        if self.value.lower() in attempt.prompt.lower():
            return False, f"Prompt contains {_quote(self.value)}, which is not allowed."
        return True, f"Prompt does not contain {_quote(self.value)}."


# --------------------------------------------------------------------------------------------
# Registry


CHECKS: dict[str, type[Check]] = {
    cls.kind: cls
    for cls in (
        Equals,
        Contains,
        IContains,
        ContainsAny,
        ContainsAll,
        IContainsAny,
        IContainsAll,
        NotContains,
        NotIContains,
        StartsWith,
        Regex,
        NotRegex,
        IsJson,
        ContainsJson,
        MinWords,
        MaxWords,
        MinChars,
        MaxChars,
        MinLines,
        MaxLines,
        PromptMaxChars,
        PromptHasPlaceholder,
        PromptNotContains,
    )
}
"""Maps each rubric ``type`` to its check class."""


def build_checks(rubric: Sequence[Mapping[str, Any]]) -> list[Check]:
    """Build the checks of a rubric (a JSON list of check objects), validating all of it.

    Raises ``RubricError`` at the first problem, prefixed ``"check N (type): "`` (N from 1).
    Guarantees the returned checks are ready to run and never raise ``RubricError`` later.
    """
    if isinstance(rubric, (str, bytes)) or not isinstance(rubric, Sequence):
        raise RubricError(f"a rubric must be a list of checks, got {type(rubric).__name__}")
    checks: list[Check] = []
    for number, entry in enumerate(rubric, start=1):
        if not isinstance(entry, Mapping):
            raise RubricError(f"check {number}: must be an object, got {type(entry).__name__}")
        kind = entry.get("type")
        if kind is None:
            raise RubricError(f"check {number}: missing 'type'")
        if not isinstance(kind, str):
            raise RubricError(f"check {number}: 'type' must be a string, got {kind!r}")
        cls = CHECKS.get(kind)
        if cls is None:
            close = difflib.get_close_matches(kind, CHECKS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(CHECKS)}"
            raise RubricError(f"check {number} ({_escape(kind, 40)}): unknown check type; {hint}")
        params = {key: value for key, value in entry.items() if key not in ("type", "weight")}
        non_str = [key for key in params if not isinstance(key, str)]
        try:
            if non_str:
                raise RubricError(f"parameter names must be strings, got {non_str[0]!r}")
            checks.append(cls(weight=entry.get("weight", 1.0), **params))
        except RubricError as exc:
            raise RubricError(f"check {number} ({kind}): {exc}") from exc
    return checks
