"""Queue a submission after its row is committed, through the `enqueue` the caller passes.

Services never import the task module (the import graph goes one way: tasks and views import
services). Callers above them pass `grading.tasks.queue_grading`; tests pass a fake. If the
broker is down the row stays QUEUED and the sweep (`requeue_stuck_submissions`) sends it again.
"""

from collections.abc import Callable

from django.db import transaction

Enqueue = Callable[[int], None]
"""What queues a submission (by id) for grading: `grading.tasks.queue_grading` in production."""


def queue_on_commit(submission_id: int, *, enqueue: Enqueue) -> None:
    """Queue the submission once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(submission_id))
