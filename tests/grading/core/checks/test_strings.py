"""Tests of grading/core/checks/strings.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.checks import CHECKS, build_checks
from grading.core.checks.strings import REGEX_MAX_INPUT_CHARS, parse_comma_separated
from grading.core.types import RubricError
from tests.grading.core.checks.support import (
    SCHEMA,
    attempt,
    check,
    rubric_error,
    run,
    run_on_output,
)


def test_icontains_lowercases_both_sides_like_promptfoo():
    assert run({"type": "icontains", "value": "ÉCOLE"}, "une école").passed
    # lower() rather than casefold(): "ß".lower() is still "ß", as in JavaScript.
    assert not run({"type": "icontains", "value": "STRASSE"}, "die Straße").passed


def test_contains_is_case_sensitive():
    assert not run({"type": "contains", "value": "Paris"}, "PARIS").passed


def test_contains_matches_unicode_exactly_without_normalising():
    assert run({"type": "contains", "value": "東京"}, "首都は東京です").passed
    assert run({"type": "contains", "value": "🙂"}, "ok 🙂").passed
    decomposed = "cafe\u0301"
    assert not run({"type": "contains", "value": "café"}, decomposed).passed


def test_equals_compares_exact_strings_after_trimming_only_the_output():
    assert not run({"type": "equals", "value": "paris"}, "Paris").passed
    assert not run({"type": "equals", "value": " Paris"}, " Paris").passed
    assert run({"type": "equals", "value": " Paris", "trim": False}, " Paris").passed


def test_equals_accepts_an_empty_value_for_an_expected_empty_output():
    assert run({"type": "equals", "value": ""}, "  \n").passed


def test_starts_with_ignores_leading_whitespace_only():
    assert run({"type": "starts-with", "value": "A:"}, "\n\t A: yes").passed
    assert not run({"type": "starts-with", "value": "A:"}, "> A: yes").passed


def test_regex_uses_search_semantics():
    assert run({"type": "regex", "value": "b+"}, "aaabbbccc").passed


def test_regex_flags_enable_multiline_and_ignorecase():
    output = "Intro\nanswer: 42\nbye"
    assert not run({"type": "regex", "value": r"^ANSWER: \d+$"}, output).passed
    assert run({"type": "regex", "value": r"^ANSWER: \d+$", "flags": "im"}, output).passed


def test_regex_dotall_flag_lets_dot_cross_newlines():
    output = "<b>\nbold\n</b>"
    assert not run({"type": "regex", "value": "<b>.*</b>"}, output).passed
    assert run({"type": "regex", "value": "<b>.*</b>", "flags": "s"}, output).passed


def test_regex_verbose_flag_ignores_pattern_whitespace():
    assert run(
        {"type": "regex", "value": r"\d{3} - \d{4}  # phone", "flags": "x"}, "555-1234"
    ).passed


def test_regex_only_searches_the_first_100000_characters():
    output = "a" * REGEX_MAX_INPUT_CHARS + "needle"
    result = run({"type": "regex", "value": "needle"}, output)
    assert not result.passed
    assert "only the first 100000 characters were searched" in result.reason
    assert run({"type": "not-regex", "value": "needle"}, output).passed


def test_regex_reason_quotes_the_match():
    result = run({"type": "regex", "value": r"\d+"}, "Call 555 now")
    assert result.reason == r"Output matches '\d+' (matched '555')."


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "contains", "value": "x"},
        {"type": "icontains-any", "value": ["x", "y"]},
        {"type": "contains-all", "value": ["x"]},
        {"type": "starts-with", "value": "x"},
        {"type": "regex", "value": "x"},
        {"type": "is-json"},
        {"type": "contains-json"},
        {"type": "min-words", "value": 1},
        {"type": "equals", "value": "x"},
    ],
    ids=lambda entry: entry["type"],
)
def test_positive_checks_fail_on_empty_output_saying_so(entry):
    result = run(entry, "")
    assert not result.passed
    assert "empty" in result.reason or "0 words" in result.reason


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "not-contains", "value": "x"},
        {"type": "not-icontains", "value": "x"},
        {"type": "not-regex", "value": "x"},
        {"type": "max-words", "value": 0},
        {"type": "max-lines", "value": 0},
        {"type": "equals", "value": ""},
    ],
    ids=lambda entry: entry["type"],
)
def test_negative_and_maximum_checks_pass_on_empty_output(entry):
    assert run(entry, "").passed


def test_reasons_read_as_sentences():
    assert (
        run({"type": "contains", "value": "Paris"}, "Paris!").reason == "Output contains 'Paris'."
    )
    assert run({"type": "contains", "value": "Paris"}, "Lyon").reason == (
        "Output does not contain 'Paris'."
    )
    assert run({"type": "icontains", "value": "paris"}, "PARIS").reason == (
        "Output contains 'paris' (ignoring case)."
    )


def test_multi_value_reasons_say_which_values_were_found_or_missing():
    entry = {"type": "contains-all", "value": ["a", "b", "c"]}
    assert run(entry, "a").reason == "Output is missing 'b', 'c' (1 of 3 found)."
    assert run(entry, "cab").reason == "Output contains all 3 values."
    entry = {"type": "contains-any", "value": ["a", "b", "c"]}
    assert run(entry, "c or b").reason == "Output contains 'b', 'c'."
    assert run(entry, "z").reason == "Output contains none of 'a', 'b', 'c'."


def test_long_value_lists_are_abbreviated_in_reasons():
    values = [f"word{i}" for i in range(20)]
    reason = run({"type": "contains-all", "value": values}, "").reason
    assert "and 15 more" in reason


def test_check_names_are_short_and_descriptive():
    assert check({"type": "contains", "value": "Paris"}).name == "contains 'Paris'"
    assert check({"type": "contains-any", "value": ["a", "b"]}).name == "contains any of 'a', 'b'"
    assert check({"type": "max-words", "value": 1}).name == "at most 1 word"
    assert check({"type": "regex", "value": "^x", "flags": "mi"}).name == "matches '^x' (flags im)"
    assert check({"type": "prompt-has-placeholder", "value": "t"}).name == "prompt uses {{t}}"
    assert check({"type": "is-json", "schema": SCHEMA}).name == "is JSON matching the schema"


def test_quoted_output_in_reasons_is_one_line_and_truncated():
    output = "line one\nline two\r\n" + "x" * 1000
    for entry in (
        {"type": "equals", "value": "nope"},
        {"type": "starts-with", "value": "y" * 500},
        {"type": "regex", "value": r"line one\s+line two\s+x+"},
    ):
        result = run(entry, output)
        assert len(result.reason.splitlines()) == 1, result.reason
        assert "x" * 121 not in result.reason
        assert "…" in result.reason


def test_reasons_escape_unusual_line_breaks_and_control_characters():
    output = "a\u2028b\x85c\x00d\u202ee"
    result = run({"type": "equals", "value": "z"}, output)
    assert result.reason.splitlines() == [result.reason]
    assert "\\u2028" in result.reason
    assert "\\x00" in result.reason


def test_long_rubric_values_are_truncated_in_names_and_reasons():
    value = "v" * 500
    result = run({"type": "contains", "value": value}, "nothing")
    assert len(result.name) < 60
    assert len(result.reason) < 100


@given(output=st.text(max_size=300), value=st.text(min_size=1, max_size=300))
def test_reasons_and_names_are_always_a_single_bounded_line(output, value):
    for entry in (
        {"type": "equals", "value": value},
        {"type": "contains", "value": value},
        {"type": "starts-with", "value": value},
        {"type": "contains-all", "value": [value, value + "x"]},
        {"type": "is-json"},
    ):
        result = run(entry, output)
        assert result.reason.splitlines() == [result.reason]
        assert result.name.splitlines() == [result.name]
        assert len(result.reason) <= 301


@given(st.text(max_size=50), st.text(min_size=1, max_size=10), st.text(max_size=50))
def test_contains_passes_whenever_the_value_is_in_the_output(before, value, after):
    assert run({"type": "contains", "value": value}, before + value + after).passed


@given(output=st.text(max_size=60), value=st.text(min_size=1, max_size=5))
def test_not_contains_is_the_negation_of_contains(output, value):
    contains = run({"type": "contains", "value": value}, output)
    not_contains = run({"type": "not-contains", "value": value}, output)
    assert not_contains.passed is not contains.passed
    assert contains.passed is (value in output)


@given(output=st.text(max_size=60), value=st.text(min_size=1, max_size=5))
def test_not_icontains_is_the_negation_of_icontains(output, value):
    icontains = run({"type": "icontains", "value": value}, output)
    assert run({"type": "not-icontains", "value": value}, output).passed is not icontains.passed


@given(
    st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4),
    st.lists(st.text(max_size=8), min_size=1, max_size=5),
    st.randoms(use_true_random=False),
)
def test_contains_all_implies_contains_any(values, noise, random):
    # The output is built to contain every value, so the implication's premise always holds.
    pieces = [*values, *noise]
    random.shuffle(pieces)
    output = " ".join(pieces)
    assert run({"type": "contains-all", "value": values}, output).passed
    assert run({"type": "contains-any", "value": values}, output).passed


def test_build_checks_builds_checks_in_order_with_their_weights():
    built = build_checks(
        [{"type": "icontains", "value": "paris", "weight": 2}, {"type": "max-words", "value": 50}]
    )
    assert [(c.kind, c.weight) for c in built] == [("icontains", 2.0), ("max-words", 1.0)]


def test_rubric_errors_name_the_check_number_and_type():
    with pytest.raises(RubricError) as excinfo:
        build_checks([{"type": "contains", "value": "x"}, {"type": "regex", "value": "[a"}])
    assert str(excinfo.value) == (
        "check 2 (regex): invalid pattern: unterminated character set at position 2"
    )


@pytest.mark.parametrize("rubric", ["contains", {"type": "contains"}, None, 3])
def test_a_rubric_that_is_not_a_list_is_rejected(rubric):
    with pytest.raises(RubricError, match="a rubric must be a list of checks"):
        build_checks(rubric)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("contains", "check 1: must be an object, got str"),
        (["contains"], "check 1: must be an object, got list"),
        ({"value": "x"}, "check 1: missing 'type'"),
        ({"type": 3}, "check 1: 'type' must be a string, got 3"),
        ({"type": "icontain", "value": "x"}, "did you mean 'icontains'?"),
        ({"type": "g-eval", "value": "x"}, "check 1 (g-eval): unknown check type"),
        ({"type": "contains", "value": "x", "weight": 0}, "weight must be a number > 0, got 0"),
        ({"type": "contains", "value": "x", "weight": -1}, "weight must be a number > 0"),
        ({"type": "contains", "value": "x", "weight": "2"}, "weight must be a number > 0"),
        ({"type": "contains", "value": "x", "weight": True}, "weight must be a number > 0"),
        ({"type": "contains", "value": "x", "weight": float("nan")}, "weight must be a number"),
        ({"type": "contains", "value": "x", "weight": float("inf")}, "weight must be a number"),
        ({"type": "contains", "value": "x", "weight": 10**400}, "weight must be a number"),
        ({"type": "contains", "value": "x", "flags": "i"}, "unknown parameter(s) 'flags'"),
        ({"type": "contains"}, "check 1 (contains): missing required parameter(s) 'value'"),
        ({"type": "contains", "value": ""}, "check 1 (contains): 'value' must not be empty"),
        ({"type": "icontains", "value": ""}, "'value' must not be empty"),
        ({"type": "not-contains", "value": ""}, "'value' must not be empty"),
        ({"type": "starts-with", "value": ""}, "'value' must not be empty"),
        ({"type": "contains", "value": True}, "'value' must be a string, got bool"),
        ({"type": "contains", "value": None}, "'value' must be a string, got NoneType"),
        ({"type": "equals", "value": None}, "'value' must be a string, got NoneType"),
        ({"type": "equals", "value": "x", "trim": "yes"}, "'trim' must be true or false"),
        ({"type": "contains-any", "value": []}, "must be a non-empty list of non-empty strings"),
        ({"type": "contains-all", "value": " , ,"}, "'value' must list at least one non-empty"),
        ({"type": "contains-any", "value": '"a'}, "unterminated quoted field in 'value'"),
        ({"type": "contains-any", "value": '"a" b'}, "expected a comma after a quoted field"),
        ({"type": "contains-all", "value": {"a": 1}}, "must be a non-empty list"),
        ({"type": "icontains-any", "value": ["a", ""]}, "item 2 is ''"),
        ({"type": "icontains-all", "value": ["a", None]}, "item 2 is None"),
        ({"type": "regex", "value": "(?P<x"}, "check 1 (regex): invalid pattern: "),
        ({"type": "not-regex", "value": "*"}, "check 1 (not-regex): invalid pattern: nothing"),
        ({"type": "regex", "value": ""}, "'value' must not be empty"),
        ({"type": "regex", "value": "x", "flags": "g"}, "unsupported flag(s) 'g'"),
        ({"type": "regex", "value": "x", "flags": 1}, "'flags' must be a string"),
        ({"type": "is-json", "schema": {"type": "wat"}}, "check 1 (is-json): invalid JSON schema"),
        ({"type": "contains-json", "schema": {"minLength": -1}}, "invalid JSON schema at"),
        ({"type": "is-json", "schema": "object"}, "'schema' must be a JSON object, got str"),
        (
            {"type": "is-json", "value": {}, "schema": {}},
            "give the JSON Schema as 'schema' or as 'value', not both",
        ),
        ({"type": "max-words", "value": -1}, "'value' must be an integer >= 0, got -1"),
        ({"type": "min-chars", "value": 2.5}, "'value' must be an integer >= 0"),
        ({"type": "max-lines", "value": True}, "'value' must be an integer >= 0"),
        ({"type": "min-words", "value": "3"}, "'value' must be an integer >= 0"),
        # Structure
        ({"type": "is-xml", "root": ""}, "'root' must not be empty"),
        ({"type": "is-xml", "required": "a.b"}, "'required' must be a non-empty list"),
        ({"type": "is-xml", "required": ["a..b"]}, "is not a dotted element path"),
        ({"type": "contains-xml", "value": [], "required": ["a"]}, "not both"),
        ({"type": "contains-xml", "value": 3}, "'value' must be a non-empty list"),
        ({"type": "is-sql", "dialect": "oracle9"}, "unknown 'dialect' 'oracle9' (known: "),
        ({"type": "is-sql", "dialect": 3}, "'dialect' must be a sqlglot dialect name"),
        ({"type": "is-sql", "dialect": "mysql, version=8"}, "unknown 'dialect'"),
        ({"type": "is-sql", "statement": "grant"}, "'statement' must be one of select, insert"),
        ({"type": "is-sql", "allowed_tables": []}, "'allowed_tables' must be a non-empty list"),
        ({"type": "is-sql", "value": "x"}, "unknown parameter(s) 'value'"),
        ({"type": "is-markdown-table", "columns": "a"}, "'columns' must be a non-empty list"),
        ({"type": "is-markdown-table", "min_rows": -1}, "'min_rows' must be an integer >= 0"),
        ({"type": "is-markdown-table", "min_rows": 3, "max_rows": 2}, "greater than 'max_rows'"),
        ({"type": "is-csv", "delimiter": ";;"}, "'delimiter' must be one character"),
        ({"type": "is-csv", "delimiter": '"'}, "'delimiter' must be one character"),
        ({"type": "is-csv", "min_rows": 1.5}, "'min_rows' must be an integer >= 0"),
        # Text metrics
        ({"type": "min-sentences", "value": -2}, "'value' must be an integer >= 0"),
        ({"type": "readability"}, "give 'max_grade', 'min_grade' or both"),
        ({"type": "readability", "max_grade": "8"}, "'max_grade' must be a number"),
        ({"type": "readability", "min_grade": 9, "max_grade": 8}, "greater than 'max_grade'"),
        ({"type": "required-terms", "value": []}, "must be a non-empty list"),
        ({"type": "banned-terms", "value": ["ok", "  "]}, "terms must not be blank"),
        ({"type": "language", "value": "english"}, "ISO 639-1 language codes"),
        ({"type": "language", "value": ["en", "xx"]}, "unknown: 'xx'"),
        ({"type": "numeric", "value": "42"}, "'value' must be a number"),
        ({"type": "numeric", "value": 1, "tolerance": -1}, "'tolerance' must be >= 0"),
        ({"type": "numeric", "value": 1, "relative_tolerance": float("nan")}, "finite number"),
        ({"type": "numeric", "value": 1, "pattern": "("}, "invalid 'pattern': "),
        ({"type": "numeric", "value": 1, "flags": "i"}, "'flags' only applies with a 'pattern'"),
        ({"type": "levenshtein", "value": "x", "threshold": -1}, "'threshold' must be an integer"),
        ({"type": "levenshtein", "value": "x", "threshold": 0.5}, "'threshold' must be an integer"),
        ({"type": "rouge-n", "value": ""}, "'value' must not be empty"),
        ({"type": "rouge-n", "value": "  "}, "'value' must contain at least one word"),
        ({"type": "rouge-n", "value": "a", "threshold": 1.5}, "'threshold' must be <= 1"),
        ({"type": "rouge-n", "value": "a", "n": 5}, "'n' must be between 1 and 4"),
        ({"type": "bleu", "value": ["a", " "]}, "references must contain at least one word"),
        ({"type": "bleu", "value": "a", "threshold": -0.1}, "'threshold' must be >= 0"),
        ({"type": "regex", "value": "a{2,1}"}, "invalid pattern: min repeat greater than max"),
        ({"type": "prompt-max-chars", "value": 0}, "'value' must be an integer >= 1, got 0"),
        ({"type": "prompt-has-placeholder", "value": "a b"}, "'a b' is not a valid placeholder"),
        ({"type": "prompt-has-placeholder", "value": "{{x}}"}, "is not a valid placeholder"),
        ({"type": "prompt-has-placeholder", "value": []}, "must be a non-empty list"),
        ({"type": "prompt-not-contains", "value": ""}, "'value' must not be empty"),
    ],
)
def test_bad_rubric_entries_raise_clear_rubric_errors(entry, message):
    assert message in rubric_error(entry)


def test_checks_can_be_constructed_directly_with_keyword_parameters():
    contains = CHECKS["contains"](value="Paris", weight=3)
    assert contains.weight == 3.0
    assert contains.run(attempt("Paris")).passed
    with pytest.raises(RubricError, match="'value' must not be empty"):
        CHECKS["contains"](value="")


def test_checks_are_reusable_across_attempts():
    contains = check({"type": "contains", "value": "a"})
    assert [contains.run(attempt(o)).passed for o in ("a", "b", "a")] == [True, False, True]


def test_a_label_names_the_check_for_learners_whatever_its_type():
    (labelled,) = build_checks(
        [{"type": "not-regex", "value": "(?i)as an ai", "label": "No AI disclaimers"}]
    )
    result = labelled.run(attempt("Sure, here it is."))
    assert (result.name, result.kind, result.passed) == ("No AI disclaimers", "not-regex", True)


@pytest.mark.parametrize("label", [7, "two\nlines", "x" * 121])
def test_a_bad_label_is_a_rubric_error(label):
    with pytest.raises(RubricError, match="'label' must be one line"):
        build_checks([{"type": "contains", "value": "x", "label": label}])


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("a,b", ["a", "b"]),
        (" a , b ,, c,", ["a", "b", "c"]),
        ('"Lyon, France", Paris', ["Lyon, France", "Paris"]),
        ('"say ""hi""", "back\\\\slash \\"q\\""', ['say "hi"', 'back\\slash "q"']),
        ('" padded "', [" padded "]),
        ("one", ["one"]),
    ],
)
def test_comma_separated_values_parse_as_promptfoo_does(text, fields):
    assert parse_comma_separated(text) == fields


