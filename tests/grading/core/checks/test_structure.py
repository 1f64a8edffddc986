"""Tests of grading/core/checks/structure.py."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.checks import build_checks
from grading.core.types import RubricError
from tests.grading.core.checks.support import SCHEMA, rubric_error, run


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


def test_contains_json_looks_for_objects_only_as_promptfoo_does():
    assert not run({"type": "contains-json"}, "values: [1, 2, 3]").passed
    assert run({"type": "contains-json"}, 'values: [{"a": 1}]').passed


@pytest.mark.parametrize(
    "output",
    ['Here: {"a": 1', "{'a': 1}", "{a: 1}", '{"a": 1 // why\n}'],
)
def test_contains_json_reads_what_promptfoo_reads(output):
    # an unclosed object is closed, YAML flow mappings and // comments are read (js-yaml)
    assert run({"type": "contains-json"}, output).passed


def test_is_json_accepts_any_json_value_including_scalars():
    assert run({"type": "is-json"}, "42").passed
    assert run({"type": "is-json"}, '"text"').passed


def test_is_json_rejects_nan_and_infinity_which_json_does_not_allow():
    result = run({"type": "is-json"}, '{"a": NaN}')
    assert not result.passed
    assert "NaN" in result.reason
    # promptfoo's js-yaml reads the bare word as a string: an object, so contains-json passes
    assert run({"type": "contains-json"}, '{"a": Infinity}').passed


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


# promptfoo counts braces without regard to strings: keys with braces are left out here.
@given(
    st.dictionaries(
        st.text(max_size=5).filter(lambda key: not set(key) & set("{}")), st.integers(), max_size=3
    ),
    st.text(max_size=20),
)
def test_contains_json_finds_an_object_after_any_prose_without_brackets(obj, prose):
    prose = prose.replace("{", "(").replace("[", "(")
    assert run({"type": "contains-json"}, f"{prose}\n```json\n{json.dumps(obj)}\n```").passed


def test_rubric_errors_are_one_line():
    message = rubric_error({"type": "is-json", "schema": {"type": "wat\nwat"}})
    assert "\n" not in message


def test_is_json_takes_promptfoos_value_as_the_schema():
    schema = {"type": "object", "required": ["name"]}
    assert run({"type": "is-json", "value": schema}, '{"name": "x"}').passed
    assert not run({"type": "is-json", "value": schema}, '{"other": 1}').passed
    assert run({"type": "contains-json", "value": schema}, 'Here: {"name": "x"}').passed
    assert not run({"type": "is-json", "value": '{"type": "array"}'}, "{}").passed


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "is-json", "value": {"type": "object"}, "schema": {"type": "object"}},
        {"type": "is-json", "value": "not json"},
    ],
)
def test_a_bad_is_json_value_is_a_rubric_error(entry):
    with pytest.raises(RubricError):
        build_checks([entry])


def test_contains_json_counts_arrays_when_asked():
    entry = {"type": "contains-json", "arrays": True, "schema": {"type": "array"}}
    assert run(entry, 'Found: ["a@b.co"]').passed
    assert not run({**entry, "arrays": False}, 'Found: ["a@b.co"]').passed
