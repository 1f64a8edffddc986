"""Tests for grading.core.checks: every check kind, its reasons and its rubric errors."""

import asyncio
import json
from collections.abc import Sequence
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
    # Structure
    ({"type": "is-xml"}, "<a><b>1</b></a>\n", "<a><b>1</a></b>"),
    ({"type": "is-xml", "root": "answer"}, "<answer>4</answer>", "<reply>4</reply>"),
    ({"type": "is-xml", "required": ["a.b.c"]}, "<a><b><c/></b></a>", "<a><c/></a>"),
    ({"type": "is-xml", "value": "a.b, a.d"}, "<a><b/><d/></a>", "<a><b/></a>"),
    ({"type": "contains-xml"}, "Sure:\n<a x='1'>hi</a> done", "Sure: a < b > c"),
    ({"type": "contains-xml", "root": "item"}, "<list><item/></list>", "<list><x/></list>"),
    ({"type": "is-sql"}, "SELECT name FROM users WHERE id = 1;", "Select the users named Bob"),
    ({"type": "is-sql"}, "```sql\nSELECT 1;\n```", "SELECT * FROM"),
    ({"type": "is-sql", "statement": "select"}, "SELECT 1", "DELETE FROM users"),
    (
        {"type": "is-sql", "dialect": "postgres", "allowed_tables": ["users"]},
        "SELECT * FROM users",
        "SELECT * FROM users JOIN secrets ON true",
    ),
    ({"type": "is-markdown-table"}, "Here:\n\n| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2"),
    (
        {"type": "is-markdown-table", "columns": ["Name", "AGE"], "min_rows": 2, "max_rows": 2},
        "| name | age |\n| :-- | --: |\n| Bo | 3 |\n| Al | 4 |",
        "| name | age |\n| :-- | --: |\n| Bo | 3 |",
    ),
    ({"type": "is-csv"}, "name,age\nBo,3\n", "name,age\nBo,3,x\n"),
    (
        {"type": "is-csv", "columns": ["name", "age"], "delimiter": ";", "min_rows": 2},
        '```csv\nName;Age\n"Bo; Jr";3\nAl;4\n```',
        "name;age\nBo;3",
    ),
    # Text metrics
    ({"type": "min-sentences", "value": 2}, "One. Two!", "One, two."),
    ({"type": "max-sentences", "value": 1}, "Pi is 3.14 (see example.com).", "One. Two?"),
    (
        {"type": "readability", "max_grade": 6},
        "The cat sat on the mat.",
        "Institutional responsibilities necessitate comprehensive reorganisation.",
    ),
    (
        {"type": "readability", "min_grade": 10},
        "Institutional responsibilities necessitate comprehensive reorganisation.",
        "I am here.",
    ),
    (
        {"type": "required-terms", "value": ["photosynthesis", "light energy"]},
        "Photosynthesis turns LIGHT energy into sugar.",
        "Plants grow.",
    ),
    (
        {"type": "banned-terms", "value": ["as an AI", "cat"]},
        "Concatenate the strings.",
        "As an AI, my cat...",
    ),
    (
        {"type": "language", "value": "fr"},
        "La capitale de la France est Paris, bien sûr.",
        "The capital of France is Paris, of course.",
    ),
    (
        {"type": "language", "value": ["de", "nl"]},
        "Die Hauptstadt von Frankreich ist Paris.",
        "La capital de Francia es París.",
    ),
    ({"type": "numeric", "value": 42}, "6 × 7 = 42.", "6 × 7 = 43."),
    (
        {"type": "numeric", "value": 1234.5, "tolerance": 0.5},
        "Total: 1,234 euros",
        "Total: 1,235.1",
    ),
    ({"type": "numeric", "value": 100, "relative_tolerance": 0.1}, "about 109", "about 111"),
    (
        {"type": "numeric", "value": 5, "pattern": r"Answer:\s*(.*)"},
        "1 2\nAnswer: 5\n9",
        "Answer: 9\n5",
    ),
    ({"type": "levenshtein", "value": "kitten"}, "sitting", "sitting on a mat"),
    ({"type": "levenshtein", "value": "colour", "threshold": 1}, "color", "colr"),
    (
        {"type": "rouge-n", "value": "The cat sat on the mat."},
        "The cat sat on the mat.",
        "Dogs bark",
    ),
    ({"type": "rouge-n", "value": "a b c d", "n": 2}, "a b c d", "d c b a"),
    ({"type": "bleu", "value": "The cat sat on the mat"}, "the cat sat on the mat", "Dogs bark"),
    ({"type": "bleu", "value": ["Paris", "It is Paris"]}, "it is paris", "Lyon"),
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
    (
        {"type": "prompt-few-shot"},
        "Q: 2+2?\nA: 4\nQ: 3*3?\nA: 9\nQ: {{q}}\nA:",
        "Answer the question.\nQ: {{q}}\nA:",
    ),
    ({"type": "prompt-delimits-variables"}, "Fix <text>{{text}}</text>", "Fix {{text}}"),
    ({"type": "prompt-states-role"}, "You are a copy editor. Fix {{text}}", "Fix {{text}}"),
    ({"type": "prompt-specifies-format"}, "Reply in JSON: {{text}}", "Reply to {{text}}"),
    ({"type": "prompt-asks-reasoning"}, "Think step by step: {{q}}", "Answer {{q}}"),
    ({"type": "prompt-max-tokens", "value": 3}, "one two three", "one two three four"),
    ({"type": "prompt-no-leak"}, "Summarise {{text}}", "Summarise: the hidden test sentence"),
]

