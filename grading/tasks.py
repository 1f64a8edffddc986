"""Celery tasks: thin adapters from the queue to grading.services."""

from celery import shared_task

from grading import services
from grading.adapters.clients import ModelUnavailable
from grading.services.queueing import GRADE_TASK

MAX_RETRIES = 5


@shared_task(name=GRADE_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES)
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
    services.requeue_stuck_submissions()
