"""Tests for the prompt-side technique checks and the operations checks.

Technique checks read the learner's system and user templates; operations checks read the call's
metadata (latency, tokens, cost, finish reason).
"""

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.core.checks import build_checks
from grading.core.types import NO_TOOLS, Attempt, CheckResult, RubricError, Tools


def run(
    entry: dict[str, Any],
    prompt: str,
    *,
    system: str = "",
    tools: Tools = NO_TOOLS,
    rendered: str | None = None,
    **metadata: Any,
) -> CheckResult:
    (check,) = build_checks([entry])
    attempt = Attempt(
        prompt=prompt,
        rendered_prompt=prompt if rendered is None else rendered,
        output="some output",
        system_prompt=system,
        **metadata,
    )
    return check.run(attempt, tools)


def rubric_error(entry: dict[str, Any]) -> str:
    with pytest.raises(RubricError) as excinfo:
        build_checks([entry])
    return str(excinfo.value)


# --------------------------------------------------------------------------------------------
# prompt-few-shot

SENTIMENT_THREE_SHOT = """Classify the sentiment of the restaurant review.

Review: The pasta was cold and bland.
Sentiment: negative

Review: Friendly staff and great coffee!
Sentiment: positive

Review: It was fine, nothing special.
Sentiment: neutral

Review: {{review}}
Sentiment:"""

FEW_SHOT_PROMPTS = {
    "review/sentiment pairs": (SENTIMENT_THREE_SHOT, 3),
    "Q/A pairs": ("Q: What is 2 + 2?\nA: 4\n\nQ: What is 3 x 3?\nA: 9\n\nQ: {{question}}\nA:", 2),
    "numbered input/output": (
        "Input 1: cat\nOutput 1: chat\nInput 2: dog\nOutput 2: chien\nInput 3: bird\n"
        "Output 3: oiseau\n\nInput: {{word}}\nOutput:",
        3,
    ),
    "example tags around pairs": (
        "<examples>\n"
        "<example>\nInput: I loved it\nOutput: positive\n</example>\n"
        "<example>\nInput: Never again\nOutput: negative\n</example>\n"
        "<example>\nInput: It was ok\nOutput: neutral\n</example>\n"
        "</examples>\n\n<review>{{review}}</review>",
        3,
    ),
    "Example N headings": (
        "Rewrite the sentence formally.\n\nExample 1:\ngonna be late -> I will be late.\n\n"
        "Example 2:\nwanna grab lunch? -> Would you like to have lunch?\n\nSentence: {{text}}",
        2,
    ),
    "chat transcript": (
        "User: Where is my order?\nAssistant: I'm sorry for the wait! Could you share the order "
        "number?\nUser: I want a refund.\nAssistant: I can help with that. What was wrong?\n"
        "User: {{message}}\nAssistant:",
        2,
    ),
    "inline label pairs": (
        "Text: great film Sentiment: positive\nText: dull plot Sentiment: negative\n"
        "Text: {{text}} Sentiment:",
        2,
    ),
    "arrow lines": ("Translate:\n- cheese -> fromage\n- bread -> pain\n- {{word}} ->", 2),
    "markdown table": (
        "| Word | Translation |\n|------|-------------|\n| cheese | fromage |\n| bread | pain |\n"
        "| wine | vin |\n\nTranslate {{word}}.",
        3,
    ),
    "JSON lines": (
        '{"text": "I loved it", "label": "positive"}\n{"text": "Awful", "label": "negative"}\n'
        '{"text": "{{text}}", "label": ',
        2,
    ),
}


@pytest.mark.parametrize(
    ("prompt", "examples"), FEW_SHOT_PROMPTS.values(), ids=list(FEW_SHOT_PROMPTS)
)
def test_few_shot_counts_the_examples_of_realistic_prompts(prompt, examples):
    result = run({"type": "prompt-few-shot"}, prompt)
    assert result.passed, result.reason
    assert result.details["examples"] == examples
    assert f"Prompt has {examples} few-shot examples (" in result.reason


