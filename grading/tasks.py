"""Celery tasks: thin adapters from the queue to grading.services, and `queue_grading`, the
one way the project sends a submission to be graded (views, admin and commands pass it to the
services as `enqueue=`)."""

import logging

from celery import shared_task

from grading import services
from grading.adapters.clients import ModelUnavailable

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def grade_submission(self, submission_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        # A message redelivered after its worker died finds the row still marked GRADING.
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        services.grade_submission(submission_id=submission_id, reclaim=redelivered)
    except ModelUnavailable as error:
        if self.request.retries >= MAX_RETRIES:
            services.fail_submission(
                submission_id=submission_id, message=f"{error} Please retry in a few minutes."
            )
            return
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(acks_late=True)
def requeue_stuck_submissions() -> None:
    services.requeue_stuck_submissions(enqueue=queue_grading)


def queue_grading(submission_id: int) -> None:
    """Send the grading task for a submission; log (never raise) if the broker is down: the
    row stays QUEUED and the sweep sends it again."""
    try:
        grade_submission.delay(submission_id)
    except Exception:
        logger.exception("Could not queue submission %s; the sweep will requeue it", submission_id)
