"""Tests for grading.core.checks: every check kind, its reasons and its rubric errors."""

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.checks import CHECKS, Check, build_checks
from grading.core.checks.strings import REGEX_MAX_INPUT_CHARS
from grading.core.types import Attempt, CheckResult, JudgeCall, RubricError, Tools


def attempt(output: str = "", prompt: str = "Answer: {{question}}") -> Attempt:
    return Attempt(prompt=prompt, rendered_prompt=prompt, output=output)


def check(entry: dict[str, Any]) -> Check:
    (built,) = build_checks([entry])
    return built


def run(
    entry: dict[str, Any], output: str = "", prompt: str = "Answer: {{question}}"
) -> CheckResult:
    return check(entry).run(attempt(output, prompt))


def rubric_error(entry: Any) -> str:
    with pytest.raises(RubricError) as excinfo:
        build_checks([entry])
    return str(excinfo.value)


# --------------------------------------------------------------------------------------------
# Every kind passes and fails

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city"],
}

PASS_AND_FAIL: list[tuple[dict[str, Any], str, str]] = [
    # (rubric entry, passing output, failing output)
    ({"type": "equals", "value": "Paris"}, "  Paris\n", "Paris."),
    ({"type": "equals", "value": "Paris", "trim": False}, "Paris", " Paris"),
    ({"type": "contains", "value": "Paris"}, "It is Paris.", "It is paris."),
    ({"type": "icontains", "value": "paris"}, "It is PARIS.", "It is Lyon."),
    ({"type": "contains-any", "value": ["Paris", "Lyon"]}, "Lyon!", "Nice!"),
    ({"type": "contains-all", "value": ["Paris", "Lyon"]}, "Lyon, Paris", "Lyon, paris"),
    ({"type": "icontains-any", "value": ["PARIS", "lyon"]}, "paris", "nice"),
    ({"type": "icontains-all", "value": ["PARIS", "lyon"]}, "Lyon & paris", "Lyon & Nice"),
    ({"type": "not-contains", "value": "Paris"}, "It is paris.", "It is Paris."),
    ({"type": "not-icontains", "value": "paris"}, "It is Lyon.", "It is PARIS."),
    ({"type": "starts-with", "value": "Yes"}, "\n  Yes, indeed", "Well, yes"),
    ({"type": "regex", "value": r"\d{3}-\d{4}"}, "Call 555-1234", "Call me"),
    ({"type": "not-regex", "value": r"(?i)as an ai"}, "Sure.", "As an AI, I..."),
    ({"type": "is-json"}, ' {"a": [1, 2]} ', '{"a": [1, 2]'),
    ({"type": "is-json", "schema": SCHEMA}, '{"city": "Paris"}', '{"town": "Paris"}'),
    ({"type": "contains-json"}, 'Here: {"a": 1} ok', "Here: {a: 1} ok"),
    ({"type": "contains-json", "schema": SCHEMA}, 'x {"city": "P"}', 'x {"city": 1}'),
    ({"type": "min-words", "value": 3}, "one two three", "one two"),
    ({"type": "max-words", "value": 2}, "one  two\n", "one two three"),
    ({"type": "min-chars", "value": 3}, "abc", "ab"),
    ({"type": "max-chars", "value": 3}, "abc", "abcd"),
    ({"type": "min-lines", "value": 2}, "a\nb", "a\n"),
    ({"type": "max-lines", "value": 2}, "a\nb\n", "a\nb\nc"),
]


@pytest.mark.parametrize(
    ("entry", "good", "bad"), PASS_AND_FAIL, ids=[entry["type"] for entry, _, _ in PASS_AND_FAIL]
)
def test_each_output_check_passes_on_good_output_and_fails_on_bad(entry, good, bad):
    passed, failed = run(entry, good), run(entry, bad)
    assert (passed.passed, passed.score) == (True, 1.0), passed.reason
    assert (failed.passed, failed.score) == (False, 0.0), failed.reason
    assert passed.kind == failed.kind == entry["type"]


