"""Grade submissions again: re-score from stored outputs, or re-run through the queue."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grading import services, tasks
from grading.exceptions import NotRetryable
from grading.models import Submission


class Command(BaseCommand):
    help = (
        "Re-score submissions from their stored outputs with the current rubric (--rescore: no "
        "model call), or queue them to be graded again (same seed; cached replies are reused)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="submission ids")
        parser.add_argument("--exercise", type=int, help="every finished submission of it")
        parser.add_argument("--rescore", action="store_true", help="re-score, no model call")

    def handle(self, *args: Any, **options: Any) -> None:
        submissions = Submission.objects.select_related("exercise")
        if options["exercise"]:
            submissions = submissions.filter(exercise_id=options["exercise"])
        elif options["ids"]:
            submissions = submissions.filter(pk__in=options["ids"])
        else:
            raise CommandError("Name submission ids or --exercise ID.")
        failures = 0
        for submission in submissions.order_by("pk"):
            try:
                if options["rescore"]:
                    before = submission.score
                    after = services.rescore_submission(submission=submission)
                    self.stdout.write(
                        f"#{submission.pk}: score {before} -> {after.score} "
                        f"({'passed' if after.passed else 'not passed'}, {after.status})"
                    )
                else:
                    services.regrade_submission(submission=submission, enqueue=tasks.queue_grading)
                    self.stdout.write(f"#{submission.pk}: queued")
            except NotRetryable as error:
                failures += 1
                self.stderr.write(f"#{submission.pk}: {error}")
        if failures:
            raise CommandError(f"{failures} submission(s) could not be graded again.")