def test_contains_any_and_all_accept_a_comma_separated_string():
    assert run_on_output({"type": "contains-any", "value": "Paris, Lyon"}, "in Lyon").passed
    assert not run_on_output({"type": "contains-all", "value": "Paris, Lyon"}, "in Lyon").passed
    assert run_on_output(
        {"type": "icontains-all", "value": '"PARIS, FR", lyon'}, "paris, fr; Lyon"
    ).passed


def test_contains_accepts_a_number_as_its_decimal_text_like_promptfoo():
    assert run_on_output({"type": "contains", "value": 42}, "The answer is 42.").passed
    assert run_on_output({"type": "contains", "value": 2.0}, "2 apples").passed
    assert run_on_output({"type": "contains-any", "value": [1.5, 7]}, "x 1.5").passed


def test_equals_with_a_json_value_compares_parsed_json_like_promptfoo():
    entry = {"type": "equals", "value": {"city": "Paris", "tags": [1, True]}}
    assert run_on_output(entry, ' {"tags": [1, true], "city": "Paris"}\n').passed
    assert not run_on_output(entry, '{"tags": [1, 1], "city": "Paris"}').passed  # true is not 1
    result = run_on_output(entry, "Paris")
    assert result.reason.startswith("Output is not JSON, expected JSON equal to '{")
    assert run_on_output({"type": "not-equals", "value": []}, "not json").passed


