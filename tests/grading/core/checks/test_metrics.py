"""Tests of grading/core/checks/metrics.py."""

import pytest

from grading.core.checks import build_checks
from grading.core.checks.metrics import parse_numbers, split_sentences
from grading.core.types import RubricError
from tests.grading.core.checks.support import run, run_on_output


def test_count_checks_count_words_characters_and_lines_as_documented():
    output = "  one two\tthree\n\nfour  \n"
    assert run({"type": "min-words", "value": 4}, output).passed
    assert not run({"type": "min-words", "value": 5}, output).passed
    assert run({"type": "max-chars", "value": len(output)}, output).passed
    assert run({"type": "max-lines", "value": 3}, output).passed
    assert run({"type": "min-lines", "value": 3}, output).passed


def test_count_checks_count_unicode_code_points():
    assert run({"type": "max-chars", "value": 2}, "東京").passed
    assert run({"type": "min-words", "value": 2}, "Grüße aus Zürich").passed


def test_count_check_reason_states_the_count_and_the_bound():
    assert run({"type": "max-words", "value": 2}, "a b c").reason == "Output has 3 words (max 2)."
    assert run({"type": "min-lines", "value": 1}, "x").reason == "Output has 1 line (min 1)."


def test_a_zero_bound_is_allowed():
    assert run({"type": "max-words", "value": 0}, " \n").passed
    assert run({"type": "min-chars", "value": 0}, "").passed


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("One. Two! Three?", 3),
        ("Pi is 3.14 and the site is example.com", 1),
        ('He said "Stop." Then left.', 2),
        ("No punctuation at all", 1),
        ("Wait... what?!", 2),
        ("東京です。大阪です。", 2),
        ("Title\n\nBody text without a full stop", 2),
        ("- \n. . !", 0),
        ("", 0),
    ],
)
def test_sentences_are_split_on_terminal_punctuation_and_blank_lines(text, count):
    assert len(split_sentences(text)) == count


def test_sentence_splitting_stays_linear_on_long_punctuation_runs():
    assert len(split_sentences("." * 200_000 + "x" + "!'" * 50_000 + "y")) == 1


def test_terms_match_whole_words_ignoring_case():
    entry = {"type": "required-terms", "value": ["cat"]}
    assert run_on_output(entry, "A CAT.").passed
    assert not run_on_output(entry, "concatenate, cats").passed


def test_terms_are_unicode_aware():
    assert run_on_output({"type": "required-terms", "value": ["café"]}, "Un CAFE\u0301 noir").passed
    assert run_on_output({"type": "required-terms", "value": ["STRASSE"]}, "die Straße").passed
    assert run_on_output({"type": "required-terms", "value": ["東京"]}, "首都は東京です").passed
    assert not run_on_output({"type": "required-terms", "value": ["über"]}, "überall").passed


def test_phrases_match_across_any_whitespace():
    assert run_on_output(
        {"type": "required-terms", "value": ["light energy"]}, "light\n  energy"
    ).passed


def test_required_terms_score_is_the_share_present():
    entry = {"type": "required-terms", "value": ["a", "b", "c", "d"]}
    result = run_on_output(entry, "a and c")
    assert (result.passed, result.score) == (False, 0.5)
    assert result.reason == "Output is missing 'b', 'd' (2 of 4 required terms used)."
    assert result.details == {"missing": ["b", "d"]}


def test_banned_terms_score_is_the_share_absent():
    result = run_on_output({"type": "banned-terms", "value": ["x", "y", "z", "w"]}, "x marks")
    assert (result.passed, result.score) == (False, 0.75)
    assert result.reason == "Output uses banned term(s) 'x'."
    assert run_on_output({"type": "not-banned-terms", "value": ["x", "y"]}, "x").score == 0.5


def test_a_single_term_may_be_a_string():
    assert (
        run_on_output({"type": "banned-terms", "value": "as an AI"}, "As an AI model").score == 0.0
    )


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1,234.5 and 12,345,678", [1234.5, 12345678]),
        ("-3, −7 and +4", [-3, -7, 4]),
        ("1e3 or 2.5E-2 or .5", [1000, 0.025, 0.5]),
        ("ages 3-5", [3, 5]),
        ("H2O v2 x86", []),
        ("1,2,3", [1, 2, 3]),
        ("42%, 42nd, $42", [42, 42, 42]),
        ("1e999", []),
        ("no numbers", []),
    ],
)
def test_parse_numbers(text, numbers):
    assert parse_numbers(text) == numbers


def test_numeric_takes_the_last_number_by_default():
    result = run_on_output({"type": "numeric", "value": 12}, "3 boxes of 4 make 12.")
    assert (result.passed, result.reason) == (True, "Answer 12 equals 12.")
    assert result.details == {"answer": 12.0}


def test_numeric_pattern_reads_the_first_group_of_the_first_match():
    entry = {"type": "numeric", "value": 7, "pattern": r"(?i)final answer:\s*([^\n]*)"}
    assert run_on_output(entry, "Try 3, then 4.\nFinal answer: 7 apples\nCheck: 3 + 4").passed
    result = run_on_output(entry, "I think 7")
    assert result.reason.startswith("Output does not match ")
    result = run_on_output(entry, "Final answer: seven")
    assert result.reason == "Output has no number in 'seven'."


def test_numeric_tolerances():
    assert run_on_output(
        {"type": "numeric", "value": 3.14159, "tolerance": 0.01}, "pi ≈ 3.14"
    ).passed
    assert not run_on_output(
        {"type": "numeric", "value": 3.14159, "tolerance": 0.001}, "3.14"
    ).passed
    entry = {"type": "numeric", "value": -200, "relative_tolerance": 0.05}
    assert run_on_output(entry, "−210").passed
    assert not run_on_output(entry, "−211").passed
    result = run_on_output(entry, "-250")
    assert result.reason == "Answer -250 is not within tolerance of -200 (±0.05×value)."


def test_numeric_fails_when_there_is_no_number():
    result = run_on_output({"type": "numeric", "value": 1}, "")
    assert result.reason == "Output has no number (the output is empty)."


@pytest.mark.parametrize(
    ("value", "output", "passed"),
    [
        (3, "one two three", True),
        (3, "  one\ttwo\n\nthree  ", True),
        (3, "one two", False),
        ("2", "one two", True),
        ({"min": 2}, "one two three", True),
        ({"max": 2}, "one two three", False),
        ({"min": 1, "max": 3}, "one two three", True),
        ({"min": 1, "max": 3}, "", False),
        (0, "", True),
    ],
)
def test_word_count_counts_like_promptfoo(value, output, passed):
    assert run({"type": "word-count", "value": value}, output).passed is passed


@pytest.mark.parametrize("value", [-1, 1.5, {"min": 3, "max": 1}, {}, {"least": 1}, "many", True])
def test_a_bad_word_count_is_a_rubric_error(value):
    with pytest.raises(RubricError):
        build_checks([{"type": "word-count", "value": value}])
