"""Property-based tests for the string, structure and metric checks.

Every check, on any output (random Unicode, structured noise, empty, 1 MB), returns a result:
it never raises, its reason is one non-empty line, its score is in [0, 1], and an error never
passes. Then properties of single checks: generated CSV, tables, numbers and terms are found."""

import csv
import io
import json
import math
import re
from typing import Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grading.core.checks import (
    CHECKS,
    build_checks,
    htmlmarkup,
    language,
    markup,
    metrics,
    similarity,
    sql,
    strings,
    structure,
    tables,
)
from grading.core.types import Attempt, CheckResult

# One representative rubric entry per kind of the three modules, exercising their options.
SAMPLES: list[dict[str, Any]] = [
    {"type": "equals", "value": "Paris"},
    {"type": "equals", "value": {"a": [1, True, None]}, "trim": False},
    {"type": "contains", "value": "é"},
    {"type": "icontains", "value": "PARIS"},
    {"type": "contains-any", "value": 'a, b, "c, d"'},
    {"type": "contains-all", "value": ["<", ">"]},
    {"type": "icontains-any", "value": ["SELECT", "東京"]},
    {"type": "icontains-all", "value": ["a", "B"]},
    {"type": "starts-with", "value": "{"},
    {"type": "regex", "value": r"^\s*(\d+)[.,]?\d*$", "flags": "m"},
    {"type": "is-json", "schema": {"type": "object", "required": ["a"]}},
    {"type": "contains-json", "schema": {"type": "array"}},
    {"type": "is-xml", "root": "a", "required": ["a.b"]},
    {"type": "is-html"},
    {"type": "contains-html"},
    {"type": "contains-sql"},
    {"type": "word-count", "value": {"min": 1, "max": 50}},
    {"type": "contains-xml", "value": "a"},
    {"type": "is-sql", "dialect": "postgres", "statement": "select", "allowed_tables": ["t"]},
    {"type": "is-markdown-table", "columns": ["a"], "min_rows": 1, "max_rows": 5},
    {"type": "is-csv", "columns": ["a", "b"], "min_rows": 1},
    {"type": "min-words", "value": 2},
    {"type": "max-words", "value": 2},
    {"type": "min-chars", "value": 2},
    {"type": "max-chars", "value": 2},
    {"type": "min-lines", "value": 2},
    {"type": "max-lines", "value": 2},
    {"type": "min-sentences", "value": 2},
    {"type": "max-sentences", "value": 2},
    {"type": "readability", "min_grade": 2, "max_grade": 10},
    {"type": "required-terms", "value": ["a", "東京", "light energy"]},
    {"type": "banned-terms", "value": ["as an AI", "ß"]},
    {"type": "language", "value": ["en", "fr"]},
    {"type": "numeric", "value": 42, "relative_tolerance": 0.01},
    {"type": "numeric", "value": -1.5, "pattern": r"answer: (\S+)", "flags": "i"},
    {"type": "levenshtein", "value": "Paris", "threshold": 2},
    {"type": "rouge-n", "value": "The cat sat on the mat.", "n": 2},
    {"type": "bleu", "value": ["the cat sat on the mat", "a cat was on the mat"]},
]

MODULES = {
    module.__name__
    for module in (strings, structure, markup, htmlmarkup, sql, tables, metrics, language)
}

# The surface-similarity checks need no tools; ``similar`` (embeddings) is tested elsewhere.
SURFACE_SIMILARITY = {"levenshtein", "rouge-n", "bleu"}

CHECKS_UNDER_TEST = [build_checks([entry])[0] for entry in SAMPLES]


def test_the_samples_cover_every_kind_of_the_string_structure_and_metric_modules():
    kinds = {kind for kind, cls in CHECKS.items() if cls.__module__ in MODULES}
    kinds |= SURFACE_SIMILARITY
    assert {entry["type"] for entry in SAMPLES} == kinds


