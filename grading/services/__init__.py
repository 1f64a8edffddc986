"""Writes for grading, along the path of a submission:

intake (check and record a prompt) → planning (draw the items, render every item × sample) →
grading (one event loop: model calls, then every check) → recording (runs, outcomes,
statistics and provenance in one transaction, only by the latest claim) → lifecycle (retry,
regrade, fail, sweep). Every service that queues takes `enqueue=` (the caller passes
`grading.tasks.queue_grading`), so services never import the task module.
"""

from grading.services.grading import grade_submission, rescore_submission
from grading.services.intake import check_prompt, new_seed, submit_attempt
from grading.services.lifecycle import (
    fail_submission,
    regrade_submission,
    requeue_stuck_submissions,
    retry_submission,
)
from grading.services.planning import leak_secrets, plan_runs, select_items
from grading.services.queueing import Enqueue

__all__ = [
    "Enqueue",
    "check_prompt",
    "fail_submission",
    "grade_submission",
    "leak_secrets",
    "new_seed",
    "plan_runs",
    "regrade_submission",
    "requeue_stuck_submissions",
    "rescore_submission",
    "retry_submission",
    "select_items",
    "submit_attempt",
]