PROMPT_PASS_AND_FAIL: list[tuple[dict[str, Any], str, str]] = [
    ({"type": "prompt-max-chars", "value": 10}, "0123456789", "0123456789!"),
    ({"type": "prompt-has-placeholder", "value": "text"}, "Fix {{ text }}", "Fix {text}"),
    ({"type": "prompt-has-placeholder", "value": ["a", "b"]}, "{{a}}{{b}}", "{{a}} b"),
    ({"type": "prompt-not-contains", "value": "Paris"}, "Name the capital", "Is it PARIS?"),
]


@pytest.mark.parametrize(
    ("entry", "good", "bad"),
    PROMPT_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _ in PROMPT_PASS_AND_FAIL],
)
def test_each_prompt_check_looks_at_the_template_not_the_output(entry, good, bad):
    assert run(entry, output=bad, prompt=good).passed
    assert not run(entry, output=good, prompt=bad).passed


async def _judge_finds_please_polite(call: JudgeCall) -> str:
    """A stand-in judge: the one criterion is met when the quoted output says "please"."""
    met = "please" in call.messages[-1]["content"].lower()
    return json.dumps({"criteria": [{"id": "rubric", "met": met, "evidence": "said please"}]})


JUDGE_TOOLS = Tools(judge=_judge_finds_please_polite, judge_model="judge", seed="s")

TOOL_PASS_AND_FAIL: list[tuple[dict[str, Any], str, str, Tools]] = [
    # (rubric entry, passing output, failing output, tools)
    ({"type": "llm-rubric", "value": "The reply is polite"}, "Please sit.", "Sit.", JUDGE_TOOLS),
]


@pytest.mark.parametrize(
    ("entry", "good", "bad", "tools"),
    TOOL_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _, _ in TOOL_PASS_AND_FAIL],
)
def test_each_tool_check_passes_on_good_output_and_fails_on_bad(entry, good, bad, tools):
    passed = asyncio.run(check(entry).arun(attempt(good), tools))
    failed = asyncio.run(check(entry).arun(attempt(bad), tools))
    assert (passed.passed, passed.score) == (True, 1.0), passed.reason
    assert (failed.passed, failed.score, failed.error) == (False, 0.0, False), failed.reason


def test_every_registered_kind_is_covered_by_the_pass_and_fail_tables():
    covered = {entry["type"] for entry, _, _ in PASS_AND_FAIL + PROMPT_PASS_AND_FAIL}
    covered |= {entry["type"] for entry, _, _, _ in TOOL_PASS_AND_FAIL}
    assert {kind.removeprefix("not-") for kind in covered} == set(CHECKS)


def test_registry_keys_match_each_classes_kind():
    assert all(cls.kind == kind for kind, cls in CHECKS.items())


def test_prompt_not_contains_ignores_the_rendered_prompt_with_variables_filled_in():
    result = check({"type": "prompt-not-contains", "value": "Paris"}).run(
        Attempt(prompt="Capital of {{country}}?", rendered_prompt="Paris?", output="Paris")
    )
    assert result.passed


# --------------------------------------------------------------------------------------------
# Semantics (promptfoo-compatible where the names overlap)


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


def test_is_json_does_not_strip_markdown_fences_like_promptfoo():
    fenced = '```json\n{"a": 1}\n```'
    result = run({"type": "is-json"}, fenced)
    assert not result.passed
    assert "Markdown code fence" in result.reason


def test_contains_json_finds_json_inside_markdown_fences():
    fenced = 'Sure! Here it is:\n```json\n{"city": "Paris", "population": 2102650}\n```\nBye.'
    assert run({"type": "contains-json", "schema": SCHEMA}, fenced).passed


def test_contains_json_skips_bracketed_prose_before_the_json():
    output = 'Answer [see below] {not json} then {"city": "Paris"}'
    assert run({"type": "contains-json", "schema": SCHEMA}, output).passed


def test_contains_json_passes_when_any_embedded_value_matches_the_schema():
    output = 'First {"town": "x"} then {"city": "Paris"}'
    assert run({"type": "contains-json", "schema": SCHEMA}, output).passed


