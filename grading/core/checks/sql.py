"""SQL checks: ``is-sql`` parses the output with sqlglot in the exercise's dialect.

A Markdown fence that wraps the whole output is stripped first (promptfoo's ``is-sql`` would
fail a fenced query): that is how models answer "give me the query", and the learner is not
being tested on fences there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from grading.core.checks.base import (
    Check,
    empty_note,
    fence_note,
    one_line,
    plural,
    quote,
    quote_list,
    register,
    require_str,
    require_str_list,
    show,
    strip_fence,
)
from grading.core.types import Attempt, RubricError, Verdict

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
            return False, f"Output is empty{fence_note(fenced)}, expected SQL."
        if len(text) > SQL_MAX_INPUT_CHARS:
            return False, f"Output is too long to check as SQL (over {SQL_MAX_INPUT_CHARS} chars)."
        try:
            parsed = sqlglot.parse(text, read=self.dialect)
        except (ParseError, TokenError) as exc:
            return False, one_line(
                f"Output is not valid {self.dialect} SQL{fence_note(fenced)}: "
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
            return False, f"Output has no SQL statement{fence_note(fenced)}."
        return self._judge(statements, fenced)

    def _judge(self, statements: list[exp.Expr], fenced: bool) -> tuple[bool, str]:
        for statement in statements:
            if isinstance(statement, _SQL_BARE_EXPRESSIONS):
                return False, one_line(
                    f"Output is not a SQL statement{fence_note(fenced)}: "
                    f"{quote(statement.sql())} is only an expression."
                )
            if isinstance(statement, exp.Command):
                # sqlglot's fallback for a statement it cannot parse: any text after a known
                # keyword ("DROP whatever") becomes a Command, so it proves nothing.
                return False, one_line(
                    f"Output is not {self.dialect} SQL that sqlglot can parse{fence_note(fenced)}:"
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
        return True, f"Output is valid {self.dialect} SQL ({count}){fence_note(fenced)}."


_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def sql_code_blocks(output: str) -> list[str]:
    """The bodies of the output's fenced blocks labelled ``sql`` or unlabelled (promptfoo's
    ``extractSqlCodeBlocks``); an unclosed block runs to the end."""
    blocks: list[str] = []
    fence: tuple[str, int, bool, list[str]] | None = None  # (character, length, is_sql, body)
    for line in re.split(r"\r\n?|\n", output):
        match = _FENCE_LINE.match(line)
        if fence is None:
            if match is not None:
                marks, info = match.groups()
                language = info.strip().lower()
                fence = (marks[0], len(marks), language in ("", "sql"), [])
            continue
        character, length, is_sql, body = fence
        closing = (
            match is not None
            and match.group(1)[0] == character
            and len(match.group(1)) >= length
            and not match.group(2).strip()
        )
        if closing:
            if is_sql:
                blocks.append("\n".join(body))
            fence = None
            continue
        body.append(line)
    if fence is not None and fence[2]:
        blocks.append("\n".join(fence[3]))
    return blocks


@register
class ContainsSql(IsSql):
    """Pass when the output contains SQL, as promptfoo's ``contains-sql``: its fenced blocks
    labelled ``sql`` (or unlabelled) are each checked as ``is-sql`` checks them, or the whole
    output when it has no such block. Same parameters as ``is-sql``."""

    kind = "contains-sql"

    @property
    def name(self) -> str:
        return "contains " + super().name.removeprefix("is ")

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        candidates = sql_code_blocks(attempt.output) or [attempt.output]
        failure: tuple[bool, str] | Verdict = (
            False,
            f"Output contains no SQL{empty_note(attempt.output)}.",
        )
        for candidate in candidates:
            if not candidate.strip():
                continue
            verdict = super()._evaluate(replace(attempt, output=candidate))
            passed = verdict.passed if isinstance(verdict, Verdict) else verdict[0]
            if passed:
                return True, "Output contains valid SQL."
            failure = verdict
        return failure