ZERO_SHOT_PROMPTS = {
    "plain instruction": "Classify the sentiment of this review as positive, negative or "
    "neutral: {{review}}",
    "labelled query slot": "Classify the sentiment.\n\nReview: {{review}}\nSentiment:",
    "structured sections": "Role: translator\nTask: translate the text into French\n"
    "Format: plain text\nTone: formal\n\n{{text}}",
    "rules with colons": "Note: be polite.\nImportant: never promise a refund.\nNote: sign as "
    "Sam.\nImportant: keep it short.\n\nCustomer email: {{email}}",
    "examples only through variables": "Input: {{example_input}}\nOutput: {{example_output}}\n"
    "Input: {{other_input}}\nOutput: {{other_output}}\nInput: {{text}}\nOutput:",
}


@pytest.mark.parametrize("prompt", ZERO_SHOT_PROMPTS.values(), ids=list(ZERO_SHOT_PROMPTS))
def test_few_shot_finds_no_examples_in_zero_shot_prompts(prompt):
    result = run({"type": "prompt-few-shot"}, prompt)
    assert not result.passed
    assert result.details["examples"] == 0
    assert result.reason == (
        "Prompt has no few-shot examples, need 2: add worked input/output examples."
    )


@pytest.mark.parametrize(
    ("prompt", "examples"), FEW_SHOT_PROMPTS.values(), ids=list(FEW_SHOT_PROMPTS)
)
def test_few_shot_reads_windows_line_ends_as_browsers_send_them(prompt, examples):
    result = run({"type": "prompt-few-shot"}, prompt.replace("\n", "\r\n"))
    assert result.details["examples"] == examples


def test_few_shot_one_example_is_not_enough_by_default_but_meets_a_minimum_of_one():
    one_shot = "Input: I loved it\nOutput: positive\n\nInput: {{text}}\nOutput:"
    result = run({"type": "prompt-few-shot"}, one_shot)
    assert not result.passed
    assert result.reason.startswith("Prompt has 1 few-shot example ('Input:'/'Output:' pairs)")
    assert run({"type": "prompt-few-shot", "min_examples": 1}, one_shot).passed


def test_few_shot_min_examples_raises_the_bar():
    assert not run({"type": "prompt-few-shot", "min_examples": 4}, SENTIMENT_THREE_SHOT).passed
    assert run({"type": "prompt-few-shot", "min_examples": 3}, SENTIMENT_THREE_SHOT).passed


def test_few_shot_examples_can_be_in_the_system_prompt():
    system, _, user = SENTIMENT_THREE_SHOT.rpartition("\n\n")
    result = run({"type": "prompt-few-shot"}, user, system=system)
    assert result.passed
    assert result.details["examples"] == 3


def test_few_shot_trailing_instructions_after_the_examples_do_not_hide_the_last_one():
    prompt = (
        "Input: great\nOutput: positive\nInput: awful\nOutput: negative\n\n"
        "Now classify this review, please: {{review}}"
    )
    assert run({"type": "prompt-few-shot"}, prompt).details["examples"] == 2


def test_few_shot_ignores_example_words_in_the_rendered_test_input():
    rendered = SENTIMENT_THREE_SHOT.replace("{{review}}", "x")
    result = run({"type": "prompt-few-shot"}, "Classify: {{review}}", rendered=rendered)
    assert not result.passed


# --------------------------------------------------------------------------------------------
# prompt-delimits-variables

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
    result = run({"type": "prompt-delimits-variables"}, prompt)
    assert result.passed, result.reason
    assert f"({how})" in result.reason


@pytest.mark.parametrize(("prompt", "how"), DELIMITED.values(), ids=list(DELIMITED))
def test_delimits_variables_reads_windows_line_ends(prompt, how):
    result = run({"type": "prompt-delimits-variables"}, prompt.replace("\n", "\r\n"))
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
    result = run({"type": "prompt-delimits-variables"}, prompt)
    assert not result.passed
    assert result.reason.startswith("Prompt does not delimit {{text}}: wrap each variable")


