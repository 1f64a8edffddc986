"""Tests of grading/core/checks/prompt.py."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.core.types import Attempt, Tools
from tests.grading.core.checks.support import check, rubric_error, run_prompt


def test_prompt_not_contains_ignores_the_rendered_prompt_with_variables_filled_in():
    result = check({"type": "prompt-not-contains", "value": "Paris"}).run(
        Attempt(prompt="Capital of {{country}}?", rendered_prompt="Paris?", output="Paris")
    )
    assert result.passed


class WordCounter:
    """A stand-in tokenizer: one token per whitespace-separated word; records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, model: str, text: str) -> int:
        self.calls.append((model, text))
        return len(text.split())


def test_max_tokens_counts_the_rendered_system_and_user_prompts_with_the_models_tokenizer():
    counter = WordCounter()
    result = run_prompt(
        {"type": "prompt-max-tokens", "value": 6},
        "Translate {{text}}",
        rendered="Translate bonjour mes amis",
        system="You translate into {{lang}}.",
        tools=Tools(count_tokens=counter),
        variables={"text": "bonjour mes amis", "lang": "English"},
        model="gpt-4o-mini",
    )
    assert counter.calls == [
        ("gpt-4o-mini", "You translate into English."),
        ("gpt-4o-mini", "Translate bonjour mes amis"),
    ]
    assert not result.passed
    assert result.reason == ("Prompt has 8 tokens (system 4 + user 4) for 'gpt-4o-mini' (max 6).")


def test_max_tokens_passes_at_the_limit_and_uses_the_rubrics_model_when_given():
    counter = WordCounter()
    entry = {"type": "prompt-max-tokens", "value": 3, "model": "claude-3-5-haiku"}
    result = run_prompt(entry, "one two three", tools=Tools(count_tokens=counter), model="gpt-4o")
    assert result.passed
    assert result.reason == "Prompt has 3 tokens for 'claude-3-5-haiku' (max 3)."
    assert counter.calls == [("claude-3-5-haiku", "one two three")]


def test_max_tokens_keeps_the_system_template_when_it_cannot_be_rendered():
    counter = WordCounter()
    entry = {"type": "prompt-max-tokens", "value": 100}
    run_prompt(entry, "hi", system="Use {{missing}}", tools=Tools(count_tokens=counter), model="m")
    assert counter.calls[0] == ("m", "Use {{missing}}")


def broken_counter(model: str, text: str) -> int:
    raise LookupError("no tokenizer for this model")


@pytest.mark.parametrize(
    ("tools", "model", "reason"),
    [
        (Tools(), "gpt-4o", "No tokenizer is available to count the prompt's tokens."),
        (Tools(count_tokens=WordCounter()), "", "No model is known to count the prompt's tokens"),
        (Tools(count_tokens=broken_counter), "m", "Could not count tokens for 'm': LookupError."),
        (Tools(count_tokens=lambda m, t: -1), "m", "The tokenizer returned -1, not a count."),
    ],
    ids=["no tokenizer", "no model", "tokenizer fails", "tokenizer returns nonsense"],
)
def test_max_tokens_reports_an_error_when_it_cannot_count(tools, model, reason):
    for kind in ("prompt-max-tokens", "not-prompt-max-tokens"):
        result = run_prompt({"type": kind, "value": 10}, "hello", tools=tools, model=model)
        assert (result.passed, result.error, result.score) == (False, True, 0.0)
        assert result.reason.startswith(reason)


HIDDEN_INPUT = (
    "My order arrived three days late and the box was completely crushed, so I want my money back."
)

HIDDEN_OUTPUT = "refund_request"

SECRETS = Tools(secrets=(HIDDEN_INPUT, HIDDEN_OUTPUT, "Paris"))


def no_leak(prompt: str, *, system: str = "", tools: Tools = SECRETS, **params: Any):
    return run_prompt({"type": "prompt-no-leak", **params}, prompt, system=system, tools=tools)