def test_contains_json_reports_the_first_schema_mismatch_when_none_matches():
    result = run({"type": "contains-json", "schema": SCHEMA}, '{"city": 1} {"city": 2}')
    assert not result.passed
    assert result.reason.startswith("Output contains 2 JSON values but none matches the schema")
    assert "$.city: 1 is not of type 'string'" in result.reason


def test_contains_json_ignores_bare_json_scalars():
    assert not run({"type": "contains-json"}, 'The answer is 42 or "x" or true').passed


def test_contains_json_accepts_arrays():
    assert run({"type": "contains-json"}, "values: [1, 2, 3]").passed


def test_is_json_accepts_any_json_value_including_scalars():
    assert run({"type": "is-json"}, "42").passed
    assert run({"type": "is-json"}, '"text"').passed


def test_is_json_rejects_nan_and_infinity_which_json_does_not_allow():
    result = run({"type": "is-json"}, '{"a": NaN}')
    assert not result.passed
    assert "NaN" in result.reason
    assert not run({"type": "contains-json"}, '{"a": Infinity}').passed


def test_is_json_reason_gives_the_parse_error_line_and_column():
    result = run({"type": "is-json"}, '{\n  "a": 1,\n  "b" 2\n}')
    assert result.reason == (
        "Output is not valid JSON: Expecting ':' delimiter at line 3 column 7."
    )


def test_is_json_reason_gives_the_schema_error_path_and_message():
    result = run({"type": "is-json", "schema": SCHEMA}, '{"city": "Paris", "population": "2M"}')
    assert result.reason == (
        "Output JSON does not match the schema at $.population: '2M' is not of type 'integer'."
    )


def test_json_schema_paths_quote_keys_that_are_not_identifiers():
    schema = {"type": "object", "properties": {"a b": {"type": "array", "items": {"type": "null"}}}}
    result = run({"type": "is-json", "schema": schema}, '{"a b": [null, 0]}')
    assert '$["a b"][1]: 0 is not of type' in result.reason


def test_json_reasons_stay_one_line_and_at_most_200_characters():
    huge = json.dumps({"city": ["x" * 50] * 100})
    result = run({"type": "is-json", "schema": SCHEMA}, huge)
    assert not result.passed
    assert "\n" not in result.reason
    assert len(result.reason) <= 201


def test_is_json_reports_deeply_nested_json_without_crashing():
    result = run({"type": "is-json"}, "[" * 100_000 + "]" * 100_000)
    assert not result.passed
    assert "nested too deeply" in result.reason


def test_json_schema_refs_to_urls_are_never_fetched():
    schema = {"$ref": "https://example.com/schema.json"}
    result = run({"type": "is-json", "schema": schema}, "{}")
    assert not result.passed
    assert "unresolvable reference" in result.reason


def test_json_schema_local_refs_resolve():
    schema = {"$defs": {"name": {"type": "string"}}, "properties": {"n": {"$ref": "#/$defs/name"}}}
    assert run({"type": "is-json", "schema": schema}, '{"n": "x"}').passed
    assert not run({"type": "is-json", "schema": schema}, '{"n": 1}').passed


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


# --------------------------------------------------------------------------------------------
# Empty output


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


# --------------------------------------------------------------------------------------------
# Names and reasons


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


# --------------------------------------------------------------------------------------------
# Properties


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


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4), st.text(max_size=40))
def test_contains_all_implies_contains_any(values, output):
    if run({"type": "contains-all", "value": values}, output).passed:
        assert run({"type": "contains-any", "value": values}, output).passed


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=5), children, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_serialised_json_always_passes_is_json(value):
    assert run({"type": "is-json"}, json.dumps(value)).passed


@given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=3), st.text(max_size=20))
def test_contains_json_finds_an_object_after_any_prose_without_brackets(obj, prose):
    prose = prose.replace("{", "(").replace("[", "(")
    assert run({"type": "contains-json"}, f"{prose}\n```json\n{json.dumps(obj)}\n```").passed


# --------------------------------------------------------------------------------------------
# Rubric errors


