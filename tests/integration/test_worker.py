"""A real Celery worker process, over real Redis, grading against the test database."""

import os
import signal
import time

import pytest

from grading import services, tasks
from grading.models import Status, Submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for_status(submission: Submission, statuses: set[str], timeout: float) -> Submission:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission.refresh_from_db()
        if submission.status in statuses:
            return submission
        time.sleep(0.1)
    raise AssertionError(f"submission stayed {submission.status} for {timeout} s")


def test_a_worker_grades_a_submitted_prompt_end_to_end(celery_worker_process, learner, exercise):
    submission = services.submit_attempt(
        learner=learner,
        exercise=exercise,
        prompt="The capital of {{country}}?",
        enqueue=tasks.queue_grading,
    )

    graded = wait_for_status(submission, {Status.GRADED, Status.ERROR}, timeout=60)

    assert graded.status == Status.GRADED, graded.last_error
    assert graded.passed is True
    assert graded.runs.count() == 2
    assert graded.runs.get(is_hidden=False).output == "The capital of France?"


def test_a_worker_killed_mid_grading_loses_nothing(celery_worker_process, learner, exercise):
    submission = services.submit_attempt(
        learner=learner,
        exercise=exercise,
        prompt="[[stub:sleep=3]] capital of {{country}}",
        enqueue=tasks.queue_grading,
    )
    wait_for_status(submission, {Status.GRADING}, timeout=60)
    for pid in celery_worker_process.pool_process_ids():
        os.kill(pid, signal.SIGKILL)

    graded = wait_for_status(submission, {Status.GRADED, Status.ERROR}, timeout=90)

    assert graded.status == Status.GRADED, graded.last_error
    assert graded.grading_attempts == 2
    assert graded.runs.count() == 2
