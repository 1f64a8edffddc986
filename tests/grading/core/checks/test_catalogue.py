"""The check catalogue as a whole: every kind passes and fails as documented, rubric
errors name the check, reasons and names read as sentences."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.core.checks import CHECKS, build_checks
from grading.core.types import Attempt, CheckResult, RubricError, Tools
from tests.grading.core.checks.support import (
    OPERATIONS_PASS_AND_FAIL,
    SCHEMA,
    TOOL_PASS_AND_FAIL,
    check,
    run,
)

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
    ({"type": "contains-json"}, 'Here: {"a": 1} ok', "Here: [1, 2] ok"),
    ({"type": "contains-json", "schema": SCHEMA}, 'x {"city": "P"}', 'x {"city": 1}'),
    ({"type": "min-words", "value": 3}, "one two three", "one two"),
    ({"type": "max-words", "value": 2}, "one  two\n", "one two three"),
    ({"type": "min-chars", "value": 3}, "abc", "ab"),
    ({"type": "max-chars", "value": 3}, "abc", "abcd"),
    ({"type": "min-lines", "value": 2}, "a\nb", "a\n"),
    ({"type": "max-lines", "value": 2}, "a\nb\n", "a\nb\nc"),
    # Structure
    ({"type": "is-xml"}, "<a><b>1</b></a>\n", "<a><b>1</a></b>"),
    ({"type": "is-html"}, "<p>Hello</p>", "Hello"),
    ({"type": "contains-html"}, "Here: <p>Hello</p>", "a < b and c > d"),
    ({"type": "contains-sql"}, "Run:\n```sql\nSELECT a FROM t\n```", "```sql\nSELEC a FRM\n```"),
    (
        {
            "type": "is-valid-openai-tools-call",
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        },
        '[{"type": "function", "function": {"name": "f", "arguments": "{}"}}]',
        '[{"type": "function", "function": {"name": "g", "arguments": "{}"}}]',
    ),
    ({"type": "word-count", "value": 2}, "two words", "three words here"),
    ({"type": "word-count", "value": {"min": 2, "max": 3}}, "two words", "one"),
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
    # BLEU floors a zero precision at 1e-7, as promptfoo: a fail scores next to nothing
    assert (failed.passed, failed.score) == (False, pytest.approx(0.0, abs=1e-6)), failed.reason
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


TOOL_KINDS_TESTED_ELSEWHERE = {
    # Checks whose tool is too heavy to fake in a table; each has its own test file.
    "code-tests": "tests/grading/core/checks/test_code.py",
    "python": "tests/grading/core/checks/test_scripts.py",
}


def test_the_files_that_test_those_kinds_exist():
    root = Path(__file__).resolve().parents[4]
    assert all((root / path).is_file() for path in TOOL_KINDS_TESTED_ELSEWHERE.values())


def test_every_registered_kind_is_covered_by_the_pass_and_fail_tables():
    tables = PASS_AND_FAIL + PROMPT_PASS_AND_FAIL + OPERATIONS_PASS_AND_FAIL
    covered = {entry["type"] for entry, _, _ in tables}
    covered |= {entry["type"] for entry, _, _, _ in TOOL_PASS_AND_FAIL}
    covered |= set(TOOL_KINDS_TESTED_ELSEWHERE)
    assert {kind.removeprefix("not-") for kind in covered} == set(CHECKS)


def test_build_checks_accepts_an_empty_rubric():
    assert build_checks([]) == []


def test_rubric_error_is_a_value_error():
    assert issubclass(RubricError, ValueError)


TECHNIQUE_RUBRIC = [
    {"type": "prompt-few-shot"},
    {"type": "prompt-delimits-variables"},
    {"type": "prompt-states-role"},
    {"type": "prompt-specifies-format"},
    {"type": "prompt-asks-reasoning", "final_answer": True},
    {"type": "prompt-max-tokens", "value": 50},
    {"type": "prompt-no-leak"},
    {"type": "not-prompt-few-shot"},
    {"type": "not-prompt-no-leak"},
]


@given(
    prompt=st.text(max_size=400),
    system=st.text(max_size=100),
    secrets=st.lists(st.text(max_size=80), max_size=3),
)
@settings(max_examples=150)
def test_technique_checks_never_raise_and_keep_one_line_reasons(prompt, system, secrets):
    tools = Tools(count_tokens=lambda model, text: len(text), secrets=tuple(secrets))
    attempt = Attempt(
        prompt=prompt, rendered_prompt=prompt, output="", system_prompt=system, model="m"
    )
    for built in build_checks(TECHNIQUE_RUBRIC):
        result = built.run(attempt, tools)
        assert result.reason.splitlines() == [result.reason]
        assert 0 < len(result.reason) <= 301
        assert not result.error


@given(
    st.lists(
        st.sampled_from(
            [
                "Input:",
                "Output:",
                "Q:",
                "A:",
                "<example>",
                "</example>",
                "{{x}}",
                "<t>",
                "</t>",
                '"""',
                "```",
                "###",
                "---",
                "\n",
                "\n\n",
                " ",
                "->",
                "|",
                "|---|---|",
                "You are a",
                "step by step",
                "first",
                "then",
                "As a",
                ",",
                "word",
            ]
        ),
        max_size=60,
    )
)
def test_technique_checks_never_raise_on_prompts_made_of_their_own_cues(pieces):
    prompt = "".join(pieces)
    attempt = Attempt(prompt=prompt, rendered_prompt=prompt, output="", model="m")
    tools = Tools(count_tokens=lambda model, text: 1, secrets=(prompt,))
    for built in build_checks(TECHNIQUE_RUBRIC):
        result = built.run(attempt, tools)
        assert result.reason.splitlines() == [result.reason]


PATHOLOGICAL = {
    "spaces": "x" + " " * 50_000,
    "unclosed tags": "<a>" * 10_000 + "{{x}}" * 2_000,
    "tagged placeholders": "<a>{{x}}</a> " * 5_000,
    "example openers": "<example " * 8_000,
    "arrows": ("a" + " " * 500 + "->\n") * 100,
    "labels": "Input: a\nOutput: b\n" * 3_000,
    "blank lines": "first\n \n" * 10_000,
}


@pytest.mark.parametrize("prompt", PATHOLOGICAL.values(), ids=list(PATHOLOGICAL))
def test_technique_checks_complete_on_pathological_prompts(prompt):
    # Inputs that once sent a quadratic regex into minutes: a regression shows as a hung test
    # (speed itself is measured by `make bench`, not asserted here).
    attempt = Attempt(prompt=prompt, rendered_prompt=prompt, output="", model="m")
    tools = Tools(count_tokens=lambda model, text: 1, secrets=("a b c d e f g",) * 50)
    for built in build_checks(TECHNIQUE_RUBRIC):
        result = built.run(attempt, tools)
        assert not result.error, (built.kind, result.reason)
        assert result.reason.splitlines() == [result.reason]
