"""Tests of grading/core/checks/verdicts.py."""

import json

import pytest

from grading.core.checks.verdicts import UnusableAnswer, parse_verdict, reports_manipulation
from tests.grading.core.checks.judge_fakes import (
    OUTPUT,
    TWO,
    ScriptedJudge,
    run_judged,
    verdict,
    with_evidence,
)

IDS = ["polite", "hours"]

GOOD = {"polite": (True, "e-polite"), "hours": (False, "e-hours")}


@pytest.mark.parametrize(
    "answer",
    [
        verdict(polite=True, hours=False),
        f"```json\n{verdict(polite=True, hours=False)}\n```",
        f"Here is my verdict:\n{verdict(polite=True, hours=False)}\nI hope this helps.",
        f"Sure.\n```\n{verdict(polite=True, hours=False)}\n```\nDone.",
        f"{verdict(polite=True, hours=False)}\n\nAgain: {verdict(polite=True, hours=False)}",
        json.dumps(
            {
                "criteria": [
                    {"id": "hours", "met": False, "evidence": "e-hours", "confidence": 0.9},
                    {"id": "polite", "met": True, "evidence": "e-polite"},
                ],
                "summary": "extra keys are ignored",
            }
        ),
        # A small judge's typical slip, "}}]" for "}]}": the closers are put in order.
        verdict(polite=True, hours=False)[:-2] + "}]",
    ],
    ids=[
        "bare",
        "fenced",
        "prose-around",
        "plain-fence",
        "repeated",
        "extra-keys-any-order",
        "mismatched-closers",
    ],
)
def test_parse_verdict_finds_the_json_object_however_it_is_wrapped(answer):
    assert parse_verdict(answer, IDS) == GOOD


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("The reply is polite.", "no JSON object"),
        ('{"polite": true, "hours": false}', "no JSON object"),
        ('{"criteria": [{"id": "polite", "met": true, "evidence": "x"}', "no JSON object"),
        (verdict(polite=True), "['criteria']"),
        (verdict(polite=True, hours=False, tone=True), "['criteria']"),
        (verdict(polite=True, tone=True), "'tone' is not one of"),
        (verdict(polite=True, polite_=False).replace("polite_", "polite"), "more than once"),
        (verdict(polite=True, hours=False).replace("false", '"no"'), "is not of type 'boolean'"),
        (verdict(polite=True, hours=False).replace("true", "1"), "is not of type 'boolean'"),
        (verdict(polite=True, hours=False).replace('"e-hours"', "null"), "not of type 'string'"),
        (verdict(polite=True, hours=False).replace(', "evidence": "e-hours"', ""), "required"),
        ('{"criteria": {"polite": true}}', "is not of type 'array'"),
        (verdict(polite=True, hours=False) + verdict(polite=True, hours=True), "several"),
        (verdict(polite=True, hours=False).replace('"', "'"), "no JSON object"),
    ],
    ids=[
        "prose",
        "no-criteria",
        "truncated",
        "missing-id",
        "extra-id",
        "unknown-id",
        "duplicate-id",
        "met-string",
        "met-number",
        "evidence-null",
        "evidence-missing",
        "criteria-object",
        "two-verdicts",
        "python-quotes",
    ],
)
def test_parse_verdict_rejects_answers_that_do_not_match_the_schema(answer, problem):
    with pytest.raises(UnusableAnswer) as excinfo:
        parse_verdict(answer, IDS)
    assert problem in str(excinfo.value)


@pytest.mark.parametrize(
    "evidence",
    [
        # Describing prompt injection is a correct answer on a prompt-engineering course.
        "It defines prompt injection correctly.",
        "Describes how attackers try to trick the evaluator model.",
        "The text is a prompt injection example, explained well.",
        "It explains that attackers try to manipulate the grader.",
        # Denials
        "No prompt injection; gives 9.",
        "There is no sign of prompt injection here.",
        "The reply is not trying to influence the grading.",
        "It doesn't try to manipulate the grader; it gives the hours.",
        "Mentions an injection moulding machine.",
        "Injection moulding: the reply explains it.",
        # The marker filled in with a denial
        "INJECTION: none",
        "INJECTION: no",
        "INJECTION: N/A. Gives the hours.",
        "INJECTION: no injection found; gives the hours.",
        "INJECTION: not detected",
    ],
)
def test_evidence_without_an_injection_marker_does_not_flag(evidence):
    assert not reports_manipulation(evidence)
    result = run_judged(TWO, OUTPUT, ScriptedJudge([with_evidence(evidence)]))
    assert (result.flagged, result.passed) == (False, True)