def test_negated_string_reasons_read_as_plain_statements():
    result = run_on_output({"type": "not-contains", "value": "x"}, "a x b")
    assert (result.passed, result.reason) == (False, "Output contains 'x'.")
    result = run_on_output({"type": "not-contains-any", "value": ["x", "y"]}, "y")
    assert (result.passed, result.reason) == (False, "Output contains 'y'.")
    result = run_on_output({"type": "not-regex", "value": r"\d"}, "no digits")
    assert (result.passed, result.reason) == (True, r"Output does not match '\d'.")
    assert run_on_output({"type": "not-contains", "value": "x"}, "abc").name == "not contains 'x'"


def test_the_classic_nested_quantifier_does_not_hang_the_regex_engine():
    result = run_on_output({"type": "regex", "value": "(a+)+$"}, "a" * 50 + "b")
    # The `regex` engine short-cuts this one: a plain verdict, no timeout needed.
    assert (result.passed, result.error) == (False, False)


def test_regex_supports_the_flags_on_the_regex_engine():
    output = "Intro\nANSWER: 42\n"
    assert run_on_output({"type": "regex", "value": r"^answer: \d+$", "flags": "im"}, output).passed
    assert not run_on_output(
        {"type": "regex", "value": r"^answer: \d+$", "flags": "m"}, output
    ).passed


@pytest.mark.parametrize(
    ("value", "output", "passed"),
    [
        (42, "42", True),
        (42.0, "42", True),
        (42, " 42\n", True),  # the output is trimmed (a documented difference)
        (42, "42.0", False),  # promptfoo compares String(42) === "42" with the output
        (42, "4.2e1", False),
        (3.5, "3.5", True),
        (-1, "-1", True),
        (1e-7, "1e-7", True),
        (True, "true", True),
        (True, "1", False),
    ],
)
def test_equals_a_number_compares_its_javascript_text_as_promptfoo_does(value, output, passed):
    assert run({"type": "equals", "value": value}, output).passed is passed


def test_starts_with_trim_false_compares_the_output_as_is():
    assert run({"type": "starts-with", "value": "Hi"}, "  Hi there").passed
    assert not run({"type": "starts-with", "value": "Hi", "trim": False}, "  Hi there").passed
    assert run({"type": "starts-with", "value": "Hi", "trim": False}, "Hi there").passed