def run_all(output: str) -> list[CheckResult]:
    attempt = Attempt(prompt="p", rendered_prompt="p", output=output)
    return [check.run(attempt) for check in CHECKS_UNDER_TEST]


def assert_well_formed(result: CheckResult) -> None:
    assert result.reason, result
    assert result.reason.splitlines() == [result.reason], result.reason
    assert len(result.reason) <= 301
    assert result.name.splitlines() == [result.name]
    assert 0.0 <= result.score <= 1.0
    assert not (result.error and result.passed)


# Text made of the characters the parsers care about, so that random outputs reach deep paths.
STRUCTURED = st.lists(
    st.sampled_from(
        [
            "<a>", "</a>", "<b/>", "<!DOCTYPE a>", "<!ENTITY x 'y'>", "&x;", "|", "---", ":--",
            ",", ";", '"', "'", "`", "```", "```sql\n", "```json\n", "{", "}", "[", "]", ":",
            "SELECT", "FROM t", "WHERE", "DROP", "1", "-3", "1,234.5", "1e3", "−", ".", "!",
            "?", "\n", "\n\n", " ", "\t", "é", "東京", "ß", "answer:", "the", "cat", "a", "B",
            "\u2028", "\x00", "🙂", "null", "true",
        ]
    ),
    max_size=40,
).map("".join)  # fmt: skip

PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(output=st.text(max_size=200))
def test_every_check_handles_any_unicode_output(output):
    for result in run_all(output):
        assert_well_formed(result)


@PROPERTY_SETTINGS
@given(output=STRUCTURED)
def test_every_check_handles_structured_noise(output):
    for result in run_all(output):
        assert_well_formed(result)


@pytest.mark.parametrize("output", ["", " ", "\n\t \r\n", "\u2028", "\x00"])
def test_every_check_handles_empty_and_blank_output(output):
    for result in run_all(output):
        assert_well_formed(result)
        assert not result.error, result


def test_every_check_handles_a_1_mb_output():
    piece = 'The cat <a>sat</a> | on, the "mat" 1,234.5 SELECT * FROM t; {"a": [1]} é 東京.\n'
    output = (piece * (1_000_000 // len(piece) + 1))[:1_000_000]
    attempt = Attempt(prompt="p", rendered_prompt="p", output=output)
    # A quadratic check shows up here as a hung test; `make bench` measures the time.
    for check in CHECKS_UNDER_TEST[: len(SAMPLES)]:  # the not- forms run the same code
        result = check.run(attempt)
        assert_well_formed(result)
        assert not result.error, result


def test_a_catastrophic_regex_ends_in_an_error_verdict_instead_of_hanging():
    # Without the regex time limit this search would run for longer than the universe's age.
    (check,) = build_checks([{"type": "regex", "value": "(x+x+)+y"}])
    result = check.run(Attempt(prompt="p", rendered_prompt="p", output="x" * 5000))
    assert (result.error, result.passed) == (True, False)
    assert result.reason.startswith("regex timed out after")


def run(entry: dict[str, Any], output: str) -> CheckResult:
    (check,) = build_checks([entry])
    return check.run(Attempt(prompt="p", rendered_prompt="p", output=output))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=50, deadline=None)
@given(JSON_VALUES, st.sampled_from(["json", "JSON", ""]))
def test_fenced_json_fails_is_json_but_objects_pass_contains_json(value, language):
    dumped = json.dumps(value)
    fenced = f"Here you go:\n```{language}\n{dumped}\n```\n"
    assert not run({"type": "is-json"}, fenced).passed
    # promptfoo counts braces without regard to strings, and looks for objects only
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', dumped)
    if isinstance(value, dict) and not any(set(text) & set("{}") for text in strings):
        assert run({"type": "contains-json"}, fenced).passed


LINE = st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=20)


