"""Structure checks: JSON, optionally validated against a JSON Schema.

Markdown code fences: ``is-json`` (and ``is-xml`` in ``markup.py``) follow promptfoo and do *not*
strip them (a fenced answer fails, with a hint); ``contains-json``/``contains-xml`` find fenced
content like any other; ``is-sql`` and ``is-csv`` strip one fence that wraps the whole output
(```` ```sql ```` or a bare ```` ``` ````), because that is how models answer "give me the query"
and the learner is not being tested on fences there (promptfoo's ``is-sql`` would fail a fenced
query). XML, SQL and tables live in ``markup.py``, ``sql.py`` and ``tables.py``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jsonschema
import yaml
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
    require_bool,
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


def _is_escaped(line: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and line[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def slash_comments_to_hash(text: str) -> str:
    """``// comment`` outside quotes as ``# comment``, line by line (promptfoo's
    ``convertSlashCommentsToHash``; a token holding ``://`` is a URL, not a comment)."""
    lines = []
    for line in text.split("\n"):
        state, result, i = "normal", [], 0
        while i < len(line):
            char, following = line[i], line[i + 1 : i + 2]
            previous = line[i - 1] if i > 0 else ""
            if state == "normal":
                if char == "'" and not _ascii_letter(previous):
                    state = "single"
                elif char == '"':
                    state = "double"
                elif char == "/" and following == "/":
                    token_start = next(
                        (j + 1 for j in range(i - 1, -1, -1) if line[j].isspace()), 0
                    )
                    if "://" not in line[token_start : i + 2]:
                        slashes = len(line[i:]) - len(line[i:].lstrip("/"))
                        result.append("#" * (slashes // 2) + line[i + slashes :])
                        break
            elif state == "single":
                if char == "'" and not _is_escaped(line, i) and not _ascii_letter(following):
                    state = "normal"
            elif char == '"' and not _is_escaped(line, i):
                state = "normal"
            result.append(char)
            i += 1
        lines.append("".join(result))
    return "\n".join(lines)


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader reading scalars as YAML 1.2 does, as js-yaml does: ``yes`` and
    ``on`` are strings, ``1e3`` is a number."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def _load_object(candidate: str) -> dict[str, Any] | None:
    """``candidate`` (text from a ``{``) as a mapping: JSON, else a YAML flow mapping such as
    ``{'a': 1}`` or ``{a: 1}`` (promptfoo loads it with js-yaml); None if it is neither."""
    try:
        value = json.loads(candidate, parse_constant=_reject_constant)
    except (ValueError, RecursionError, _NotJson):
        if "&" in candidate and "*" in candidate:
            return None  # YAML anchors and aliases can expand without bound: never expanded
        try:
            value = yaml.load(slash_comments_to_hash(candidate), Loader=_Yaml12Loader)
        except (yaml.YAMLError, ValueError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


def _iter_embedded_json(text: str) -> Iterator[Any]:
    """Yield each JSON object embedded in ``text``, left to right, as promptfoo's
    ``extractJsonObjects`` finds them (so arrays alone are not JSON here, as there).

    From each ``{``: the text up to the ``}`` that balances it (braces counted without regard
    to strings, as promptfoo counts them), or, when none does, all the rest with the missing
    ``}`` added; parsed as JSON or a YAML flow mapping. After an object, the search resumes
    behind it. Bounded by ``CONTAINS_JSON_MAX_INPUT_CHARS`` and ``CONTAINS_JSON_MAX_CANDIDATES``.
    """
    text = text[:CONTAINS_JSON_MAX_INPUT_CHARS]
    braces = [(match.start(), match.group(0)) for match in re.finditer(r"[{}]", text)]
    closing: dict[int, int] = {}
    unclosed_after: dict[int, int] = {}
    stack: list[int] = []
    for position, brace in braces:
        if brace == "{":
            stack.append(position)
        elif stack:
            closing[stack.pop()] = position
    for depth, position in enumerate(stack, start=1):  # never closed: count those after it
        unclosed_after[position] = len(stack) - depth + 1
    resume, attempts = 0, 0
    for position, brace in braces:
        if brace != "{" or position < resume or attempts >= CONTAINS_JSON_MAX_CANDIDATES:
            continue
        if position == len(text) - 1:
            break  # promptfoo reads from the character after the brace: nothing to read
        attempts += 1
        if position in closing:
            end = closing[position] + 1
            candidate = text[position:end]
        else:
            end = len(text)
            candidate = text[position:] + "}" * unclosed_after[position]
        value = _load_object(candidate)
        if value is not None:
            yield value
            resume = end


def _iter_embedded_arrays(text: str) -> Iterator[Any]:
    """Yield each JSON array embedded in ``text`` (strict JSON), left to right, not nested ones."""
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    text = text[:CONTAINS_JSON_MAX_INPUT_CHARS]
    start, attempts = text.find("["), 0
    while start != -1 and attempts < CONTAINS_JSON_MAX_CANDIDATES:
        attempts += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError, _NotJson):
            start = text.find("[", start + 1)
            continue
        yield value
        start = text.find("[", end)


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
    """Pass when the output contains a JSON object anywhere, e.g. in a fenced block, found as
    promptfoo finds them (``_iter_embedded_json``).

    With a ``schema``, passes when any embedded object validates against it (as promptfoo's
    ``contains-json`` does); the reason then reports the first one's schema error. ``arrays``
    (a Promptcraft extension, default false) also counts JSON arrays, for answers such as
    ``["a@b.co"]`` that promptfoo's ``contains-json`` never finds.
    """

    kind = "contains-json"
    allowed = frozenset({"schema", "value", "arrays"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        super()._configure({key: value for key, value in params.items() if key != "arrays"})
        self.arrays = require_bool(params, "arrays", False)

    @property
    def name(self) -> str:
        what = "JSON" if not self.arrays else "a JSON object or array"
        return f"contains {what} matching the schema" if self.validator else f"contains {what}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        first_problem: str | None = None
        count = 0
        found = _iter_embedded_json(attempt.output)
        if self.arrays:
            found = itertools.chain(found, _iter_embedded_arrays(attempt.output))
        what = "JSON object or array" if self.arrays else "JSON object"
        for data in found:
            count += 1
            problem = self._schema_problem(data)
            if problem is None:
                if self.validator is not None:
                    return True, "Output contains JSON matching the schema."
                return True, f"Output contains a {what}."
            first_problem = first_problem or problem
        if first_problem is not None:
            return False, self._reason(
                f"Output contains {plural(count, 'JSON value')} but none matches the schema; "
                f"first mismatch {first_problem}."
            )
        return False, f"Output contains no {what}{empty_note(attempt.output)}."
