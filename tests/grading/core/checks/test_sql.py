"""Tests of grading/core/checks/sql.py."""

import pytest

from tests.grading.core.checks.support import run_on_output


def test_is_sql_strips_one_fence_and_says_so():
    result = run_on_output({"type": "is-sql"}, "```sql\nSELECT a FROM t;\nSELECT b FROM u;\n```")
    assert result.reason == (
        "Output is valid mysql SQL (2 statements) (inside a Markdown code fence)."
    )


def test_is_sql_rejects_prose_that_sqlglot_reads_as_an_expression():
    result = run_on_output({"type": "is-sql"}, "Hello world")
    assert not result.passed
    assert result.reason == "Output is not a SQL statement: 'Hello AS world' is only an expression."
    assert not run_on_output({"type": "is-sql"}, "42").passed
    assert not run_on_output({"type": "is-sql"}, "SELECT").passed
    assert not run_on_output({"type": "is-sql"}, "-- only a comment").passed


def test_is_sql_fails_statements_sqlglot_only_keeps_as_opaque_commands():
    result = run_on_output({"type": "is-sql"}, "DROP whatever you like")
    assert not result.passed
    assert result.reason.endswith("is unsupported syntax.")


def test_is_sql_reports_where_parsing_failed_on_one_line():
    result = run_on_output({"type": "is-sql"}, "The query is: SELECT * FROM t")
    assert result.reason.startswith("Output is not valid mysql SQL: ")
    assert "Line 1, Col:" in result.reason
    assert "\x1b" not in result.reason


@pytest.mark.parametrize(
    ("dialect", "sql", "valid"),
    [
        ("tsql", "SELECT TOP 5 * FROM t", True),
        ("mysql", "SELECT TOP 5 * FROM t", False),
        ("mysql", "SELECT `name` FROM t", True),
        ("postgres", "SELECT `name` FROM t", False),
        ("postgres", "SELECT 1::int", True),
        ("sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY)", True),
    ],
)
def test_is_sql_checks_the_chosen_dialect(dialect, sql, valid):
    assert run_on_output({"type": "is-sql", "dialect": dialect}, sql).passed is valid


def test_is_sql_statement_type_applies_to_every_statement():
    entry = {"type": "is-sql", "statement": "select"}
    assert run_on_output(entry, "WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION SELECT 2").passed
    result = run_on_output(entry, "SELECT 1; DROP TABLE users")
    assert result.reason == "Output has a DROP statement; only SELECT is expected."


def test_is_sql_allowed_tables_ignore_case_and_cte_names():
    entry = {"type": "is-sql", "allowed_tables": ["Users"]}
    assert run_on_output(entry, "WITH recent AS (SELECT * FROM users) SELECT * FROM recent").passed
    result = run_on_output(entry, "SELECT * FROM USERS u JOIN payments p ON u.id = p.uid")
    assert result.reason == "Output SQL uses table(s) not allowed: 'payments'."


def test_is_sql_refuses_very_long_outputs_without_parsing_them():
    result = run_on_output({"type": "is-sql"}, "SELECT 1;\n" * 20_000)
    assert result.reason == "Output is too long to check as SQL (over 100000 chars)."


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        ("Run this:\n```sql\nSELECT a FROM t\n```\nDone.", True),
        ("```\nSELECT 1\n```", True),  # an unlabelled block counts
        ("```python\nprint(1)\n```\nSELECT a FROM t", False),  # only sql blocks are read
        ("SELECT a FROM t", True),  # no block: the whole output
        ("```sql\nSELEC a\n```\n```sql\nSELECT a FROM t\n```", True),  # any block may pass
        ("```sql\nSELECT a FROM t", True),  # an unclosed block runs to the end
        ("no sql here", False),
    ],
)
def test_contains_sql_reads_sql_blocks_as_promptfoo_does(output, passed):
    assert run_on_output({"type": "contains-sql"}, output).passed is passed
