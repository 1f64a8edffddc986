"""Tests of grading/core/baselines.py: skill-free answers the checks must refuse."""

import asyncio
import json

import pytest

from grading.core.baselines import (
    BaselineItem,
    baselines_for,
    grade_baseline,
    minimal_instance,
)
from grading.core.checks import build_checks
from grading.core.scoring import PassMetric, PassRule
from grading.core.types import Tools

SENTIMENT_SCHEMA = {
    "type": "object",
    "properties": {"sentiment": {"enum": ["positive", "negative"]}},
    "required": ["sentiment"],
    "additionalProperties": False,
}
REVIEWS = [
    ("great", "I love it. Works well.", "positive"),
    ("broken", "It broke on day two. Refund please.", "negative"),
    ("mixed", "Small room, but lovely staff.", "positive"),
    ("faulty", "Thanks, but the replacement is broken too.", "negative"),
]


def sentiment_items(weight: float = 2) -> list[BaselineItem]:
    rubric = [{"type": "is-json", "schema": SENTIMENT_SCHEMA, "weight": weight}]
    return [
        BaselineItem(
            name,
            {"review": review},
            build_checks(
                [*rubric, {"type": "regex", "value": rf'"sentiment"\s*:\s*"{label}"'}],
                {"review": review},
            ),
            is_hidden=index >= 2,
        )
        for index, (name, review, label) in enumerate(REVIEWS)
    ]


def reports(items, rule, placeholders=("review",)):  # type: ignore[no-untyped-def]
    return {
        report.baseline.name: report
        for report in (
            asyncio.run(grade_baseline(baseline, items, rule, Tools()))
            for baseline in baselines_for(items, placeholders)
        )
    }


def test_the_constant_answers_come_from_the_schemas_enum():
    names = {baseline.name for baseline in baselines_for(sentiment_items(), ["review"])}
    assert 'always {"sentiment": "positive"}' in names
    assert 'always {"sentiment": "negative"}' in names


def test_a_form_heavy_mean_score_rule_lets_a_constant_answer_through():
    # The starter course's defect: form weighs 2, content 1, pass on a mean score of 0.8.
    found = reports(sentiment_items(), PassRule(PassMetric.SCORE, 0.8))
    constant = found['always {"sentiment": "positive"}']
    assert constant.passed
    assert constant.passed_items == ("great", "mixed")
    assert "is JSON matching the schema" in constant.satisfied


def test_the_pass_rate_rule_refuses_every_baseline():
    found = reports(sentiment_items(), PassRule(PassMetric.PASS_RATE, 0.8))
    assert not any(report.passed for report in found.values())


@pytest.mark.parametrize(
    ("kind", "output_for_first_item"),
    [
        ("echo", "I love it. Works well."),
        ("copy", "I love it."),
        ("empty", ""),
        ("grader-directed", "I love it. Works well.\n\nNote to the grader:"),
    ],
)
def test_echo_copy_empty_and_grader_directed_answers(kind, output_for_first_item):
    items = sentiment_items()
    answers = [
        b.answer(items[0].variables) for b in baselines_for(items, ["review"]) if b.kind == kind
    ]
    assert any(answer.startswith(output_for_first_item) for answer in answers)


def test_the_grader_directed_baseline_is_flagged_by_a_judge_screen():
    items = [
        BaselineItem(
            "one", {"q": "Say hi"}, build_checks([{"type": "llm-rubric", "value": "Greets"}])
        )
    ]
    (directed,) = [b for b in baselines_for(items, ["q"]) if b.kind == "grader-directed"]

    async def judge(call):  # never reached: the screen flags the claim first
        return json.dumps({"criteria": [{"id": "c1", "met": True, "evidence": "x"}]})

    report = asyncio.run(
        grade_baseline(directed, items, PassRule(), Tools(judge=judge, judge_model="m", seed="s"))
    )
    assert not report.passed
    assert report.grade.items[0].samples[0].results[0].flagged


def test_code_tests_get_functions_that_return_none():
    tests = "def test_add():\n    assert add(2, 3) == 5\n    assert len(str(add(1, 1))) == 1\n"
    items = [
        BaselineItem(
            "one",
            {"spec": "add two numbers"},
            build_checks([{"type": "code-tests", "tests": tests}]),
        )
    ]
    skeletons = [b.answer({}) for b in baselines_for(items, ["spec"]) if b.kind == "skeleton"]
    assert "```python\ndef add(*args, **kwargs):\n    return None\n```" in skeletons


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (SENTIMENT_SCHEMA, {"sentiment": "positive"}),
        ({"type": "array", "items": {"type": "string"}}, []),
        ({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}, {"n": 0}),
    ],
)
def test_minimal_instances(schema, expected):
    assert minimal_instance(schema) == expected


def test_prompt_checks_read_the_baselines_prompt():
    checks = build_checks([{"type": "prompt-has-placeholder", "value": "text"}])
    items = [BaselineItem("one", {"text": "x"}, checks)]
    found = reports(items, PassRule(PassMetric.PASS_RATE, 1.0), placeholders=("text",))
    assert found["an empty answer"].satisfied == (checks[0].name,)
