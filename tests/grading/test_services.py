from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from grading import services
from grading.adapters.clients import LiteLLMClient, ModelRejected, ModelUnavailable
from grading.exceptions import InvalidPrompt, NotRetryable
from grading.models import CheckOutcome, Status, Submission, TestRun
from tests.factories import ExerciseFactory, SubmissionFactory, TestInputFactory
from tests.grading.fakes import FakeModelClient

pytestmark = pytest.mark.django_db


def submit(learner, exercise, prompt="Name the capital of {{country}}.", **extra):  # type: ignore[no-untyped-def]
    queued: list[int] = []
    submission = services.submit_attempt(
        learner=learner, exercise=exercise, prompt=prompt, enqueue=queued.append, **extra
    )
    return submission, queued


# --- check_prompt / submit_attempt ----------------------------------------------------------


def test_it_rejects_an_empty_prompt(learner, exercise):
    with pytest.raises(InvalidPrompt, match="empty"):
        submit(learner, exercise, prompt="   \n ")
    assert not Submission.objects.exists()


def test_it_rejects_a_prompt_over_the_limit(learner, exercise):
    exercise.max_prompt_chars = 50
    exercise.save()
    with pytest.raises(InvalidPrompt, match="limit is 50"):
        submit(learner, exercise, prompt="{{country}} " + "x" * 60)
    assert not Submission.objects.exists()


def test_the_system_prompt_counts_towards_the_limit(learner, exercise):
    exercise.max_prompt_chars = 50
    exercise.save()
    with pytest.raises(InvalidPrompt, match="limit"):
        submit(learner, exercise, prompt="{{country}}", system_prompt="y" * 45)


def test_it_rejects_a_prompt_missing_a_required_placeholder(learner, exercise):
    with pytest.raises(InvalidPrompt, match=r"\{\{country\}\}"):
        submit(learner, exercise, prompt="Name a capital.")
    assert not Submission.objects.exists()


def test_it_rejects_a_placeholder_the_test_inputs_do_not_provide(learner, exercise):
    with pytest.raises(InvalidPrompt, match=r"Unknown placeholder \{\{city\}\}"):
        submit(learner, exercise, prompt="{{country}} and {{city}}")


def test_a_placeholder_in_the_system_prompt_counts(learner, exercise):
    submission, _ = submit(learner, exercise, prompt="Answer.", system_prompt="About {{country}}")
    assert submission.status == Status.QUEUED


