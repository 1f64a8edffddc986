"""Tests of grading/core/checks/delimiters.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.grading.core.checks.support import run_prompt

DELIMITED = {
    "xml tags": ("Summarize the text.\n<text>\n{{text}}\n</text>", "tags"),
    "xml tags with a label inside": (
        "Summarize.\n<article>\nTitle: {{title}}\nBody: {{body}}\n</article>",
        "tags",
    ),
    "nested tags": ("<input><document>{{doc}}</document></input>\nSummarize it.", "tags"),
    "triple quotes": ('Summarize the text delimited by triple quotes.\n"""{{text}}"""', "quotes"),
    "triple backticks": ("Fix the code:\n```python\n{{code}}\n```", "a fenced block"),
    "### fence": ("Summarize the text below.\n\nText: ###\n{{text}}\n###", "a fenced block"),
    "--- lines": ("Translate:\n---\n{{text}}\n---\nInto French.", "a fenced block"),
    "markdown section": (
        "## Task\nSummarize the article in two sentences.\n\n## Article\n{{article}}",
        "a section",
    ),
    "double quotes": ('Is "{{word}}" a noun?', "quotes"),
    "typographic quotes": ("Is “{{word}}” a noun?", "quotes"),
}


@pytest.mark.parametrize(("prompt", "how"), DELIMITED.values(), ids=list(DELIMITED))
def test_delimits_variables_accepts_tags_quotes_fences_and_sections(prompt, how):
    result = run_prompt({"type": "prompt-delimits-variables"}, prompt)
    assert result.passed, result.reason
    assert f"({how})" in result.reason


@pytest.mark.parametrize(("prompt", "how"), DELIMITED.values(), ids=list(DELIMITED))
def test_delimits_variables_reads_windows_line_ends(prompt, how):
    result = run_prompt({"type": "prompt-delimits-variables"}, prompt.replace("\n", "\r\n"))
    assert result.passed, result.reason


NOT_DELIMITED = {
    "bare": "Summarize: {{text}}",
    "bare on its own line": "Summarize the following text.\n\n{{text}}",
    "unclosed tag": "Summarize <text>{{text}}",
    "tag around the whole prompt": "<prompt>You are a helpful assistant. Summarize the "
    "following customer email in three bullet points for the support team lead: {{text}}"
    "</prompt>",
    "fence around the instructions too": "```\nRead the customer's message carefully, work out "
    "what they are asking for, and write a polite reply in their language: {{text}}\n```",
}


@pytest.mark.parametrize("prompt", NOT_DELIMITED.values(), ids=list(NOT_DELIMITED))
def test_delimits_variables_rejects_bare_or_loosely_wrapped_variables(prompt):
    result = run_prompt({"type": "prompt-delimits-variables"}, prompt)
    assert not result.passed
    assert result.reason.startswith("Prompt does not delimit {{text}}: wrap each variable")


def test_delimits_variables_names_only_the_undelimited_variables():
    prompt = "Translate <text>{{text}}</text> into {{language}}, formal: {{formality}}."
    result = run_prompt({"type": "prompt-delimits-variables"}, prompt)
    assert result.reason.startswith("Prompt does not delimit {{language}}, {{formality}}:")


def test_delimits_variables_needs_every_occurrence_delimited():
    prompt = "Summarize <text>{{text}}</text>. Then quote {{text}} again."
    assert not run_prompt({"type": "prompt-delimits-variables"}, prompt).passed


def test_delimits_variables_checks_the_system_prompt_too():
    result = run_prompt(
        {"type": "prompt-delimits-variables"}, "<q>{{q}}</q>", system="Context: {{ctx}}"
    )
    assert result.reason.startswith("Prompt does not delimit {{ctx}}")


def test_delimits_variables_can_be_restricted_to_some_variables():
    prompt = "Translate <text>{{text}}</text> into {{language}}."
    assert run_prompt({"type": "prompt-delimits-variables", "variables": ["text"]}, prompt).passed
    restricted = {"type": "prompt-delimits-variables", "variables": ["language"]}
    assert not run_prompt(restricted, prompt).passed
    missing = run_prompt({"type": "prompt-delimits-variables", "variables": ["context"]}, prompt)
    assert (missing.passed, missing.reason) == (False, "Prompt does not use {{context}}.")


def test_delimits_variables_passes_vacuously_without_variables():
    result = run_prompt({"type": "prompt-delimits-variables"}, "Write a haiku about autumn.")
    assert (result.passed, result.reason) == (True, "Prompt has no {{variables}} to delimit.")


@given(
    name=st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
    before=st.text(alphabet=st.characters(exclude_characters="<>{}"), max_size=80),
    after=st.text(alphabet=st.characters(exclude_characters="<>{}"), max_size=80),
)
def test_a_variable_alone_in_its_own_tags_is_always_delimited(name, before, after):
    prompt = f"{before}\n<data>{{{{{name}}}}}</data>\n{after}"
    assert run_prompt({"type": "prompt-delimits-variables"}, prompt).passed
