"""Tests of grading/core/checks/tables.py."""

from tests.grading.core.checks.support import run_on_output


def test_markdown_table_needs_a_delimiter_row_matching_the_header():
    assert not run_on_output({"type": "is-markdown-table"}, "| a | b |\n| 1 | 2 |").passed
    assert not run_on_output({"type": "is-markdown-table"}, "| a | b |\n|---|\n| 1 | 2 |").passed
    assert run_on_output({"type": "is-markdown-table"}, "a | b\n--|--\n1 | 2").passed


def test_markdown_table_cells_may_hold_escaped_pipes():
    table = "| expr | meaning |\n|---|---|\n| a \\| b | or |"
    assert run_on_output(
        {"type": "is-markdown-table", "columns": ["expr", "meaning"]}, table
    ).passed


def test_markdown_table_passes_when_any_table_fits():
    output = "| x |\n|---|\n| 1 |\n\nand\n\n| Name | Score |\n|---|---|\n| a | 1 |\n| b | 2 |"
    entry = {"type": "is-markdown-table", "columns": ["score"], "min_rows": 2}
    assert run_on_output(entry, output).passed
    result = run_on_output({**entry, "min_rows": 3}, output)
    assert result.reason == (
        "Output has 2 Markdown tables but none fits: the first (1 column and 1 row) "
        "lacks column(s) 'score'."
    )


def test_markdown_table_body_stops_at_a_blank_line():
    result = run_on_output({"type": "is-markdown-table"}, "| a |\n|---|\n| 1 |\n\n| 2 |")
    assert result.reason == "Output has a Markdown table with 1 column and 1 row."


def test_is_csv_reports_the_first_inconsistent_row():
    result = run_on_output({"type": "is-csv"}, "a,b,c\n1,2,3\n4,5\n")
    assert result.reason == "Output is not consistent CSV: row 3 has 2 fields, the header has 3."


def test_is_csv_handles_quoted_commas_and_newlines():
    assert run_on_output(
        {"type": "is-csv", "min_rows": 1}, 'name,bio\nBo,"likes tea,\nand cake"\n'
    ).passed


def test_is_csv_refuses_a_single_column_and_broken_quoting():
    assert "single column" in run_on_output({"type": "is-csv"}, "just\nwords\n").reason
    assert run_on_output({"type": "is-csv", "columns": ["word"]}, "word\nhello\n").passed
    assert "not valid CSV" in run_on_output({"type": "is-csv"}, 'a,b\n"x"y,2\n').reason


def test_is_csv_requires_one_data_row_by_default():
    assert not run_on_output({"type": "is-csv"}, "a,b").passed
    assert run_on_output({"type": "is-csv", "min_rows": 0}, "a,b").passed