def test_it_queues_the_submission_only_after_commit(
    learner, exercise, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = services.submit_attempt(
            learner=learner,
            exercise=exercise,
            prompt="Capital of {{country}}?",
            enqueue=queued.append,
        )
        assert queued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [submission.pk]


def test_submissions_are_numbered_per_learner_and_exercise(learner, other_learner, exercise):
    first, _ = submit(learner, exercise, prompt="{{country}}")
    second, _ = submit(learner, exercise, prompt="{{country}}")
    theirs, _ = submit(other_learner, exercise, prompt="{{country}}")
    assert (first.number, second.number, theirs.number) == (1, 2, 1)


# --- grade_submission -------------------------------------------------------------------------


def test_it_grades_every_test_input_and_stores_the_verdict(exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="The capital of {{country}} is…")
    client = FakeModelClient()

    graded = services.grade_submission(submission_id=submission.pk, client=client)

    assert graded is not None
    assert graded.status == Status.GRADED
    assert graded.passed is True
    assert graded.score == 1.0
    assert graded.finished_at is not None
    assert graded.grading_attempts == 1
    rendered = sorted(request.messages[-1]["content"] for request in client.requests)
    assert rendered == [
        "The capital of Atlantis-hidden-value is…",
        "The capital of France is…",
    ]
    runs = list(
        TestRun.objects.filter(submission=submission).order_by("test_input__position", "pk")
    )
    assert [run.is_hidden for run in runs] == [False, True]
    assert runs[0].output == "The capital of France is…"
    assert runs[0].latency_ms == 5
    outcome = CheckOutcome.objects.get(run=runs[0])
    assert outcome.passed
    assert outcome.kind == "icontains"


def test_a_failing_check_lowers_the_score_and_fails_the_submission(exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="Tell me about {{country}}.")

    graded = services.grade_submission(submission_id=submission.pk, client=FakeModelClient())

    assert graded.status == Status.GRADED
    assert graded.passed is False
    assert graded.score == 0.0
    reasons = list(CheckOutcome.objects.values_list("reason", flat=True))
    assert all("capital" in reason for reason in reasons)


def test_per_input_checks_add_to_the_rubric_and_weights_count(exercise):
    exercise.rubric = [{"type": "icontains", "value": "capital", "weight": 3}]
    exercise.pass_metric = "score"  # the weighted mean score, which the weights make
    exercise.pass_threshold = 0.5
    exercise.save()
    exercise.test_inputs.filter(is_hidden=True).delete()
    france = exercise.test_inputs.get()
    france.checks = [{"type": "contains", "value": "Paris"}]
    france.save()
    submission = SubmissionFactory(exercise=exercise, prompt="The capital of {{country}}.")

    graded = services.grade_submission(submission_id=submission.pk, client=FakeModelClient())

    assert graded.score == pytest.approx(0.75)
    assert graded.passed is True
    assert CheckOutcome.objects.count() == 2


def test_each_input_runs_once_per_sample(exercise):
    exercise.samples = 3
    exercise.save()
    submission = SubmissionFactory(exercise=exercise, prompt="capital of {{country}}")
    client = FakeModelClient()

    services.grade_submission(submission_id=submission.pk, client=client)

    assert len(client.requests) == 6
    assert sorted(TestRun.objects.values_list("sample_index", flat=True)) == [0, 0, 1, 1, 2, 2]


def test_the_system_prompt_is_sent_as_a_system_message(exercise):
    submission = SubmissionFactory(
        exercise=exercise, prompt="{{country}}", system_prompt="You are a {{country}} expert."
    )
    client = FakeModelClient()

    services.grade_submission(submission_id=submission.pk, client=client)

    messages = client.requests[0].messages
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"].endswith("expert.")


def test_model_calls_run_concurrently_but_within_the_model_bound(exercise):
    for index in range(10):
        TestInputFactory(exercise=exercise, variables={"country": f"C{index}"})
    submission = SubmissionFactory(exercise=exercise, prompt="capital {{country}}")
    client = FakeModelClient(concurrency=3, delay=0.01)

    services.grade_submission(submission_id=submission.pk, client=client)

    assert client.peak_in_flight == 3


def test_grading_twice_is_harmless(exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="capital {{country}}")
    client = FakeModelClient()

    services.grade_submission(submission_id=submission.pk, client=client)
    second = services.grade_submission(submission_id=submission.pk, client=client)

    assert second is None
    assert len(client.requests) == 2
    assert TestRun.objects.filter(submission=submission).count() == 2


def test_a_transient_model_error_puts_the_submission_back_in_the_queue(exercise):
    submission = SubmissionFactory(exercise=exercise)
    client = FakeModelClient(error=ModelUnavailable("The model is unavailable right now."))

    with pytest.raises(ModelUnavailable):
        services.grade_submission(submission_id=submission.pk, client=client)

    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert "unavailable" in submission.last_error
    assert submission.grading_attempts == 1


def test_a_permanent_model_error_ends_as_an_error_the_learner_sees(exercise):
    submission = SubmissionFactory(exercise=exercise)
    client = FakeModelClient(error=ModelRejected("The grading model rejected our credentials."))

    result = services.grade_submission(submission_id=submission.pk, client=client)

    assert result.status == Status.ERROR
    assert result.last_error == "The grading model rejected our credentials."
    assert not TestRun.objects.exists()


def test_a_misconfigured_rubric_ends_as_an_error_not_a_crash(exercise):
    exercise.rubric = [{"type": "no-such-check"}]
    exercise.save()
    submission = SubmissionFactory(exercise=exercise)

    result = services.grade_submission(submission_id=submission.pk, client=FakeModelClient())

    assert result.status == Status.ERROR
    assert "cannot be graded" in result.last_error
    assert Submission.objects.get(pk=submission.pk).status == Status.ERROR


def test_an_exercise_without_test_inputs_ends_as_an_error():
    exercise = ExerciseFactory(required_placeholders=[])
    submission = SubmissionFactory(exercise=exercise, prompt="hello")

    result = services.grade_submission(submission_id=submission.pk, client=FakeModelClient())

    assert result.status == Status.ERROR
    assert "no test inputs" in result.last_error


def test_an_unexpected_error_ends_as_an_error_and_is_raised(exercise):
    submission = SubmissionFactory(exercise=exercise)
    client = FakeModelClient(error=ZeroDivisionError("bug"))

    with pytest.raises(ZeroDivisionError):
        services.grade_submission(submission_id=submission.pk, client=client)

    submission.refresh_from_db()
    assert submission.status == Status.ERROR
    assert "internal error" in submission.last_error


def test_a_slow_twin_whose_claim_was_taken_over_writes_nothing(exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="capital {{country}}")
    taken_over = []

    def another_worker_claims_first(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        # Just before this worker writes its verdict, the sweep requeued the row and another
        # worker claimed it (a concurrent writer, as the database sees it).
        if (
            not taken_over
            and sql.startswith('UPDATE "grading_submission"')
            and "finished_at" in sql
        ):
            taken_over.append(True)
            execute(
                'UPDATE "grading_submission" SET "grading_attempts" = 5 WHERE "id" = %s',
                [submission.pk],
                False,
                context,
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(another_worker_claims_first):
        result = services.grade_submission(submission_id=submission.pk, client=FakeModelClient())

    assert taken_over
    assert result is not None
    submission.refresh_from_db()
    assert (submission.status, submission.grading_attempts) == (Status.GRADING, 5)
    assert not TestRun.objects.exists()


def test_litellm_mock_response_flows_through_the_real_client(exercise):
    submission = SubmissionFactory(exercise=exercise, model="openai/gpt-4o-mini")
    client = LiteLLMClient(
        local_api_base="http://127.0.0.1:9/v1",
        timeout=5,
        local_concurrency=1,
        remote_concurrency=4,
        mock_response="The capital is Paris.",
    )

    graded = services.grade_submission(submission_id=submission.pk, client=client)

    assert graded.status == Status.GRADED
    assert graded.passed is True
    assert set(TestRun.objects.values_list("output", flat=True)) == {"The capital is Paris."}


def test_the_real_client_grades_against_an_openai_compatible_server(stub_settings, exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="The capital of {{country}}")

    graded = services.grade_submission(submission_id=submission.pk)

    assert graded.status == Status.GRADED
    assert graded.passed is True
    run = TestRun.objects.filter(is_hidden=False).get()
    assert run.output == "The capital of France"
    assert run.completion_tokens == 4


def test_a_server_error_from_the_provider_is_transient(stub_settings, exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="[[stub:status=503]] {{country}}")

    with pytest.raises(ModelUnavailable):
        services.grade_submission(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.QUEUED


def test_bad_credentials_at_the_provider_are_permanent(stub_settings, exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="[[stub:status=401]] {{country}}")

    result = services.grade_submission(submission_id=submission.pk)

    assert result.status == Status.ERROR
    assert "credentials" in result.last_error


def test_an_unreachable_model_server_is_transient(settings, exercise):
    settings.PROMPTCRAFT_LOCAL_MODEL_URL = "http://127.0.0.1:9/v1"
    settings.PROMPTCRAFT_MODEL_TIMEOUT = 5
    submission = SubmissionFactory(exercise=exercise)

    with pytest.raises(ModelUnavailable):
        services.grade_submission(submission_id=submission.pk)


# --- retry, fail, sweep ---------------------------------------------------------------------


def test_a_failed_submission_can_be_retried(exercise, django_capture_on_commit_callbacks):
    submission = SubmissionFactory(exercise=exercise, status=Status.ERROR, last_error="boom")
    queued: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_submission(submission=submission, enqueue=queued.append)
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert submission.last_error == ""
    assert queued == [submission.pk]


@pytest.mark.parametrize("status", [Status.QUEUED, Status.GRADING, Status.GRADED])
def test_only_a_failed_submission_can_be_retried(exercise, status):
    submission = SubmissionFactory(exercise=exercise, status=status)
    queued: list[int] = []
    with pytest.raises(NotRetryable):
        services.retry_submission(submission=submission, enqueue=queued.append)
    assert queued == []


def test_fail_submission_ends_an_unfinished_submission_and_leaves_a_graded_one(exercise):
    queued = SubmissionFactory(exercise=exercise)
    graded = SubmissionFactory(exercise=exercise, status=Status.GRADED, score=1, passed=True)

    for submission in (queued, graded):
        services.fail_submission(submission_id=submission.pk, message="Model down.")

    queued.refresh_from_db()
    graded.refresh_from_db()
    assert (queued.status, queued.last_error) == (Status.ERROR, "Model down.")
    assert graded.status == Status.GRADED


def test_the_sweep_requeues_only_submissions_stuck_for_too_long(
    settings, exercise, django_capture_on_commit_callbacks
):
    settings.PROMPTCRAFT_STUCK_AFTER_SECONDS = 600
    stuck_grading = SubmissionFactory(exercise=exercise, status=Status.GRADING)
    stuck_queued = SubmissionFactory(exercise=exercise, status=Status.QUEUED)
    SubmissionFactory(exercise=exercise, status=Status.ERROR)
    SubmissionFactory(exercise=exercise, status=Status.GRADED)
    later = timezone.now() + timedelta(seconds=601)
    fresh = None
    with time_machine.travel(later, tick=False):
        fresh = SubmissionFactory(exercise=exercise, status=Status.GRADING)
        queued: list[int] = []
        with django_capture_on_commit_callbacks(execute=True):
            requeued = services.requeue_stuck_submissions(enqueue=queued.append)
            again = services.requeue_stuck_submissions(enqueue=queued.append)

    assert sorted(requeued) == sorted([stuck_grading.pk, stuck_queued.pk])
    assert again == []
    assert sorted(queued) == sorted(requeued)
    stuck_grading.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck_grading.status == Status.QUEUED
    assert fresh.status == Status.GRADING


def test_a_redelivered_task_reclaims_a_submission_left_grading(exercise):
    submission = SubmissionFactory(exercise=exercise, status=Status.GRADING, grading_attempts=1)

    assert services.grade_submission(submission_id=submission.pk, client=FakeModelClient()) is None
    graded = services.grade_submission(
        submission_id=submission.pk, client=FakeModelClient(), reclaim=True
    )

    assert graded.status == Status.GRADED
    assert graded.grading_attempts == 2


def test_a_variable_that_is_not_a_string_is_sent_as_text(exercise):
    exercise.test_inputs.update(variables={"country": 42})
    submission = SubmissionFactory(exercise=exercise, prompt="capital of {{country}}")

    graded = services.grade_submission(submission_id=submission.pk, client=FakeModelClient())

    assert graded.status == Status.GRADED
    assert set(TestRun.objects.values_list("output", flat=True)) == {"capital of 42"}


def test_a_python_checks_code_is_not_a_secret_the_prompt_could_leak():
    from grading.services.planning import leak_secrets

    exercise = ExerciseFactory()
    TestInputFactory(
        exercise=exercise,
        is_hidden=True,
        variables={"country": "Atlantis"},
        checks=[
            {"type": "python", "value": "len(output) < 200"},
            {"type": "icontains", "value": "Poseidonis"},
        ],
    )
    assert set(leak_secrets(exercise)) == {"Atlantis", "Poseidonis"}


def test_an_exercise_passes_on_the_pass_rate_unless_told_otherwise():
    from exercises.models import Exercise

    exercise = ExerciseFactory()
    assert Exercise._meta.get_field("pass_metric").default == "pass_rate"
    assert exercise.pass_rule.describe() == "pass rate ≥ 1"