LEAKY = {
    "verbatim": f"Classify the email.\nExample: {HIDDEN_INPUT} -> refund_request\n{{{{email}}}}",
    "case whitespace punctuation": "EXAMPLE:  my ORDER arrived three-days late; and the box "
    "was completely\n crushed -- so i want my money back!!! {{email}}",
    "paraphrase with copying": "e.g. if their order arrived three days late and the box was "
    "completely crushed, so they want their money back, answer refund. {{email}}",
    "zero-width spaces and accents": "My órder arrived three\u200b days late and the bóx was "
    "completely crushed, so I want my money back. {{email}}",
}


@pytest.mark.parametrize("prompt", LEAKY.values(), ids=list(LEAKY))
def test_no_leak_flags_prompts_that_copy_a_hidden_item(prompt):
    result = no_leak(prompt)
    assert not result.passed
    assert result.reason == (
        "Prompt contains text from a hidden test item: write your own examples instead."
    )
    assert result.details == {"leaked_items": 1}


def test_no_leak_reasons_never_reveal_the_hidden_text():
    result = no_leak(f"{HIDDEN_INPUT} {{{{email}}}}")
    words = {word.strip(",.").lower() for word in HIDDEN_INPUT.split() if len(word) > 3}
    assert not words & {word.strip(",.'").lower() for word in result.reason.split()}
    assert "arrived" not in repr(result.details)


BENIGN = {
    "lists the labels": "Classify the email as refund_request, complaint or question. "
    "Answer Paris if it is about Paris. {{email}}",
    "own example on the same topic": "Example: 'The parcel came a week late and the lid was "
    "dented; please replace it.' -> replacement_request\n{{email}}",
    "shares a few words": "My order is late. I want my money. {{email}}",
    "generic instructions": "You are a support agent. Read the email and classify it. {{email}}",
}


@pytest.mark.parametrize("prompt", BENIGN.values(), ids=list(BENIGN))
def test_no_leak_passes_benign_prompts(prompt):
    result = no_leak(prompt)
    assert result.passed, result.reason
    assert result.reason == "Prompt contains no text from the hidden test items."


def test_no_leak_ignores_the_rendered_prompt_which_holds_the_hidden_input_by_design():
    result = run_prompt(
        {"type": "prompt-no-leak"}, "Classify: {{email}}", rendered=HIDDEN_INPUT, tools=SECRETS
    )
    assert result.passed


def test_no_leak_checks_the_system_prompt_too():
    assert not no_leak("{{email}}", system=f"Known case: {HIDDEN_INPUT}").passed


def test_no_leak_counts_leaked_items_without_naming_them():
    tools = Tools(secrets=(HIDDEN_INPUT, "The quick brown fox jumps over the lazy dog today"))
    result = no_leak(
        f"{HIDDEN_INPUT}\nthe quick brown fox jumps over the lazy dog today", tools=tools
    )
    assert result.reason.startswith("Prompt contains text from 2 hidden test items:")


def test_no_leak_short_secrets_must_appear_whole_and_in_order():
    tools = Tools(secrets=("cancel my gym membership",))  # 4 words: one 4-word run
    assert not no_leak("Reply to: Cancel my gym-membership! {{text}}", tools=tools).passed
    assert no_leak("Reply to: cancel my membership at the gym {{text}}", tools=tools).passed
    assert no_leak("Reply to: membership gym my cancel {{text}}", tools=tools).passed


def test_no_leak_ignores_labels_and_one_word_answers_but_not_long_single_tokens():
    tools = Tools(secrets=("billing inquiry", "42", "SKU-99812-XK-2231-DE"))
    assert no_leak("Labels: billing inquiry, other. Answer 42 if unsure. {{t}}", tools=tools).passed
    assert not no_leak("Our SKU-99812-XK-2231-DE is special. {{t}}", tools=tools).passed


def test_no_leak_compares_cjk_text_character_by_character():
    secret = "東京は日本の首都で、人口が最も多い都市です。"
    tools = Tools(secrets=(secret,))
    assert not no_leak(f"例:{secret[:18]} {{{{text}}}}", tools=tools).passed
    assert no_leak("日本について答えてください。{{text}}", tools=tools).passed


