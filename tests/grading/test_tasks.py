import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from celery.exceptions import Retry

from grading import services, tasks
from grading.adapters.clients import ModelUnavailable
from grading.models import Status
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


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
    sweep.assert_called_once_with(enqueue=tasks.queue_grading)


def test_queue_grading_sends_the_grading_task(exercise):
    submission = SubmissionFactory(exercise=exercise)
    with mock.patch.object(tasks.grade_submission, "delay") as delay:
        tasks.queue_grading(submission.pk)
    delay.assert_called_once_with(submission.pk)


def test_a_broker_outage_leaves_the_submission_queued_for_the_sweep(
    learner, exercise, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.grade_submission, "delay", side_effect=OSError("no broker")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submission = services.submit_attempt(
            learner=learner, exercise=exercise, prompt="{{country}}", enqueue=tasks.queue_grading
        )
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED


@pytest.mark.parametrize(
    "entry_point", ["config.urls", "grading.admin", "grading.management.commands.regrade"]
)
def test_a_process_that_queues_grading_has_the_task_registered(entry_point):
    # A web process never imports the task module by itself (only a worker autodiscovers
    # tasks): a service that looked the task up by name would find nothing and queue nothing.
    code = (
        "import importlib, django; django.setup()\n"
        f"importlib.import_module({entry_point!r})\n"
        "from celery import current_app\n"
        "print('grading.tasks.grade_submission' in current_app.tasks)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_the_grading_task_acknowledges_late_and_survives_a_lost_worker(settings):
    from config.celery import app

    assert tasks.grade_submission.acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit
    assert "requeue-stuck-submissions" in app.conf.beat_schedule
