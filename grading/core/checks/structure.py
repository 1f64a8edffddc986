"""Structure checks: JSON (with JSON Schema), XML, SQL, Markdown tables and CSV.

Markdown code fences: ``is-json`` and ``is-xml`` follow promptfoo and do *not* strip them (a
fenced answer fails, with a hint); ``contains-json``/``contains-xml`` find fenced content like
any other; ``is-sql`` and ``is-csv`` strip one fence that wraps the whole output (```` ```sql ````
or a bare ```` ``` ````), because that is how models answer "give me the query" and the learner
is not being tested on fences there (promptfoo's ``is-sql`` would fail a fenced query).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import jsonschema
import sqlglot
from defusedxml import DefusedXmlException
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.exceptions import Unresolvable
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from grading.core.checks.base import (
    JSON_REASON_MAX_CHARS,
    NAME_SNIPPET_CHARS,
    Check,
    empty_note,
    one_line,
    plural,
    quote,
    quote_list,
    register,
    require_int,
    require_str,
    require_str_list,
    show,
)
from grading.core.types import Attempt, RubricError, Verdict

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
                one_line(f"invalid JSON schema at {where}: {exc.message}", JSON_REASON_MAX_CHARS)
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


# --------------------------------------------------------------------------------------------
# Markdown code fences

_WHOLE_OUTPUT_FENCE = re.compile(r"\A```[^\n`]*\n(.*?)\n?```[ \t]*\Z", re.DOTALL)


def strip_fence(text: str) -> tuple[str, bool]:
    """Return ``text`` stripped and, if one code fence wraps all of it, the fence's content.

    The second item says whether a fence was removed. Only a fence around the whole output
    counts: prose before or after it leaves the text as it is.
    """
    stripped = text.strip()
    match = _WHOLE_OUTPUT_FENCE.match(stripped)
    if match is None:
        return stripped, False
    return match.group(1).strip(), True


def _fence_note(fenced: bool) -> str:
    return " (inside a Markdown code fence)" if fenced else ""


# --------------------------------------------------------------------------------------------
# XML checks

CONTAINS_XML_MAX_INPUT_CHARS = 100_000
"""``contains-xml`` only looks for XML in the first this-many characters of the output."""

CONTAINS_XML_MAX_CANDIDATES = 200
"""``contains-xml`` parses at most this many candidate elements."""

XML_TAG_LOOKBACK = 64
"""``contains-xml`` matches a closing tag with one of the last this-many unclosed tags only."""

_XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w.\-:]*)(?:\s[^<>]*)?/?>")


class _NotXml(Exception):
    """Internal: the text is not well-formed (or not acceptable) XML; the message says why."""


def _parse_xml(text: str) -> ElementTree.Element:
    """Parse ``text`` as one XML document without expanding entities or fetching anything.

    ``defusedxml`` refuses entity declarations (billion laughs, quadratic blowup) and external
    references (XXE); a DOCTYPE without them is accepted. Raises ``_NotXml``.
    """
    try:
        return SafeElementTree.fromstring(text, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _NotXml(
            f"it declares entities or external references, which are refused ({exc})"
        ) from exc
    except ElementTree.ParseError as exc:
        raise _NotXml(str(exc)) from exc
    except (ValueError, RecursionError) as exc:
        raise _NotXml(str(exc) or type(exc).__name__) from exc


def _local_name(tag: object) -> str:
    """Return an element's tag without its ``{namespace}`` (comments and PIs have none)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _has_element_path(root: ElementTree.Element, path: Sequence[str]) -> bool:
    """Whether ``root`` is named ``path[0]`` and has a chain of children named ``path[1:]``."""
    if _local_name(root.tag) != path[0]:
        return False
    level = [root]
    for name in path[1:]:
        level = [child for element in level for child in element if _local_name(child.tag) == name]
        if not level:
            return False
    return True