def test_delimits_variables_names_only_the_undelimited_variables():
    prompt = "Translate <text>{{text}}</text> into {{language}}, formal: {{formality}}."
    result = run({"type": "prompt-delimits-variables"}, prompt)
    assert result.reason.startswith("Prompt does not delimit {{language}}, {{formality}}:")


def test_delimits_variables_needs_every_occurrence_delimited():
    prompt = "Summarize <text>{{text}}</text>. Then quote {{text}} again."
    assert not run({"type": "prompt-delimits-variables"}, prompt).passed


def test_delimits_variables_checks_the_system_prompt_too():
    result = run({"type": "prompt-delimits-variables"}, "<q>{{q}}</q>", system="Context: {{ctx}}")
    assert result.reason.startswith("Prompt does not delimit {{ctx}}")


def test_delimits_variables_can_be_restricted_to_some_variables():
    prompt = "Translate <text>{{text}}</text> into {{language}}."
    assert run({"type": "prompt-delimits-variables", "variables": ["text"]}, prompt).passed
    restricted = {"type": "prompt-delimits-variables", "variables": ["language"]}
    assert not run(restricted, prompt).passed
    missing = run({"type": "prompt-delimits-variables", "variables": ["context"]}, prompt)
    assert (missing.passed, missing.reason) == (False, "Prompt does not use {{context}}.")


def test_delimits_variables_passes_vacuously_without_variables():
    result = run({"type": "prompt-delimits-variables"}, "Write a haiku about autumn.")
    assert (result.passed, result.reason) == (True, "Prompt has no {{variables}} to delimit.")


@given(
    name=st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
    before=st.text(alphabet=st.characters(exclude_characters="<>{}"), max_size=80),
    after=st.text(alphabet=st.characters(exclude_characters="<>{}"), max_size=80),
)
def test_a_variable_alone_in_its_own_tags_is_always_delimited(name, before, after):
    prompt = f"{before}\n<data>{{{{{name}}}}}</data>\n{after}"
    assert run({"type": "prompt-delimits-variables"}, prompt).passed


# --------------------------------------------------------------------------------------------
# prompt-states-role

ROLES = {
    "you are a": ("You are a senior copy editor. Fix the grammar of {{text}}.", "You are a"),
    "you're an": ("You're an expert sommelier. Suggest a wine for {{dish}}.", "You're an"),
    "act as": ("Act as a patient maths tutor and explain {{topic}}.", "Act as a"),
    "as an experienced": ("As an experienced recruiter, review {{cv}}.", "As an experienced"),
    "your role is": ("Your role is to triage support tickets: {{ticket}}", "Your role is"),
    "role label": ("Role: customer support agent\nTask: answer {{question}}", "Role:"),
    "pretend": ("Pretend you are a tour guide in Rome. {{question}}", "Pretend you are"),
    "french": ("Tu es un traducteur professionnel. Traduis {{text}}.", "Tu es un"),
    "german": ("Du bist ein erfahrener Lektor. Korrigiere {{text}}.", "Du bist ein"),
    "spanish": ("Actúa como un chef experto. {{pregunta}}", "Actúa como"),
    "named persona": (
        "You are Max, a cheerful barista at Bean There. Reply to {{message}}",
        "You are Max, a cheerful barista at Bean There'",
    ),
}


@pytest.mark.parametrize(("prompt", "quoted"), ROLES.values(), ids=list(ROLES))
def test_states_role_recognises_common_ways_to_give_a_role(prompt, quoted):
    result = run({"type": "prompt-states-role"}, prompt)
    assert result.passed, result.reason
    assert result.reason.startswith(f"Prompt states a role: '{quoted}")


