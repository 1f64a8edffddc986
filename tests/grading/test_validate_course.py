"""manage.py validate_course: every exercise graded against its degenerate baselines."""

import io

import pytest
from django.core.management import call_command

from tests.factories import CourseFactory, ExerciseFactory, TestInputFactory

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "properties": {"label": {"enum": ["yes", "no"]}},
    "required": ["label"],
}


def _exercise(course, pass_metric: str):  # type: ignore[no-untyped-def]
    exercise = ExerciseFactory(
        course=course,
        title=f"Yes or no ({pass_metric})",
        rubric=[{"type": "is-json", "schema": SCHEMA, "weight": 3}],
        pass_metric=pass_metric,
        pass_threshold=0.8,
        required_placeholders=["question"],
    )
    for number, label in enumerate(["yes", "yes", "no", "yes"]):
        TestInputFactory(
            exercise=exercise,
            name=f"item {number}",
            variables={"question": f"Question {number}?"},
            is_hidden=number >= 2,
            checks=[{"type": "regex", "value": f'"label"\\s*:\\s*"{label}"'}],
        )
    return exercise


def validate(slug: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("validate_course", slug, stdout=out)
    except SystemExit as exit_info:
        return int(exit_info.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_an_exercise_a_constant_answer_passes_fails_validation_with_the_reason():
    course = CourseFactory(slug="weak")
    _exercise(course, "score")
    code, printed = validate("weak")
    assert code == 1
    assert 'FAIL Yes or no (score): best baseline \'always {"label": "yes"}\'' in printed
    assert "passed by constant baseline" in printed
    assert "satisfying: is JSON matching the schema" in printed
    assert 'hidden item 3 let \'always {"label": "yes"}\' through' in printed


def test_an_exercise_that_refuses_every_baseline_passes_validation():
    course = CourseFactory(slug="sound")
    _exercise(course, "pass_rate")
    code, printed = validate("sound")
    assert code == 0, printed
    assert "every exercise refuses every degenerate baseline" in printed