def _require_element_paths(params: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """Read required element paths from ``required`` (a list) or ``value`` (promptfoo style).

    As in promptfoo, ``value`` may be a comma-separated string or a list; each path is dotted
    from the root element, e.g. ``"answer.reason"``.
    """
    if "required" in params and "value" in params:
        raise RubricError("give the required elements as 'required' or 'value', not both")
    key = "required" if "required" in params else "value"
    if key not in params:
        return ()
    raw = params[key]
    if key == "value" and isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    paths = require_str_list({key: raw}, key)
    parsed: list[tuple[str, ...]] = []
    for path in paths:
        parts = tuple(part.strip() for part in path.split("."))
        if not all(parts):
            raise RubricError(f"{key!r}: {show(path)} is not a dotted element path like 'a.b'")
        parsed.append(parts)
    return tuple(parsed)


class _XmlCheck(Check):
    """Shared parameters of the XML checks: ``root`` and required element paths."""

    allowed = frozenset({"value", "required", "root"})
    required = frozenset()
    what: str

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.paths = _require_element_paths(params)
        self.root = require_str(params, "root", non_empty=True) if "root" in params else None

    @property
    def name(self) -> str:
        details = []
        if self.root is not None:
            details.append(f"root {quote(self.root, NAME_SNIPPET_CHARS)}")
        if self.paths:
            details.append(f"with {quote_list(['.'.join(p) for p in self.paths])}")
        return f"{self.what}{' (' + ', '.join(details) + ')' if details else ''}"

    def _problem(self, root: ElementTree.Element) -> str | None:
        """Return what the parsed document lacks, or None when it meets the requirements."""
        if self.root is not None and _local_name(root.tag) != self.root:
            return (
                f"its root element is {quote(_local_name(root.tag))}, expected {quote(self.root)}"
            )
        missing = [".".join(path) for path in self.paths if not _has_element_path(root, path)]
        if missing:
            return f"it is missing {plural(len(missing), 'element')} {quote_list(missing)}"
        return None


@register
class IsXml(_XmlCheck):
    """Pass when the whole output (whitespace stripped) is one well-formed XML document.

    Optional ``root`` (the root element's name) and required element paths (``required`` list
    or promptfoo's ``value``: ``"answer.reason"`` means a root ``answer`` with a ``reason``
    child). Namespaces are ignored when matching names. Markdown fences are not stripped.
    """

    kind = "is-xml"
    what = "is XML"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = attempt.output.strip()
        if not text:
            return False, "Output is empty, expected XML."
        try:
            root = _parse_xml(text)
        except _NotXml as exc:
            hint = " (it is wrapped in a Markdown code fence)" if text.startswith("```") else ""
            return False, one_line(f"Output is not well-formed XML{hint}: {exc}.")
        problem = self._problem(root)
        if problem is not None:
            return False, one_line(f"Output is well-formed XML but {problem}.")
        return True, f"Output is well-formed XML (root {quote(_local_name(root.tag))})."


def _xml_candidates(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of elements in ``text`` whose tags balance, outermost first."""
    stack: list[tuple[str, int]] = []
    spans: list[tuple[int, int]] = []
    for match in _XML_TAG.finditer(text):
        closing, name = match.group(1) == "/", match.group(2)
        if not closing:
            if match.group(0).endswith("/>"):
                spans.append((match.start(), match.end()))
            else:
                stack.append((name, match.start()))
            continue
        # Look back a bounded number of open tags: an unmatched closing tag must not cost a
        # scan of the whole stack (30,000 "<a>" then "</b>"s would be quadratic).
        for index in range(len(stack) - 1, max(-1, len(stack) - 1 - XML_TAG_LOOKBACK), -1):
            if stack[index][0] == name:
                spans.append((stack[index][1], match.end()))
                del stack[index:]
                break
    spans.sort(key=lambda span: (span[0], -span[1]))
    return spans


@register
class ContainsXml(_XmlCheck):
    """Pass when the output contains a well-formed XML element anywhere (prose, fences…).

    Like promptfoo's ``contains-xml``, balanced tags are found, outermost first, and each is
    parsed on its own. Unlike promptfoo, an element nested in a well-formed element that fails
    the requirements is still tried, so ``root: item`` finds the ``<item>`` of a ``<list>``.
    Only the first ``CONTAINS_XML_MAX_INPUT_CHARS`` characters are searched.
    """

    kind = "contains-xml"
    what = "contains XML"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = attempt.output[:CONTAINS_XML_MAX_INPUT_CHARS]
        spans = _xml_candidates(text)
        first_problem: str | None = None
        tried = 0
        for start, end in spans:
            if tried >= CONTAINS_XML_MAX_CANDIDATES:
                break
            tried += 1
            try:
                root = _parse_xml(text[start:end])
            except _NotXml:
                continue
            problem = self._problem(root)
            if problem is None:
                root_name = quote(_local_name(root.tag))
                return True, f"Output contains well-formed XML (root {root_name})."
            first_problem = first_problem or f"{quote(_local_name(root.tag))}: {problem}"
        if first_problem is not None:
            return False, one_line(
                f"Output contains XML but none meets the requirements; first, {first_problem}."
            )
        if spans:
            return False, "Output contains tags but no well-formed XML element."
        return False, f"Output contains no XML{empty_note(attempt.output)}."


# --------------------------------------------------------------------------------------------
# SQL

SQL_MAX_INPUT_CHARS = 100_000
"""``is-sql`` refuses outputs longer than this (parsing is pure Python and ~3 s per MB)."""

SQL_DEFAULT_DIALECT = "mysql"
"""promptfoo's ``is-sql`` defaults to MySQL syntax; so do we."""

_SQL_STATEMENT_TYPES: Mapping[str, type[exp.Expr]] = {
    "select": exp.Query,  # SELECT, UNION/INTERSECT/EXCEPT, WITH … SELECT
    "insert": exp.Insert,
    "update": exp.Update,
    "delete": exp.Delete,
    "merge": exp.Merge,
    "create": exp.Create,
    "drop": exp.Drop,
    "alter": exp.Alter,
}

# sqlglot happily parses a bare expression ("hello world" is a column with an alias): those are
# not statements, so the output is not SQL.
_SQL_BARE_EXPRESSIONS = (exp.Condition, exp.Alias, exp.Tuple, exp.Star, exp.Identifier)

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _sql_error_text(exc: Exception) -> str:
    """Return the first line of a sqlglot error without its terminal colour codes."""
    lines = _ANSI_ESCAPE.sub("", str(exc)).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@register
class IsSql(Check):
    """Pass when the output parses as one or more SQL statements (``sqlglot``).

    ``dialect`` (default ``mysql``, as promptfoo) is any sqlglot dialect name, e.g. ``postgres``,
    ``sqlite``, ``tsql``. ``statement`` (e.g. ``"select"``) requires every statement to be of
    that type; ``allowed_tables`` (like promptfoo's ``allowedTables``) lists the only tables the
    SQL may reference (case-insensitive; CTE names excluded). One Markdown fence around the
    whole output is stripped (promptfoo does not strip it). sqlglot checks syntax, not that
    names exist; statements it does not model (e.g. ``EXPLAIN``, vendor commands) fail, since
    its fallback for them accepts any text after the keyword.
    """

    kind = "is-sql"
    allowed = frozenset({"dialect", "statement", "allowed_tables"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        dialect = params.get("dialect", SQL_DEFAULT_DIALECT)
        if not isinstance(dialect, str) or not dialect:
            raise RubricError(f"'dialect' must be a sqlglot dialect name, got {show(dialect)}")
        known = sorted(name.lower() for name in sqlglot.dialects.DIALECTS)
        if dialect.lower() not in known:
            listed = ", ".join(known)
            raise RubricError(f"unknown 'dialect' {show(dialect)} (known: {listed})")
        self.dialect = dialect.lower()
        self.statement: str | None = None
        if "statement" in params:
            statement = require_str(params, "statement", non_empty=True).lower()
            if statement not in _SQL_STATEMENT_TYPES:
                raise RubricError(
                    f"'statement' must be one of {', '.join(_SQL_STATEMENT_TYPES)}, "
                    f"got {show(params['statement'])}"
                )
            self.statement = statement
        self.allowed_tables: frozenset[str] | None = None
        if "allowed_tables" in params:
            tables = require_str_list(params, "allowed_tables")
            self.allowed_tables = frozenset(table.lower() for table in tables)

    @property
    def name(self) -> str:
        statement = f" {self.statement.upper()}" if self.statement else ""
        return f"is {self.dialect}{statement} SQL"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        text, fenced = strip_fence(attempt.output)
        if not text:
            return False, f"Output is empty{_fence_note(fenced)}, expected SQL."
        if len(text) > SQL_MAX_INPUT_CHARS:
            return False, f"Output is too long to check as SQL (over {SQL_MAX_INPUT_CHARS} chars)."
        try:
            parsed = sqlglot.parse(text, read=self.dialect)
        except (ParseError, TokenError) as exc:
            return False, one_line(
                f"Output is not valid {self.dialect} SQL{_fence_note(fenced)}: "
                f"{_sql_error_text(exc)}"
            )
        except RecursionError:
            return False, f"Output is not valid {self.dialect} SQL: it is nested too deeply."
        except Exception as exc:  # sqlglot is a large third-party parser fed untrusted text
            return Verdict(
                passed=False,
                reason=one_line(f"The SQL parser failed on the output: {_sql_error_text(exc)}"),
                error=True,
            )
        statements = [statement for statement in parsed if statement is not None]
        if not statements:
            return False, f"Output has no SQL statement{_fence_note(fenced)}."
        return self._judge(statements, fenced)

    def _judge(self, statements: list[exp.Expr], fenced: bool) -> tuple[bool, str]:
        for statement in statements:
            if isinstance(statement, _SQL_BARE_EXPRESSIONS):
                return False, one_line(
                    f"Output is not a SQL statement{_fence_note(fenced)}: "
                    f"{quote(statement.sql())} is only an expression."
                )
            if isinstance(statement, exp.Command):
                # sqlglot's fallback for a statement it cannot parse: any text after a known
                # keyword ("DROP whatever") becomes a Command, so it proves nothing.
                return False, one_line(
                    f"Output is not {self.dialect} SQL that sqlglot can parse{_fence_note(fenced)}:"
                    f" {quote(statement.sql())} is unsupported syntax."
                )
            if isinstance(statement, exp.Select) and not statement.expressions:
                return False, "Output is an incomplete SELECT statement (nothing is selected)."
        if self.statement is not None:
            expected = _SQL_STATEMENT_TYPES[self.statement]
            others = [s for s in statements if not isinstance(s, expected)]
            if others:
                found = others[0].key.upper()
                return False, (
                    f"Output has a {found} statement; only {self.statement.upper()} is expected."
                )
        if self.allowed_tables is not None:
            ctes = {cte.alias_or_name.lower() for s in statements for cte in s.find_all(exp.CTE)}
            used = [
                table.name
                for s in statements
                for table in s.find_all(exp.Table)
                if table.name and table.name.lower() not in ctes
            ]
            unknown = sorted({name for name in used if name.lower() not in self.allowed_tables})
            if unknown:
                return False, f"Output SQL uses table(s) not allowed: {quote_list(unknown)}."
        count = plural(len(statements), "statement")
        return True, f"Output is valid {self.dialect} SQL ({count}){_fence_note(fenced)}."


# --------------------------------------------------------------------------------------------
# Markdown tables and CSV


def _require_optional_count(params: Mapping[str, Any], key: str, default: int | None) -> int | None:
    return require_int(params, key, minimum=0) if key in params else default


def _require_columns(params: Mapping[str, Any]) -> tuple[str, ...]:
    return require_str_list(params, "columns") if "columns" in params else ()


def _check_row_bounds(min_rows: int | None, max_rows: int | None) -> None:
    if min_rows is not None and max_rows is not None and min_rows > max_rows:
        raise RubricError(f"'min_rows' ({min_rows}) is greater than 'max_rows' ({max_rows})")


_TABLE_DELIMITER_CELL = re.compile(r":?-+:?")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _table_cells(line: str) -> list[str] | None:
    """Split a Markdown table row into trimmed cells; None if the line has no unescaped pipe."""
    text = line.strip()
    if not _UNESCAPED_PIPE.search(text) or line.startswith("    "):
        return None
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(text)]


def _markdown_tables(text: str) -> Iterator[tuple[list[str], int]]:
    """Yield (header cells, number of body rows) of each GitHub-flavoured Markdown table."""
    lines = text.splitlines()
    index = 0
    while index + 1 < len(lines):
        header = _table_cells(lines[index])
        delimiter = _table_cells(lines[index + 1]) if header is not None else None
        if (
            header is None
            or delimiter is None
            or len(delimiter) != len(header)
            or not all(_TABLE_DELIMITER_CELL.fullmatch(cell) for cell in delimiter)
        ):
            index += 1
            continue
        index += 2
        rows = 0
        while index < len(lines) and lines[index].strip() and _table_cells(lines[index]):
            rows += 1
            index += 1
        yield header, rows


@register
class IsMarkdownTable(Check):
    """Pass when the output contains a GitHub-flavoured Markdown table meeting the options.

    A table is a header row and a delimiter row (``|---|:--:|``) with the same number of cells,
    then body rows up to the first blank or pipe-less line. Optional ``columns`` (header names
    that must all appear, case-insensitive), ``min_rows`` and ``max_rows`` (body rows). When
    the output has several tables, one meeting every option is enough.
    """

    kind = "is-markdown-table"
    allowed = frozenset({"columns", "min_rows", "max_rows"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.columns = _require_columns(params)
        self.min_rows = _require_optional_count(params, "min_rows", None)
        self.max_rows = _require_optional_count(params, "max_rows", None)
        _check_row_bounds(self.min_rows, self.max_rows)

    @property
    def name(self) -> str:
        columns = f" with columns {quote_list(self.columns)}" if self.columns else ""
        return f"has a Markdown table{columns}"

    def _problem(self, header: list[str], rows: int) -> str | None:
        names = {cell.casefold() for cell in header}
        missing = [column for column in self.columns if column.strip().casefold() not in names]
        if missing:
            return f"lacks column(s) {quote_list(missing)}"
        if self.min_rows is not None and rows < self.min_rows:
            return f"has {plural(rows, 'row')} (min {self.min_rows})"
        if self.max_rows is not None and rows > self.max_rows:
            return f"has {plural(rows, 'row')} (max {self.max_rows})"
        return None

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        first_problem: str | None = None
        count = 0
        for header, rows in _markdown_tables(attempt.output):
            count += 1
            problem = self._problem(header, rows)
            shape = f"{plural(len(header), 'column')} and {plural(rows, 'row')}"
            if problem is None:
                return True, f"Output has a Markdown table with {shape}."
            first_problem = first_problem or f"the first ({shape}) {problem}"
        if first_problem is not None:
            tables = plural(count, "Markdown table")
            return False, one_line(f"Output has {tables} but none fits: {first_problem}.")
        return False, f"Output has no Markdown table{empty_note(attempt.output)}."


@register
class IsCsv(Check):
    """Pass when the whole output (one wrapping code fence stripped) is CSV.

    The first row is the header; every row must have its number of fields, with at least two
    columns unless ``columns`` says otherwise. Quoting follows RFC 4180 (``csv`` module,
    strict). Optional ``columns`` (the exact header, case-insensitive, in order), ``min_rows``
    (data rows after the header, default 1) and ``delimiter`` (one character, default ``,``).
    Blank lines are ignored.
    """

    kind = "is-csv"
    allowed = frozenset({"columns", "min_rows", "delimiter"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.columns = _require_columns(params)
        self.min_rows = require_int(params, "min_rows", minimum=0) if "min_rows" in params else 1
        delimiter = params.get("delimiter", ",")
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
            raise RubricError(f"'delimiter' must be one character, got {show(delimiter)}")
        self.delimiter = delimiter

    @property
    def name(self) -> str:
        columns = f" with columns {quote_list(self.columns)}" if self.columns else ""
        return f"is CSV{columns}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text, fenced = strip_fence(attempt.output)
        if not text:
            return False, f"Output is empty{_fence_note(fenced)}, expected CSV."
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True)
        rows: list[list[str]] = []
        try:
            rows = [row for row in reader if row]
        except csv.Error as exc:
            return False, one_line(f"Output is not valid CSV: {exc} (line {reader.line_num}).")
        width = len(rows[0])
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != width:
                return False, (
                    f"Output is not consistent CSV: row {number} has {plural(len(row), 'field')}, "
                    f"the header has {width}{_fence_note(fenced)}."
                )
        if not self.columns and width < 2:
            return False, "Output is not CSV: it has a single column (at least 2 expected)."
        if self.columns:
            header = [cell.strip().casefold() for cell in rows[0]]
            if header != [column.strip().casefold() for column in self.columns]:
                return False, one_line(
                    f"Output CSV header is {quote_list(rows[0])}, "
                    f"expected {quote_list(self.columns)}."
                )
        data_rows = len(rows) - 1
        if data_rows < self.min_rows:
            return False, f"Output CSV has {plural(data_rows, 'data row')} (min {self.min_rows})."
        shape = f"{plural(width, 'column')}, {plural(data_rows, 'data row')}"
        return True, f"Output is CSV ({shape}){_fence_note(fenced)}."
