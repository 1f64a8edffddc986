from unittest import mock

import pytest
from celery.exceptions import Retry

from grading import tasks
from grading.adapters.clients import ModelUnavailable
from grading.models import Status
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db


def test_the_task_grades_the_submission(stub_settings, exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="capital of {{country}}")

    tasks.grade_submission.apply(args=[submission.pk])

    submission.refresh_from_db()
    assert submission.status == Status.GRADED


def test_a_transient_error_is_retried_with_backoff(exercise):
    submission = SubmissionFactory(exercise=exercise)
    unavailable = ModelUnavailable("The model is unavailable right now.")
    with (
        mock.patch("grading.services.grade_submission", side_effect=unavailable),
        mock.patch.object(tasks.grade_submission, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.grade_submission(submission.pk)
    assert retry.call_args.kwargs["countdown"] == 2


def test_after_the_last_retry_the_submission_ends_as_a_visible_error(stub_settings, exercise):
    submission = SubmissionFactory(exercise=exercise, prompt="[[stub:status=503]] {{country}}")

    tasks.grade_submission.apply(args=[submission.pk], retries=tasks.MAX_RETRIES)

    submission.refresh_from_db()
    assert submission.status == Status.ERROR
    assert "unavailable" in submission.last_error
    assert "retry" in submission.last_error


def test_the_sweep_task_requeues_stuck_submissions(exercise):
    with mock.patch("grading.services.requeue_stuck_submissions") as sweep:
        tasks.requeue_stuck_submissions()
    sweep.assert_called_once_with()


def test_the_grading_task_acknowledges_late_and_survives_a_lost_worker(settings):
    from config.celery import app

    assert tasks.grade_submission.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit
    assert "requeue-stuck-submissions" in app.conf.beat_schedule


def test_a_fresh_web_process_knows_the_grading_task_by_name():
    # Services queue the task by name (they never import grading.tasks): the task must be
    # registered once Django is set up, before anything imports the task module.
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "import sys\n"
        "from celery import current_app\n"
        "from grading.services.queueing import GRADE_TASK\n"
        "print(current_app.tasks[GRADE_TASK].name)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "grading.tasks.grade_submission"
