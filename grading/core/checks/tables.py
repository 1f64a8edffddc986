"""Table checks: Markdown tables and CSV, with required columns and row bounds.

``is-csv`` strips one Markdown fence that wraps the whole output, like ``is-sql``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

from grading.core.checks.base import (
    Check,
    empty_note,
    fence_note,
    one_line,
    plural,
    quote_list,
    register,
    require_int,
    require_str_list,
    show,
    strip_fence,
)
from grading.core.types import Attempt, RubricError

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
            return False, f"Output is empty{fence_note(fenced)}, expected CSV."
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
                    f"the header has {width}{fence_note(fenced)}."
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
        return True, f"Output is CSV ({shape}){fence_note(fenced)}."