# What the prompt checks that read tools get: a word counter for a tokenizer, and one secret.
PROMPT_TOOLS = Tools(
    count_tokens=lambda model, text: len(text.split()), secrets=("The hidden test sentence",)
)


@pytest.mark.parametrize(
    ("entry", "good", "bad"),
    PROMPT_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _ in PROMPT_PASS_AND_FAIL],
)
def test_each_prompt_check_looks_at_the_template_not_the_output(entry, good, bad):
    def run_on(output: str, prompt: str) -> CheckResult:
        model_call = Attempt(prompt=prompt, rendered_prompt=prompt, output=output, model="m")
        return check(entry).run(model_call, PROMPT_TOOLS)

    assert run_on(output=bad, prompt=good).passed
    assert not run_on(output=good, prompt=bad).passed


OPERATIONS_PASS_AND_FAIL: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # (rubric entry, metadata of a passing attempt, metadata of a failing attempt)
    ({"type": "latency", "threshold": 1000}, {"latency_ms": 1000}, {"latency_ms": 1001}),
    ({"type": "cost", "threshold": 0.01}, {"cost_usd": 0.01}, {"cost_usd": 0.0100001}),
    (
        {"type": "finish-reason", "value": "stop"},
        {"finish_reason": "stop"},
        {"finish_reason": "length"},
    ),
    (
        {"type": "max-output-tokens", "value": 10},
        {"completion_tokens": 10},
        {"completion_tokens": 11},
    ),
    (
        {"type": "max-total-tokens", "value": 10},
        {"prompt_tokens": 4, "completion_tokens": 6},
        {"prompt_tokens": 5, "completion_tokens": 6},
    ),
]


@pytest.mark.parametrize(
    ("entry", "good", "bad"),
    OPERATIONS_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _ in OPERATIONS_PASS_AND_FAIL],
)
def test_each_operations_check_looks_at_the_call_metadata(entry, good, bad):
    passed = check(entry).run(Attempt(prompt="p", rendered_prompt="p", output="x", **good))
    failed = check(entry).run(Attempt(prompt="p", rendered_prompt="p", output="x", **bad))
    assert (passed.passed, passed.score, passed.error) == (True, 1.0, False), passed.reason
    assert (failed.passed, failed.score, failed.error) == (False, 0.0, False), failed.reason


async def _word_set_embed(model: str, texts: Sequence[str]) -> list[list[float]]:
    """A fake embedding: one dimension per word of a tiny vocabulary."""
    vocabulary = ["cat", "sat", "mat", "revenue", "rose"]
    return [[float(word in text.split()) for word in vocabulary] + [0.01] for text in texts]


FAKE_TOOLS = Tools(embed=_word_set_embed, embedding_model="fake-embeddings")


TOOL_KINDS_TESTED_ELSEWHERE = {
    # Checks whose tool is too heavy to fake in a table; each has its own test file.
    "code-tests": "tests/grading/core/test_code_check.py",
}


async def _judge_finds_please_polite(call: JudgeCall) -> str:
    """A stand-in judge: the one criterion is met when the quoted output says "please"."""
    met = "please" in call.messages[-1]["content"].lower()
    return json.dumps({"criteria": [{"id": "rubric", "met": met, "evidence": "said please"}]})


JUDGE_TOOLS = Tools(judge=_judge_finds_please_polite, judge_model="judge", seed="s")

TOOL_PASS_AND_FAIL: list[tuple[dict[str, Any], str, str, Tools]] = [
    # (rubric entry, passing output, failing output, tools)
    ({"type": "llm-rubric", "value": "The reply is polite"}, "Please sit.", "Sit.", JUDGE_TOOLS),
    (
        {"type": "similar", "value": "cat sat on the mat"},
        "the cat sat on a mat",
        "revenue rose",
        FAKE_TOOLS,
    ),
]


@pytest.mark.parametrize(
    ("entry", "good", "bad", "tools"),
    TOOL_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _, _ in TOOL_PASS_AND_FAIL],
)
def test_each_tool_check_passes_on_good_output_and_fails_on_bad(entry, good, bad, tools):
    passed = asyncio.run(check(entry).arun(attempt(good), tools))
    failed = asyncio.run(check(entry).arun(attempt(bad), tools))
    assert (passed.passed, passed.error) == (True, False), passed.reason
    assert (failed.passed, failed.error) == (False, False), failed.reason
    assert passed.kind == failed.kind == entry["type"]


def test_every_registered_kind_is_covered_by_the_pass_and_fail_tables():
    tables = PASS_AND_FAIL + PROMPT_PASS_AND_FAIL + OPERATIONS_PASS_AND_FAIL
    covered = {entry["type"] for entry, _, _ in tables}
    covered |= {entry["type"] for entry, _, _, _ in TOOL_PASS_AND_FAIL}
    covered |= set(TOOL_KINDS_TESTED_ELSEWHERE)
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
            {"type": "is-json", "value": {}},
            "unknown parameter(s) 'value' (allowed: schema, weight)",
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