def test_build_checks_builds_checks_in_order_with_their_weights():
    built = build_checks(
        [{"type": "icontains", "value": "paris", "weight": 2}, {"type": "max-words", "value": 50}]
    )
    assert [(c.kind, c.weight) for c in built] == [("icontains", 2.0), ("max-words", 1.0)]


def test_build_checks_accepts_an_empty_rubric():
    assert build_checks([]) == []


def test_rubric_error_is_a_value_error():
    assert issubclass(RubricError, ValueError)


def test_rubric_errors_name_the_check_number_and_type():
    with pytest.raises(RubricError) as excinfo:
        build_checks([{"type": "contains", "value": "x"}, {"type": "regex", "value": "[a"}])
    assert str(excinfo.value) == (
        "check 2 (regex): invalid pattern: unterminated character set at position 0"
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
        ({"type": "contains", "value": 3}, "'value' must be a string, got int"),
        ({"type": "equals", "value": None}, "'value' must be a string, got NoneType"),
        ({"type": "equals", "value": "x", "trim": "yes"}, "'trim' must be true or false"),
        ({"type": "contains-any", "value": []}, "must be a non-empty list of non-empty strings"),
        ({"type": "contains-all", "value": "a,b"}, "must be a non-empty list of non-empty strings"),
        ({"type": "icontains-any", "value": ["a", ""]}, "item 2 is ''"),
        ({"type": "icontains-all", "value": ["a", 1]}, "item 2 is 1"),
        ({"type": "regex", "value": "(?P<x"}, "check 1 (regex): invalid pattern: "),
        ({"type": "not-regex", "value": "*"}, "check 1 (not-regex): invalid pattern: nothing"),
        ({"type": "regex", "value": ""}, "'value' must not be empty"),
        ({"type": "regex", "value": "x", "flags": "g"}, "unsupported flag(s) 'g'"),
        ({"type": "regex", "value": "x", "flags": 1}, "'flags' must be a string"),
        ({"type": "is-json", "schema": {"type": "wat"}}, "check 1 (is-json): invalid JSON schema"),
        ({"type": "contains-json", "schema": {"minLength": -1}}, "invalid JSON schema at"),
        ({"type": "is-json", "schema": "object"}, "'schema' must be a JSON object, got str"),
        (
            {"type": "is-json", "value": {}},
            "unknown parameter(s) 'value' (allowed: schema, weight)",
        ),
        ({"type": "max-words", "value": -1}, "'value' must be an integer >= 0, got -1"),
        ({"type": "min-chars", "value": 2.5}, "'value' must be an integer >= 0"),
        ({"type": "max-lines", "value": True}, "'value' must be an integer >= 0"),
        ({"type": "min-words", "value": "3"}, "'value' must be an integer >= 0"),
        ({"type": "prompt-max-chars", "value": 0}, "'value' must be an integer >= 1, got 0"),
        ({"type": "prompt-has-placeholder", "value": "a b"}, "'a b' is not a valid placeholder"),
        ({"type": "prompt-has-placeholder", "value": "{{x}}"}, "is not a valid placeholder"),
        ({"type": "prompt-has-placeholder", "value": []}, "must be a non-empty list"),
        ({"type": "prompt-not-contains", "value": ""}, "'value' must not be empty"),
    ],
)
def test_bad_rubric_entries_raise_clear_rubric_errors(entry, message):
    assert message in rubric_error(entry)


def test_rubric_errors_are_one_line():
    message = rubric_error({"type": "is-json", "schema": {"type": "wat\nwat"}})
    assert "\n" not in message


def test_checks_can_be_constructed_directly_with_keyword_parameters():
    contains = CHECKS["contains"](value="Paris", weight=3)
    assert contains.weight == 3.0
    assert contains.run(attempt("Paris")).passed
    with pytest.raises(RubricError, match="'value' must not be empty"):
        CHECKS["contains"](value="")


def test_checks_are_reusable_across_attempts():
    contains = check({"type": "contains", "value": "a"})
    assert [contains.run(attempt(o)).passed for o in ("a", "b", "a")] == [True, False, True]
