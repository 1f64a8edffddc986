"""Tests of grading/core/checks/techniques.py."""

import pytest

from grading.core.checks import build_checks
from tests.grading.core.checks.support import run_prompt

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
    result = run_prompt({"type": "prompt-few-shot"}, prompt)
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
    result = run_prompt({"type": "prompt-few-shot"}, prompt)
    assert not result.passed
    assert result.details["examples"] == 0
    assert result.reason == (
        "Prompt has no few-shot examples, need 2: add worked input/output examples."
    )


@pytest.mark.parametrize(
    ("prompt", "examples"), FEW_SHOT_PROMPTS.values(), ids=list(FEW_SHOT_PROMPTS)
)
def test_few_shot_reads_windows_line_ends_as_browsers_send_them(prompt, examples):
    result = run_prompt({"type": "prompt-few-shot"}, prompt.replace("\n", "\r\n"))
    assert result.details["examples"] == examples


def test_few_shot_one_example_is_not_enough_by_default_but_meets_a_minimum_of_one():
    one_shot = "Input: I loved it\nOutput: positive\n\nInput: {{text}}\nOutput:"
    result = run_prompt({"type": "prompt-few-shot"}, one_shot)
    assert not result.passed
    assert result.reason.startswith("Prompt has 1 few-shot example ('Input:'/'Output:' pairs)")
    assert run_prompt({"type": "prompt-few-shot", "min_examples": 1}, one_shot).passed


def test_few_shot_min_examples_raises_the_bar():
    assert not run_prompt(
        {"type": "prompt-few-shot", "min_examples": 4}, SENTIMENT_THREE_SHOT
    ).passed
    assert run_prompt({"type": "prompt-few-shot", "min_examples": 3}, SENTIMENT_THREE_SHOT).passed


def test_few_shot_examples_can_be_in_the_system_prompt():
    system, _, user = SENTIMENT_THREE_SHOT.rpartition("\n\n")
    result = run_prompt({"type": "prompt-few-shot"}, user, system=system)
    assert result.passed
    assert result.details["examples"] == 3


def test_few_shot_trailing_instructions_after_the_examples_do_not_hide_the_last_one():
    prompt = (
        "Input: great\nOutput: positive\nInput: awful\nOutput: negative\n\n"
        "Now classify this review, please: {{review}}"
    )
    assert run_prompt({"type": "prompt-few-shot"}, prompt).details["examples"] == 2


def test_few_shot_ignores_example_words_in_the_rendered_test_input():
    rendered = SENTIMENT_THREE_SHOT.replace("{{review}}", "x")
    result = run_prompt({"type": "prompt-few-shot"}, "Classify: {{review}}", rendered=rendered)
    assert not result.passed


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
    result = run_prompt({"type": "prompt-states-role"}, prompt)
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
    result = run_prompt({"type": "prompt-states-role"}, prompt)
    assert not result.passed, result.reason
    assert result.reason.startswith("Prompt states no role")


def test_states_role_reads_the_system_prompt_but_not_the_test_input():
    assert run_prompt({"type": "prompt-states-role"}, "{{q}}", system="You are a pirate.").passed
    rendered = "You are a pirate."
    assert not run_prompt({"type": "prompt-states-role"}, "{{q}}", rendered=rendered).passed


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
    result = run_prompt({"type": "prompt-specifies-format"}, prompt)
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
    result = run_prompt({"type": "prompt-specifies-format"}, prompt)
    assert not result.passed
    assert result.reason.startswith("Prompt does not specify an output format")


def test_specifies_format_quotes_the_first_cue():
    result = run_prompt(
        {"type": "prompt-specifies-format"}, "Summarize {{text}} in 3 bullet points."
    )
    assert result.reason == "Prompt specifies the output format: '3 bullet points'."


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
    result = run_prompt({"type": "prompt-asks-reasoning"}, prompt)
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
    result = run_prompt({"type": "prompt-asks-reasoning"}, prompt)
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
    result = run_prompt(entry, prompt)
    assert result.passed, result.reason
    assert "; final answer: '" in result.reason


def test_asks_reasoning_with_final_answer_fails_when_the_answer_is_not_set_apart():
    entry = {"type": "prompt-asks-reasoning", "final_answer": True}
    result = run_prompt(entry, "Think step by step about {{q}}.")
    assert not result.passed
    assert result.reason == (
        "Prompt asks for reasoning: 'step by step', but not for a separate final answer "
        "(e.g. 'Final answer: …')."
    )
    assert run_prompt({"type": "prompt-asks-reasoning"}, "Think step by step about {{q}}.").passed


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
