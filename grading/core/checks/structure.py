"""Structure checks: JSON, optionally validated against a JSON Schema.

Markdown code fences: ``is-json`` (and ``is-xml`` in ``markup.py``) follow promptfoo and do *not*
strip them (a fenced answer fails, with a hint); ``contains-json``/``contains-xml`` find fenced
content like any other; ``is-sql`` and ``is-csv`` strip one fence that wraps the whole output
(```` ```sql ```` or a bare ```` ``` ````), because that is how models answer "give me the query"
and the learner is not being tested on fences there (promptfoo's ``is-sql`` would fail a fenced
query). XML, SQL and tables live in ``markup.py``, ``sql.py`` and ``tables.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.exceptions import Unresolvable

from grading.core.checks.base import (
    JSON_REASON_MAX_CHARS,
    Check,
    empty_note,
    one_line,
    plural,
    register,
)
from grading.core.checks.json_formats import FORMAT_CHECKER, KNOWN_FORMATS, unknown_formats
from grading.core.types import Attempt, RubricError

CONTAINS_JSON_MAX_INPUT_CHARS = 100_000
"""``contains-json`` only looks for JSON in the first this-many characters of the output."""

CONTAINS_JSON_MAX_CANDIDATES = 1_000
"""``contains-json`` tries at most this many ``{``/``[`` positions as JSON starts."""

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
    """Shared parameter handling for the JSON checks: an optional JSON Schema, given as
    ``schema`` or, as in promptfoo, as ``value`` (an object, or a string holding JSON)."""

    allowed = frozenset({"schema", "value"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.schema: Mapping[str, Any] | None = None
        self.validator: jsonschema.protocols.Validator | None = None
        if "schema" in params and "value" in params:
            raise RubricError("give the JSON Schema as 'schema' or as 'value', not both")
        if "schema" not in params and "value" not in params:
            return
        schema = params["schema"] if "schema" in params else params["value"]
        if isinstance(schema, str) and "value" in params:
            try:
                schema = json.loads(schema)
            except ValueError as exc:
                raise RubricError(
                    f"'value' must be a JSON Schema (an object, or JSON text of one): {exc}"
                ) from exc
        if not isinstance(schema, Mapping):
            raise RubricError(f"'schema' must be a JSON object, got {type(schema).__name__}")
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            where = _json_path(list(exc.absolute_path))
            raise RubricError(
                one_line(f"invalid JSON schema at {where}: {exc.message}", JSON_REASON_MAX_CHARS)
            ) from exc
        unknown = unknown_formats(schema)
        if unknown:
            raise RubricError(
                f"unknown format {unknown[0]!r} (promptfoo's formats: "
                f"{', '.join(sorted(KNOWN_FORMATS))})"
            )
        self.schema = schema
        # An empty registry: a "$ref" to a URL must never make the grader fetch it (no I/O).
        # Formats are asserted, as promptfoo's Ajv asserts them (see json_formats).
        self.validator = jsonschema.Draft202012Validator(
            schema, registry=Registry(), format_checker=FORMAT_CHECKER
        )

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
        return one_line(text, JSON_REASON_MAX_CHARS)


@register
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


@register
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
                f"Output contains {plural(count, 'JSON value')} but none matches the schema; "
                f"first mismatch {first_problem}."
            )
        return False, f"Output contains no JSON object or array{empty_note(attempt.output)}."
