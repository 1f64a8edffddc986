"""Lifecycle: put finished submissions back in the queue, end failed ones, sweep stuck ones."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grading.exceptions import NotRetryable
from grading.models import Status, Submission, TestRun
from grading.services.queueing import Enqueue, queue_on_commit


def _requeue(
    submission: Submission,
    *,
    from_statuses: list[Status],
    refusal: str,
    keep_runs: bool,
    enqueue: Enqueue,
) -> Submission:
    """Move a finished submission back to QUEUED and queue it after commit; NotRetryable
    (with `refusal`) if it is not in one of `from_statuses`. Safe to call twice: the second
    call finds it queued and refuses."""
    with transaction.atomic():
        reset = Submission.objects.filter(pk=submission.pk, status__in=from_statuses).update(
            status=Status.QUEUED,
            last_error="",
            score=None,
            passed=None,
            stats={},
            finished_at=None,
            status_changed_at=timezone.now(),
        )
        if not reset:
            raise NotRetryable(refusal)
        if not keep_runs:
            TestRun.objects.filter(submission=submission).delete()
        queue_on_commit(submission.pk, enqueue=enqueue)
    submission.refresh_from_db()
    return submission


def regrade_submission(*, submission: Submission, enqueue: Enqueue) -> Submission:
    """Queue a finished submission to be graded again (same seed, so the same items; replies
    come from the response cache, so an unchanged submission makes no model call)."""
    return _requeue(
        submission,
        from_statuses=[Status.GRADED, Status.ERROR],
        refusal="Only a finished submission can be re-graded.",
        keep_runs=True,
        enqueue=enqueue,
    )


def retry_submission(*, submission: Submission, enqueue: Enqueue) -> Submission:
    """Put a submission that ended in an error back in the queue."""
    return _requeue(
        submission,
        from_statuses=[Status.ERROR],
        refusal="Only a submission that ended in an error can be retried.",
        keep_runs=False,
        enqueue=enqueue,
    )


def return_to_queue(submission: Submission, message: str) -> None:
    """Hand a submission being graded back to the queue after a transient failure."""
    Submission.objects.filter(pk=submission.pk, status=Status.GRADING).update(
        status=Status.QUEUED, last_error=message, status_changed_at=timezone.now()
    )


def _end_with_error(submission_id: int, message: str, *, statuses: list[Status]) -> None:
    now = timezone.now()
    Submission.objects.filter(pk=submission_id, status__in=statuses).update(
        status=Status.ERROR, last_error=message, finished_at=now, status_changed_at=now
    )


def fail_grading(submission: Submission, message: str) -> Submission:
    """End a submission being graded as ERROR with a message the learner sees."""
    _end_with_error(submission.pk, message, statuses=[Status.GRADING])
    submission.refresh_from_db()
    return submission


def fail_submission(*, submission_id: int, message: str) -> None:
    """End a queued or grading submission as ERROR, after its retries ran out.

    Safe to call twice."""
    _end_with_error(submission_id, message, statuses=[Status.QUEUED, Status.GRADING])


def requeue_stuck_submissions(*, enqueue: Enqueue) -> list[int]:
    """Resend the grading task for submissions stuck queued or grading. Safe to call twice.

    Grading that outlived the task's hard time limit lost its worker; a queued row whose task
    was lost (broker down at submit time, Redis flushed) is sent again."""
    cutoff = timezone.now() - timedelta(seconds=settings.PROMPTCRAFT_STUCK_AFTER_SECONDS)
    requeued = []
    for pk in Submission.objects.unfinished_since(cutoff).values_list("pk", flat=True):
        moved = Submission.objects.filter(
            pk=pk, status__in=[Status.QUEUED, Status.GRADING], status_changed_at__lt=cutoff
        ).update(status=Status.QUEUED, status_changed_at=timezone.now())
        if moved:
            queue_on_commit(pk, enqueue=enqueue)
            requeued.append(pk)
    return requeued
