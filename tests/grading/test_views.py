from unittest import mock

import pytest
from django.urls import reverse

from grading.models import CheckOutcome, Status, Submission, TestRun
from tests.factories import ExerciseFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner_client(client, learner):  # type: ignore[no-untyped-def]
    client.force_login(learner)
    return client


def graded_submission(learner, exercise) -> Submission:  # type: ignore[no-untyped-def]
    submission = SubmissionFactory(
        learner=learner, exercise=exercise, status=Status.GRADED, score=0.5, passed=False
    )
    for test_input in exercise.test_inputs.all():
        run = TestRun.objects.create(
            submission=submission,
            test_input=test_input,
            is_hidden=test_input.is_hidden,
            rendered_prompt=f"prompt about {test_input.variables['country']}",
            output=f"output about {test_input.variables['country']}",
            score=1.0 if not test_input.is_hidden else 0.0,
            passed=not test_input.is_hidden,
            latency_ms=12,
        )
        CheckOutcome.objects.create(
            run=run,
            position=0,
            kind="icontains",
            name="icontains 'capital'",
            passed=run.passed,
            score=run.score,
            weight=1,
            reason=f"reason mentioning {test_input.variables['country']}",
        )
    return submission


# --- exercise page --------------------------------------------------------------------------


def test_the_exercise_page_shows_instructions_visible_inputs_and_history(
    learner_client, learner, exercise
):
    SubmissionFactory(learner=learner, exercise=exercise, prompt="my earlier {{country}} prompt")

    response = learner_client.get(reverse("grading:exercise", args=[exercise.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Make the model name the capital" in html
    assert "France" in html
    assert "Atlantis-hidden-value" not in html
    assert "1 hidden input" in html
    assert "my earlier {{country}} prompt" in html  # the form starts from the latest attempt


def test_the_exercise_page_shows_only_my_attempts(learner_client, other_learner, exercise):
    SubmissionFactory(learner=other_learner, exercise=exercise, prompt="their secret prompt")

    response = learner_client.get(reverse("grading:exercise", args=[exercise.pk]))

    assert "their secret prompt" not in response.content.decode()
    assert "No attempts yet" in response.content.decode()


def test_the_exercise_page_redirects_anonymous_visitors_to_login(client, exercise):
    response = client.get(reverse("grading:exercise", args=[exercise.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_unpublished_exercise_is_404_for_learners(learner_client):
    hidden = ExerciseFactory(course__is_published=False)
    response = learner_client.get(reverse("grading:exercise", args=[hidden.pk]))
    assert response.status_code == 404


def test_an_unknown_exercise_is_404(learner_client):
    assert learner_client.get(reverse("grading:exercise", args=[999999])).status_code == 404


def test_the_exercise_page_refuses_post(learner_client, exercise):
    assert learner_client.post(reverse("grading:exercise", args=[exercise.pk])).status_code == 405


# --- submit ---------------------------------------------------------------------------------


def test_submitting_a_prompt_queues_it_and_redirects_to_the_submission(
    learner_client, learner, exercise, django_capture_on_commit_callbacks
):
    with (
        mock.patch("grading.tasks.grade_submission.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = learner_client.post(
            reverse("grading:submit", args=[exercise.pk]),
            {"prompt": "Capital of {{country}}?", "system_prompt": ""},
        )

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("grading:submission", args=[submission.pk])
    assert submission.learner == learner
    assert submission.status == Status.QUEUED
    delay.assert_called_once_with(submission.pk)


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "This field is required"),
        ("Name a capital.", "must use the placeholder"),
        ("{{country}}" + "x" * 8001, "the limit is 8,000"),
    ],
)
def test_a_bad_prompt_is_a_form_error_and_nothing_is_queued(
    learner_client, exercise, prompt, message
):
    with mock.patch("grading.tasks.grade_submission.delay") as delay:
        response = learner_client.post(
            reverse("grading:submit", args=[exercise.pk]), {"prompt": prompt}
        )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.exists()
    delay.assert_not_called()


def test_submitting_redirects_anonymous_visitors_to_login(client, exercise):
    response = client.post(reverse("grading:submit", args=[exercise.pk]), {"prompt": "x"})
    assert response.status_code == 302
    assert not Submission.objects.exists()


def test_submitting_to_an_unknown_exercise_is_404(learner_client):
    response = learner_client.post(reverse("grading:submit", args=[999999]), {"prompt": "x"})
    assert response.status_code == 404


def test_submitting_refuses_get(learner_client, exercise):
    assert learner_client.get(reverse("grading:submit", args=[exercise.pk])).status_code == 405


# --- submission page and status partial ------------------------------------------------------


def test_a_queued_submission_page_polls_its_status(learner_client, learner, exercise):
    submission = SubmissionFactory(learner=learner, exercise=exercise)

    response = learner_client.get(reverse("grading:submission", args=[submission.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("grading:submission_status", args=[submission.pk]) in html
    assert 'data-status="queued"' in html


def test_a_graded_submission_shows_visible_details_and_only_pass_fail_for_hidden_inputs(
    learner_client, learner, exercise
):
    submission = graded_submission(learner, exercise)

    html = learner_client.get(reverse("grading:submission", args=[submission.pk])).content.decode()

    assert "50%" in html
    assert "Not passed" in html
    assert "output about France" in html
    assert "reason mentioning France" in html
    assert "Hidden test" in html
    assert "Atlantis-hidden-value" not in html
    assert "data-poll-url" not in html


def test_the_status_partial_is_only_the_status_panel(learner_client, learner, exercise):
    submission = graded_submission(learner, exercise)

    response = learner_client.get(reverse("grading:submission_status", args=[submission.pk]))

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="submission-status"')
    assert "<html" not in html
    assert "Atlantis-hidden-value" not in html


def test_an_errored_submission_shows_the_message_and_a_retry_button(
    learner_client, learner, exercise
):
    submission = SubmissionFactory(
        learner=learner, exercise=exercise, status=Status.ERROR, last_error="Model is down."
    )

    html = learner_client.get(reverse("grading:submission", args=[submission.pk])).content.decode()

    assert "Model is down." in html
    assert reverse("grading:retry", args=[submission.pk]) in html


@pytest.mark.parametrize("name", ["grading:submission", "grading:submission_status"])
def test_another_learners_submission_is_404(learner_client, other_learner, exercise, name):
    theirs = SubmissionFactory(learner=other_learner, exercise=exercise)
    assert learner_client.get(reverse(name, args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("name", ["grading:submission", "grading:submission_status"])
def test_submission_pages_redirect_anonymous_visitors_to_login(client, exercise, name):
    submission = SubmissionFactory(exercise=exercise)
    assert client.get(reverse(name, args=[submission.pk])).status_code == 302


@pytest.mark.parametrize("name", ["grading:submission", "grading:submission_status"])
def test_submission_pages_refuse_post(learner_client, learner, exercise, name):
    submission = SubmissionFactory(learner=learner, exercise=exercise)
    assert learner_client.post(reverse(name, args=[submission.pk])).status_code == 405


# --- retry ----------------------------------------------------------------------------------


def test_retrying_an_errored_submission_queues_it_again(
    learner_client, learner, exercise, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory(learner=learner, exercise=exercise, status=Status.ERROR)
    with (
        mock.patch("grading.tasks.grade_submission.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = learner_client.post(reverse("grading:retry", args=[submission.pk]))

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    delay.assert_called_once_with(submission.pk)


def test_retrying_a_graded_submission_says_it_cannot(learner_client, learner, exercise):
    submission = SubmissionFactory(learner=learner, exercise=exercise, status=Status.GRADED)

    response = learner_client.post(reverse("grading:retry", args=[submission.pk]), follow=True)

    assert "Only a submission that ended in an error can be retried." in response.content.decode()


def test_retrying_another_learners_submission_is_404(learner_client, other_learner, exercise):
    theirs = SubmissionFactory(learner=other_learner, exercise=exercise, status=Status.ERROR)
    assert learner_client.post(reverse("grading:retry", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.ERROR


def test_retrying_redirects_anonymous_visitors_to_login(client, exercise):
    submission = SubmissionFactory(exercise=exercise, status=Status.ERROR)
    assert client.post(reverse("grading:retry", args=[submission.pk])).status_code == 302


def test_retrying_refuses_get(learner_client, learner, exercise):
    submission = SubmissionFactory(learner=learner, exercise=exercise, status=Status.ERROR)
    assert learner_client.get(reverse("grading:retry", args=[submission.pk])).status_code == 405


# --- repeated samples, statistics and flaky items -------------------------------------------


def graded_through_the_engine(learner, exercise, answers):  # type: ignore[no-untyped-def]
    import itertools

    from grading import services
    from tests.grading.fakes import FakeModelClient

    cycle = itertools.cycle(answers)
    submission = SubmissionFactory(learner=learner, exercise=exercise)
    return services.grade_submission(
        submission_id=submission.pk, client=FakeModelClient(lambda request: next(cycle))
    )


def test_samples_statistics_and_flaky_items_are_shown(learner_client, learner, exercise):
    exercise.samples = 2
    exercise.pass_threshold = 0.5
    exercise.save()
    secret = exercise.test_inputs.get(is_hidden=True)
    secret.checks = [{"type": "not-contains", "value": "Atlantis-hidden-value"}]
    secret.save()
    submission = graded_through_the_engine(learner, exercise, ["capital", "no idea"])

    page = learner_client.get(reverse("grading:submission", args=[submission.pk]))
    html = page.content.decode()
    assert "Passed <strong>2 of 4</strong> runs" in html
    assert "95% interval" in html
    assert "pass^2 0%" in html
    assert "2 test inputs flipped between samples" in html
    assert html.count('class="badge flaky"') == 2
    assert "Hidden test 1:" in html
    assert "1/2 samples passed" in html
    assert "Sample 2: ✘ failed" in html
    assert "Atlantis" not in html, "a hidden value reached the learner's browser"


def test_judge_criteria_and_check_errors_are_explained(learner_client, learner, exercise):
    submission = graded_submission(learner, exercise)
    run = submission.runs.get(is_hidden=False)
    CheckOutcome.objects.create(
        run=run,
        position=1,
        kind="llm-rubric",
        name="judge: polite reply",
        passed=False,
        score=0.5,
        weight=1,
        reason="1 of 2 criteria met.",
        details={
            "criteria": [
                {
                    "id": "polite",
                    "description": "The reply is polite",
                    "met": True,
                    "evidence": "Thank you for writing",
                },
                {
                    "id": "short",
                    "description": "At most two sentences",
                    "met": False,
                    "evidence": "five sentences",
                },
            ]
        },
    )
    CheckOutcome.objects.create(
        run=run,
        position=2,
        kind="code-tests",
        name="unit tests",
        passed=False,
        score=0,
        weight=1,
        reason="the code sandbox is not configured",
        error=True,
    )
    html = learner_client.get(reverse("grading:submission", args=[submission.pk])).content.decode()
    assert "The reply is polite" in html
    assert "<q>Thank you for writing</q>" in html
    assert '<li class="error">' in html
    assert "the code sandbox is not configured" in html


def test_the_history_shows_a_verdict_only_for_graded_attempts(learner_client, learner, exercise):
    SubmissionFactory(
        learner=learner, exercise=exercise, status=Status.ERROR, score=1.0, passed=True
    )
    html = learner_client.get(reverse("grading:exercise", args=[exercise.pk])).content.decode()
    assert "✔ passed" not in html
    assert "Error" in html


def test_an_unknown_latency_is_left_out_not_printed_as_none_ms(learner_client, learner, exercise):
    submission = graded_submission(learner, exercise)
    submission.runs.update(latency_ms=None)
    page = learner_client.get(reverse("grading:submission", args=[submission.pk]))
    text = page.content.decode()
    assert "None ms" not in text
    assert " ms" not in text.split("Model output", 1)[1].split("</details>", 1)[0]
    submission.runs.update(latency_ms=12)
    page = learner_client.get(reverse("grading:submission", args=[submission.pk]))
    assert "12 ms" in page.content.decode()