@settings(max_examples=50, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=8), st.data())
def test_a_multiline_regex_anchors_each_line(lines, data):
    chosen = data.draw(st.sampled_from(lines))
    output = "\n".join(lines)
    pattern = "^" + regex.escape(chosen) + "$"
    assert run({"type": "regex", "value": pattern, "flags": "m"}, output).passed
    if len(lines) > 1:
        # Without the m flag, ^ and $ only anchor at the ends of the whole output.
        alone = run({"type": "regex", "value": pattern}, output).passed
        assert alone is (output == chosen)


CELL = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="`")
    | st.sampled_from([",", '"', "\n", " "]),
    max_size=8,
)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda width: st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=2)
    )
)
def test_csv_written_by_the_csv_module_passes_is_csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    result = run({"type": "is-csv"}, f"```csv\n{buffer.getvalue()}```")
    assert result.passed, (result.reason, buffer.getvalue())


HEADER_NAME = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8)

TABLE_CELL = st.text(
    alphabet=st.characters(categories=["L", "N", "Zs", "P"], blacklist_characters="|\\"),
    max_size=8,
)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(HEADER_NAME, min_size=1, max_size=4, unique_by=str.casefold).flatmap(
        lambda header: st.tuples(
            st.just(header),
            st.lists(st.lists(TABLE_CELL, min_size=len(header), max_size=len(header)), max_size=5),
        )
    ),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=30),
)
def test_generated_markdown_tables_are_found_with_their_columns_and_rows(table, prose):
    header, rows = table
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    output = f"{prose}\n\n" + "\n".join(lines) + "\n\nThanks."
    entry = {
        "type": "is-markdown-table",
        "columns": [other_case(name) for name in header],
        "min_rows": len(rows),
        "max_rows": len(rows),
    }
    assert run(entry, output).passed, output


@settings(max_examples=100, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.sampled_from(["{:}", "{:,}", "{:.6e}", "{:,.3f}"]),
    st.booleans(),
)
def test_numeric_finds_a_number_however_it_is_written(number, style, unicode_minus):
    text = style.format(number)
    if unicode_minus:
        text = text.replace("-", "\u2212")
    written = float(style.format(number).replace(",", ""))
    entry = {"type": "numeric", "value": written, "relative_tolerance": 1e-12}
    assert run(entry, f"Let me think. The answer is {text}.").passed, text


def other_case(text: str) -> str:
    """``text`` upper-cased, unless that is not the same word case-folded (Turkish "ı" → "I")."""
    upper = text.upper()
    return upper if upper.casefold() == text.casefold() else text


SEPARATOR = st.characters(categories=["Zs", "Pd", "Ps", "Pe", "Po"])

WORD = st.text(alphabet=st.characters(categories=["Ll", "Lu", "Lo"]), min_size=1, max_size=10)


@settings(max_examples=100, deadline=None)
@given(WORD, st.text(alphabet=SEPARATOR, min_size=1, max_size=3))
def test_a_term_surrounded_by_spaces_or_punctuation_is_found_in_any_case(word, separator):
    output = f"before{separator}{other_case(word)}{separator}after"
    required = run({"type": "required-terms", "value": [word]}, output)
    assert required.passed, output
    assert not run({"type": "banned-terms", "value": [word]}, output).passed


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=100), st.text(min_size=1, max_size=40))
def test_reference_metrics_score_an_exact_copy_1_and_stay_in_range(output, reference):
    if reference.split():
        assert run({"type": "bleu", "value": reference}, reference).score == pytest.approx(1.0)
        assert 0.0 <= run({"type": "bleu", "value": reference}, output).score <= 1.0
    if similarity.treebank_tokens(reference):
        assert run({"type": "rouge-n", "value": reference}, reference).score == pytest.approx(1.0)
    assert run({"type": "levenshtein", "value": reference, "threshold": 0}, reference).passed


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_sentences_are_trimmed_pieces_with_a_word_character(text):
    for sentence in metrics.split_sentences(text):
        assert sentence == sentence.strip()
        assert any(char.isalnum() or char == "_" for char in sentence)
    grade = language.flesch_kincaid_grade(text)
    assert grade is None or math.isfinite(grade[0])