NO_ROLE = {
    "plain task": "Fix the grammar of {{text}}.",
    "as a result": "The input may be long. As a result, summarise {{text}} briefly.",
    "as a json object": "Return the answer as a JSON object: {{text}}",
    "you are given": "You are given a list of numbers: {{numbers}}. Return the largest.",
    "as a reminder": "As a reminder, keep it short. {{text}}",
    "role in a placeholder name": "{{you_are_a_pirate}} {{act_as_role}}",
}


@pytest.mark.parametrize("prompt", NO_ROLE.values(), ids=list(NO_ROLE))
def test_states_role_is_not_fooled_by_look_alike_phrases(prompt):
    result = run({"type": "prompt-states-role"}, prompt)
    assert not result.passed, result.reason
    assert result.reason.startswith("Prompt states no role")


def test_states_role_reads_the_system_prompt_but_not_the_test_input():
    assert run({"type": "prompt-states-role"}, "{{q}}", system="You are a pirate.").passed
    rendered = "You are a pirate."
    assert not run({"type": "prompt-states-role"}, "{{q}}", rendered=rendered).passed


# --------------------------------------------------------------------------------------------
# prompt-specifies-format

FORMATS = {
    "json keys": "Extract the person as JSON with the keys name and age: {{text}}",
    "bullets": "Summarize {{text}} in 3 bullet points.",
    "table": "Compare {{a}} and {{b}} in a markdown table.",
    "only the label": "Classify {{review}}. Respond with only the label.",
    "one word": "Which language is this? Answer in one word: {{text}}",
    "sentence count": "Summarize {{text}} in two sentences.",
    "length limit": "Summarize {{text}} in no more than 50 words.",
    "template": "Use the following format:\nName: <name>\nAge: <age>\n\n{{text}}",
    "answer tags": "Put your answer inside <answer> tags. {{question}}",
    "fixed answers": "Is {{claim}} true? Answer yes or no.",
    "one of": "Classify {{ticket}} as one of: billing, bug, feature.",
    "format label": "Format: a numbered list\n{{text}}",
    "own line": "Solve {{problem}} and give the number on its own line.",
}


@pytest.mark.parametrize("prompt", FORMATS.values(), ids=list(FORMATS))
def test_specifies_format_recognises_output_format_instructions(prompt):
    result = run({"type": "prompt-specifies-format"}, prompt)
    assert result.passed, result.reason
    assert result.reason.startswith("Prompt specifies the output format: '")


@pytest.mark.parametrize(
    "prompt",
    [
        "Summarize {{text}}.",
        "Tell me about {{topic}}.",
        "Write a poem about {{topic}}.",
        "You are a helpful assistant. Help the user with {{request}}",
        "{{json_format}} {{table}}",
        "Summarize the article inside <article> tags.\n<article>{{article}}</article>",
        "Given the schema below, answer the question.\n{{schema}}\n{{question}}",
    ],
)
def test_specifies_format_fails_when_nothing_is_said_about_the_output(prompt):
    result = run({"type": "prompt-specifies-format"}, prompt)
    assert not result.passed
    assert result.reason.startswith("Prompt does not specify an output format")


def test_specifies_format_quotes_the_first_cue():
    result = run({"type": "prompt-specifies-format"}, "Summarize {{text}} in 3 bullet points.")
    assert result.reason == "Prompt specifies the output format: '3 bullet points'."


# --------------------------------------------------------------------------------------------
# prompt-asks-reasoning

REASONING = {
    "step by step": "Solve {{problem}}. Let's think step by step.",
    "think it through": "Think it through carefully before you reply to {{email}}.",
    "explain your reasoning": "Decide whether {{claim}} holds and explain your reasoning.",
    "before answering": "Before answering, list the relevant facts. {{question}}",
    "thinking tags": "Reason inside <thinking> tags, then answer. {{question}}",
    "first then plan": "First identify the language of {{text}}, then translate it.",
    "step 1 step 2": "Step 1: find the numbers.\nStep 2: add them.\n{{problem}}",
    "german": "Löse die Aufgabe Schritt für Schritt: {{aufgabe}}",
}


