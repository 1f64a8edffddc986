"""Tests of grading/core/checks/htmlmarkup.py (promptfoo's own verdicts on many more cases are
replayed by tests/grading/test_promptfoo_verdicts.py)."""

import pytest

from tests.grading.core.checks.support import run_on_output


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        ("<p>Hello</p>", True),
        ("  <!DOCTYPE html><html><body><h1>Hi</h1></body></html>\n", True),
        ('<div class="card"><img src="a.png" alt=""></div>', True),
        ("<br/>", True),
        ("Hello <b>world</b>", False),
        ("<p>Hello</p> and more text", False),
        ('<?xml version="1.0"?><note>x</note>', False),
        ("<note><to>Tove</to></note>", False),
        ("```html\n<p>x</p>\n```", False),
        ("", False),
    ],
)
def test_is_html_follows_promptfoos_definition(output, passed):
    assert run_on_output({"type": "is-html"}, output).passed is passed


def test_a_long_output_is_not_parsed_and_is_not_html():
    from grading.core.checks.htmlmarkup import HTML_MAX_INPUT_CHARS

    result = run_on_output({"type": "is-html"}, "<p>" + "x" * HTML_MAX_INPUT_CHARS + "</p>")
    assert not result.passed
    assert "longer than" in result.reason


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        ("Use <b>bold</b> here.", True),
        ("<!DOCTYPE html>", True),
        ("a < b and c > d", False),
        ("&amp;", False),
        ("", False),
    ],
)
def test_contains_html_counts_promptfoos_indicators(output, passed):
    assert run_on_output({"type": "contains-html"}, output).passed is passed
