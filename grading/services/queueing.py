"""Send the grading task to the broker, by name: services never import the task module.

The task is looked up in Celery's registry by its name, so the import graph stays one-way
(tasks import services, never the reverse). Queuing happens only after the row is committed;
if the broker is down the row stays queued and the sweep (`requeue_stuck_submissions`) sends
it again.
"""

import logging
from collections.abc import Callable

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

GRADE_TASK = "grading.tasks.grade_submission"

Enqueue = Callable[[int], None]
"""What queues a submission for grading; services take one (`enqueue=`), tests pass a fake."""


def send_grading(submission_id: int) -> None:
    """Send the grading task for a submission; log (never raise) if the broker is down."""
    try:
        current_app.tasks[GRADE_TASK].delay(submission_id)
    except Exception:
        logger.exception("Could not queue submission %s; the sweep will requeue it", submission_id)


def queue_on_commit(submission_id: int, enqueue: Enqueue = send_grading) -> None:
    """Queue the submission once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(submission_id))