@pytest.mark.parametrize("prompt", REASONING.values(), ids=list(REASONING))
def test_asks_reasoning_recognises_requests_for_reasoning(prompt):
    result = run({"type": "prompt-asks-reasoning"}, prompt)
    assert result.passed, result.reason
    assert result.reason.startswith("Prompt asks for reasoning: '")


@pytest.mark.parametrize(
    "prompt",
    [
        "Solve {{problem}}.",
        "Answer {{question}} briefly.",
        "First impressions matter.\n\nThen again, {{text}}",  # not one plan: a paragraph apart
        "{{step_by_step}}",
    ],
)
def test_asks_reasoning_fails_without_a_request_for_reasoning(prompt):
    result = run({"type": "prompt-asks-reasoning"}, prompt)
    assert not result.passed
    assert result.reason.startswith("Prompt does not ask for reasoning")


@pytest.mark.parametrize(
    "prompt",
    [
        "Think step by step, then give your final answer. {{q}}",
        "Think step by step. Put the result in <answer> tags. {{q}}",
        "Think step by step and write the answer on the last line. {{q}}",
        "Explain your reasoning, then give the answer. {{q}}",
    ],
)
def test_asks_reasoning_can_require_a_separate_final_answer(prompt):
    entry = {"type": "prompt-asks-reasoning", "final_answer": True}
    result = run(entry, prompt)
    assert result.passed, result.reason
    assert "; final answer: '" in result.reason


def test_asks_reasoning_with_final_answer_fails_when_the_answer_is_not_set_apart():
    entry = {"type": "prompt-asks-reasoning", "final_answer": True}
    result = run(entry, "Think step by step about {{q}}.")
    assert not result.passed
    assert result.reason == (
        "Prompt asks for reasoning: 'step by step', but not for a separate final answer "
        "(e.g. 'Final answer: …')."
    )
    assert run({"type": "prompt-asks-reasoning"}, "Think step by step about {{q}}.").passed


# --------------------------------------------------------------------------------------------
# prompt-max-tokens