def test_no_leak_overlap_and_ngram_parameters_tune_the_sensitivity():
    partial = "my order arrived three days late and that is all. {{email}}"
    assert no_leak(partial).passed  # 3 of the secret's 14 five-word runs
    assert not no_leak(partial, max_overlap=0.1).passed
    assert not no_leak("the box was completely crushed {{email}}", ngram=3, max_overlap=0.1).passed


def test_no_leak_allows_up_to_max_overlap_of_a_secrets_runs():
    tools = Tools(secrets=("What is the capital of France?",))  # 2 five-word runs
    assert no_leak("Example: What is the capital of Germany? Berlin", tools=tools).passed
    assert not no_leak("Example: What is the capital of France? Paris", tools=tools).passed
    assert not no_leak("What is the capital of Germany?", tools=tools, max_overlap=0.4).passed


def test_no_leak_passes_when_there_are_no_hidden_items():
    result = no_leak(HIDDEN_INPUT, tools=Tools())
    assert (result.passed, result.reason) == (
        True,
        "There are no hidden test items to compare the prompt with.",
    )


@given(
    words=st.lists(st.from_regex(r"[a-zA-Z]{2,8}", fullmatch=True), min_size=4, max_size=30),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
@settings(max_examples=60)
def test_no_leak_always_flags_a_hidden_item_pasted_whole(words, before, after):
    secret = " ".join(words)
    result = no_leak(f"{before} {secret} {after}", tools=Tools(secrets=(secret,)))
    assert not result.passed


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "prompt-few-shot", "min_examples": 0}, "'min_examples' must be an integer >= 1"),
        ({"type": "prompt-few-shot", "min_examples": "2"}, "'min_examples' must be an integer"),
        ({"type": "prompt-few-shot", "min_examples": True}, "'min_examples' must be an integer"),
        ({"type": "prompt-few-shot", "value": 2}, "unknown parameter(s) 'value'"),
        ({"type": "prompt-delimits-variables", "variables": []}, "must be a non-empty list"),
        ({"type": "prompt-delimits-variables", "variables": "text"}, "must be a non-empty list"),
        ({"type": "prompt-delimits-variables", "variables": ["a b"]}, "'a b' is not a valid"),
        ({"type": "prompt-states-role", "value": "teacher"}, "unknown parameter(s) 'value'"),
        ({"type": "prompt-specifies-format", "value": "json"}, "unknown parameter(s) 'value'"),
        ({"type": "prompt-asks-reasoning", "final_answer": "yes"}, "must be true or false"),
        ({"type": "prompt-max-tokens"}, "missing required parameter(s) 'value'"),
        ({"type": "prompt-max-tokens", "value": 0}, "'value' must be an integer >= 1"),
        ({"type": "prompt-max-tokens", "value": 10, "model": ""}, "'model' must not be empty"),
        ({"type": "prompt-max-tokens", "value": 10, "model": 4}, "'model' must be a string"),
        ({"type": "prompt-no-leak", "max_overlap": 1}, "'max_overlap' must be < 1, got 1"),
        ({"type": "prompt-no-leak", "max_overlap": -0.1}, "'max_overlap' must be >= 0"),
        ({"type": "prompt-no-leak", "max_overlap": "0.5"}, "'max_overlap' must be a number"),
        ({"type": "prompt-no-leak", "ngram": 0}, "'ngram' must be an integer >= 1"),
        ({"type": "prompt-no-leak", "min_words": 0}, "'min_words' must be an integer >= 1"),
        ({"type": "prompt-no-leak", "min_chars": 2.5}, "'min_chars' must be an integer >= 1"),
        ({"type": "prompt-no-leak", "secrets": ["x"]}, "unknown parameter(s) 'secrets'"),
    ],
)
def test_technique_checks_reject_bad_parameters(entry, message):
    assert message in rubric_error(entry)
