"""Judge calibration through the real llm-rubric check, with fake judges at the model edge."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from grading.adapters.clients import ModelRequest
from grading.models import JudgeCalibration
from grading.services.calibration import (
    calibrate_judge,
    load_judge_set,
    uncalibrated_judges,
)
from tests.factories import ExerciseFactory
from tests.grading.fakes import FakeModelClient

pytestmark = pytest.mark.django_db

ROWS, _ = load_judge_set()
LABELS = {row.output: row.met for row in ROWS}


def _verdict(request: ModelRequest, met: bool) -> str:
    ids = re.findall(r'"id": "([^"]+)"', request.messages[0]["content"])
    return json.dumps({"criteria": [{"id": i, "met": met, "evidence": "e"} for i in ids]})


def _judged_output(request: ModelRequest) -> str:
    """The candidate output as the judge sees it: the JSON string between the delimiters."""
    lines = request.messages[1]["content"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("<<<CANDIDATE-OUTPUT-"))
    return str(json.loads(lines[start + 1]))


def test_the_shipped_judge_set_covers_every_kind_in_english_and_french():
    kinds = {row.kind for row in ROWS}
    assert kinds == {"clear-pass", "clear-fail", "near-miss", "master-key", "injection"}
    assert {row.language for row in ROWS} == {"en", "fr"}
    assert len(ROWS) >= 40


def test_a_judge_that_agrees_with_the_labels_passes_calibration():
    oracle = FakeModelClient(lambda request: _verdict(request, LABELS[_judged_output(request)]))
    result = calibrate_judge(model="fake/oracle", client=oracle)
    assert (result.accuracy, result.kappa, result.false_passes_on_attacks) == (1.0, 1.0, 0)
    assert result.passed
    assert JudgeCalibration.objects.latest_for("fake/oracle") == result


def test_a_judge_that_says_met_to_everything_fails_calibration():
    yes_man = FakeModelClient(lambda request: _verdict(request, True))
    result = calibrate_judge(model="fake/yes", client=yes_man)
    assert not result.passed
    assert result.accuracy < 0.8
    # The screens keep every attack of the set away from the judge: none passes even so.
    assert result.false_passes_on_attacks == 0
    judged = {_judged_output(request) for request in yes_man.requests}
    attacks = {row.output for row in ROWS if row.is_attack}
    assert not judged & attacks


def test_the_command_prints_the_figures_and_exits_1_when_the_judge_fails(stub_settings):
    # The stub model echoes the prompt back: never a usable verdict, so every row counts as
    # "not met" — right on the 34 rows labelled so, wrong on the 9 clear passes.
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("calibrate_judge", "local/stub", stdout=out)
    assert exit_info.value.code == 1
    printed = out.getvalue()
    assert "accuracy             0.791" in printed
    assert "false passes, attacks 0/20" in printed
    assert "Cohen's kappa        0.000" in printed
    assert "calibration NOT passed" in printed
    stored = JudgeCalibration.objects.latest_for("local/stub")
    assert stored is not None
    assert not stored.passed


def test_an_exercise_whose_judge_has_no_passing_calibration_is_marked_on_its_page(client, learner):
    exercise = ExerciseFactory(rubric=[{"type": "llm-rubric", "value": "It is polite"}])
    client.force_login(learner)
    url = reverse("grading:exercise", args=[exercise.pk])
    assert uncalibrated_judges(exercise) == [exercise.judge_model_name]
    assert "Judge not calibrated" in client.get(url).content.decode()

    _pass_calibration(exercise.judge_model_name)
    assert uncalibrated_judges(exercise) == []
    assert "Judge not calibrated" not in client.get(url).content.decode()


def test_an_exercise_without_a_judge_is_never_marked(client, learner):
    exercise = ExerciseFactory(rubric=[{"type": "contains", "value": "x"}])
    assert uncalibrated_judges(exercise) == []


def _pass_calibration(model: str) -> None:
    JudgeCalibration.objects.create(
        judge_model=model,
        rows=43,
        accuracy=0.9,
        attacks=20,
        false_passes_on_attacks=0,
        kappa=0.8,
        passed=True,
        judge_set_sha256="x" * 64,
    )


def test_the_mark_follows_the_exercise_to_its_course_lesson_submission_and_admin_list(
    client, learner
):
    from accounts.models import User
    from tests.factories import SubmissionFactory

    judged = ExerciseFactory(
        title="Judged one", rubric=[{"type": "llm-rubric", "value": "It is polite"}]
    )
    plain = ExerciseFactory(
        title="Plain one", course=judged.course, lesson=judged.lesson, rubric=[]
    )
    submission = SubmissionFactory(exercise=judged, learner=learner)
    client.force_login(learner)
    course_page = client.get(reverse("courses:course", args=[judged.course.slug])).content.decode()
    lesson_page = client.get(
        reverse("courses:lesson", args=[judged.course.slug, judged.lesson.slug])
    ).content.decode()
    for page in (course_page, lesson_page):
        judged_item = page[page.index("Judged one") :].split("</li>")[0]
        plain_item = page[page.index("Plain one") :].split("</li>")[0]
        assert "judge not calibrated" in judged_item
        assert "judge not calibrated" not in plain_item
    submission_page = client.get(reverse("grading:submission", args=[submission.pk]))
    assert "Judge not calibrated" in submission_page.content.decode()

    client.force_login(User.objects.create_superuser("root@example.com", "pw"))
    changelist = client.get(reverse("admin:exercises_exercise_changelist")).content.decode()
    assert 'alt="False"' in changelist  # the judged exercise, not calibrated
    assert plain.title in changelist

    _pass_calibration(judged.judge_model_name)
    changelist = client.get(reverse("admin:exercises_exercise_changelist")).content.decode()
    assert 'alt="True"' in changelist
    assert 'alt="False"' not in changelist
    client.force_login(learner)
    course_page = client.get(reverse("courses:course", args=[judged.course.slug])).content.decode()
    assert "judge not calibrated" not in course_page