class WordCounter:
    """A stand-in tokenizer: one token per whitespace-separated word; records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, model: str, text: str) -> int:
        self.calls.append((model, text))
        return len(text.split())


def test_max_tokens_counts_the_rendered_system_and_user_prompts_with_the_models_tokenizer():
    counter = WordCounter()
    result = run(
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
    result = run(entry, "one two three", tools=Tools(count_tokens=counter), model="gpt-4o")
    assert result.passed
    assert result.reason == "Prompt has 3 tokens for 'claude-3-5-haiku' (max 3)."
    assert counter.calls == [("claude-3-5-haiku", "one two three")]


def test_max_tokens_keeps_the_system_template_when_it_cannot_be_rendered():
    counter = WordCounter()
    entry = {"type": "prompt-max-tokens", "value": 100}
    run(entry, "hi", system="Use {{missing}}", tools=Tools(count_tokens=counter), model="m")
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
        result = run({"type": kind, "value": 10}, "hello", tools=tools, model=model)
        assert (result.passed, result.error, result.score) == (False, True, 0.0)
        assert result.reason.startswith(reason)


# --------------------------------------------------------------------------------------------
# prompt-no-leak

HIDDEN_INPUT = (
    "My order arrived three days late and the box was completely crushed, so I want my money back."
)
HIDDEN_OUTPUT = "refund_request"
SECRETS = Tools(secrets=(HIDDEN_INPUT, HIDDEN_OUTPUT, "Paris"))


def no_leak(prompt: str, *, system: str = "", tools: Tools = SECRETS, **params: Any):
    return run({"type": "prompt-no-leak", **params}, prompt, system=system, tools=tools)


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
    result = run(
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


# --------------------------------------------------------------------------------------------
# Rubric errors of the technique checks


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


def test_technique_check_names():
    names = [
        check.name
        for check in build_checks(
            [
                {"type": "prompt-few-shot", "min_examples": 3},
                {"type": "prompt-delimits-variables"},
                {"type": "prompt-delimits-variables", "variables": ["text", "lang"]},
                {"type": "prompt-states-role"},
                {"type": "prompt-specifies-format"},
                {"type": "prompt-asks-reasoning", "final_answer": True},
                {"type": "prompt-max-tokens", "value": 500},
                {"type": "prompt-no-leak"},
            ]
        )
    ]
    assert names == [
        "prompt has at least 3 few-shot examples",
        "prompt delimits every variable",
        "prompt delimits {{text}}, {{lang}}",
        "prompt states a role",
        "prompt specifies an output format",
        "prompt asks for step-by-step reasoning and a separate final answer",
        "prompt at most 500 tokens",
        "prompt contains no hidden test text",
    ]


# --------------------------------------------------------------------------------------------
# Robustness of the technique checks

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
    for check in build_checks(TECHNIQUE_RUBRIC):
        result = check.run(attempt, tools)
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
    for check in build_checks(TECHNIQUE_RUBRIC):
        result = check.run(attempt, tools)
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
    for check in build_checks(TECHNIQUE_RUBRIC):
        result = check.run(attempt, tools)
        assert not result.error, (check.kind, result.reason)
        assert result.reason.splitlines() == [result.reason]


# --------------------------------------------------------------------------------------------
# Operations checks


def call(entry: dict[str, Any], **metadata: Any) -> CheckResult:
    return run(entry, "p", **metadata)


def test_latency_passes_at_the_threshold_like_promptfoo_and_says_by_how_much():
    entry = {"type": "latency", "threshold": 1500}
    assert call(entry, latency_ms=1500).reason == "Latency was 1500 ms (max 1500 ms)."
    slow = call(entry, latency_ms=2300)
    assert (slow.passed, slow.reason) == (False, "Latency was 2300 ms (max 1500 ms).")


@pytest.mark.parametrize(
    ("entry", "metadata", "reason"),
    [
        ({"type": "latency", "threshold": 1}, {}, "Latency was not recorded for this response."),
        ({"type": "latency", "threshold": 1}, {"latency_ms": -5}, "The recorded latency"),
        ({"type": "cost", "threshold": 1}, {}, "Cost is unknown for this response"),
        ({"type": "cost", "threshold": 1}, {"cost_usd": math.nan}, "The recorded cost (nan)"),
        ({"type": "cost", "threshold": 1}, {"cost_usd": -0.1}, "The recorded cost (-0.1)"),
        ({"type": "finish-reason", "value": "stop"}, {}, "The finish reason was not recorded"),
        ({"type": "finish-reason", "value": "stop"}, {"finish_reason": " "}, "The finish reason"),
        ({"type": "max-output-tokens", "value": 5}, {}, "The output token count was not recorded"),
        ({"type": "max-total-tokens", "value": 5}, {"completion_tokens": 1}, "The token count"),
        ({"type": "max-total-tokens", "value": 5}, {"prompt_tokens": 1}, "The token count"),
    ],
)
def test_missing_or_invalid_metadata_is_an_error_not_a_pass_or_a_fail(entry, metadata, reason):
    for kind in (entry["type"], f"not-{entry['type']}"):
        result = call({**entry, "type": kind}, **metadata)
        assert (result.passed, result.error, result.score) == (False, True, 0.0)
        assert result.reason.startswith(reason)


def test_latency_and_cost_never_print_exponents():
    assert call({"type": "latency", "threshold": 2_000_000}, latency_ms=1).reason == (
        "Latency was 1 ms (max 2000000 ms)."
    )
    assert call({"type": "latency", "threshold": 2.5}, latency_ms=3).reason == (
        "Latency was 3 ms (max 2.5 ms)."
    )
    assert call({"type": "cost", "threshold": 1e-6}, cost_usd=2.5e-7).reason == (
        "Cost was $0.00000025 (max $0.000001)."
    )


def test_not_latency_passes_only_when_slower_than_the_threshold():
    entry = {"type": "not-latency", "threshold": 100}
    assert call(entry, latency_ms=101).passed
    assert not call(entry, latency_ms=100).passed


def test_cost_reasons_show_small_amounts_in_plain_dollars():
    result = call({"type": "cost", "threshold": 0.001}, cost_usd=0.00042)
    assert (result.passed, result.reason) == (True, "Cost was $0.00042 (max $0.001).")
    assert call({"type": "cost", "threshold": 0}, cost_usd=0.0).passed


@pytest.mark.parametrize(
    ("expected", "actual", "passed"),
    [
        ("stop", "stop", True),
        ("STOP", "stop", True),
        ("stop", "Stop", True),
        ("stop", "end_turn", True),
        ("stop", "stop_sequence", True),
        ("length", "max_tokens", True),
        ("tool_calls", "tool_use", True),
        ("tool_calls", "function_call", True),
        ("content_filter", "content_filter", True),
        ("safety", "SAFETY", True),
        ("stop", "length", False),
        ("length", "stop", False),
    ],
)
def test_finish_reason_compares_like_promptfoo(expected, actual, passed):
    result = call({"type": "finish-reason", "value": expected}, finish_reason=actual)
    assert result.passed is passed


def test_finish_reason_reasons_show_the_providers_word_and_its_meaning():
    entry = {"type": "finish-reason", "value": "stop"}
    assert call(entry, finish_reason="max_tokens").reason == (
        "Model stopped with finish reason 'max_tokens' ('length'), expected 'stop'."
    )
    assert call(entry, finish_reason="stop").reason == "Model stopped with finish reason 'stop'."


def test_token_checks_say_what_was_counted():
    result = call({"type": "max-output-tokens", "value": 100}, completion_tokens=57)
    assert result.reason == "Output used 57 tokens (max 100)."
    result = call(
        {"type": "max-total-tokens", "value": 100}, prompt_tokens=80, completion_tokens=57
    )
    assert result.reason == "The call used 137 tokens (80 prompt + 57 output; max 100)."


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "latency"}, "missing required parameter(s) 'threshold'"),
        ({"type": "latency", "value": 100}, "unknown parameter(s) 'value'"),
        ({"type": "latency", "threshold": -1}, "'threshold' must be >= 0"),
        ({"type": "latency", "threshold": "1s"}, "'threshold' must be a number"),
        ({"type": "cost", "threshold": math.inf}, "'threshold' must be a finite number"),
        ({"type": "cost", "threshold": True}, "'threshold' must be a number"),
        ({"type": "finish-reason"}, "missing required parameter(s) 'value'"),
        ({"type": "finish-reason", "value": ""}, "'value' must not be empty"),
        ({"type": "finish-reason", "value": "  "}, "'value' must not be blank"),
        ({"type": "finish-reason", "value": ["stop"]}, "'value' must be a string"),
        ({"type": "max-output-tokens", "value": -1}, "'value' must be an integer >= 0"),
        ({"type": "max-total-tokens", "value": 1.5}, "'value' must be an integer >= 0"),
    ],
)
def test_operations_checks_reject_bad_parameters(entry, message):
    assert message in rubric_error(entry)


def test_operations_check_names():
    names = [
        check.name
        for check in build_checks(
            [
                {"type": "latency", "threshold": 5000},
                {"type": "cost", "threshold": 0.0025},
                {"type": "finish-reason", "value": "stop"},
                {"type": "max-output-tokens", "value": 1},
                {"type": "max-total-tokens", "value": 300},
            ]
        )
    ]
    assert names == [
        "latency at most 5000 ms",
        "cost at most $0.0025",
        "finish reason is 'stop'",
        "output at most 1 token",
        "call at most 300 tokens in total",
    ]
