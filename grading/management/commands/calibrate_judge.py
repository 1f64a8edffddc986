"""Calibrate a judge model against the labelled judge set and store the result."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from grading.core.calibration import MIN_ACCURACY
from grading.services.calibration import calibrate_judge


class Command(BaseCommand):
    help = (
        "Run the labelled judge set (grading/judge_set.json) through the llm-rubric judge with "
        "MODEL (default: PROMPTCRAFT_JUDGE_MODEL); print accuracy, the false-pass rate on "
        "attacks and Cohen's kappa, and store them. Exits 1 if the judge does not pass."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", nargs="?", default="", help="a LiteLLM model string")

    def handle(self, *args: Any, **options: Any) -> None:
        result = calibrate_judge(model=options["model"])
        self.stdout.write(f"judge model          {result.judge_model}")
        self.stdout.write(f"rows                 {result.rows}")
        self.stdout.write(f"accuracy             {result.accuracy:.3f}")
        self.stdout.write(
            f"false passes, attacks {result.false_passes_on_attacks}/{result.attacks} "
            f"({result.false_pass_rate_on_attacks:.3f})"
        )
        self.stdout.write(f"Cohen's kappa        {result.kappa:.3f}")
        for row in result.details:
            if row["expected"] != row["predicted"]:
                self.stdout.write(f"  wrong: {row['id']} ({row['kind']}): {row['reason']}")
        if result.passed:
            self.stdout.write(self.style.SUCCESS("calibration passed"))
        else:
            self.stdout.write(
                self.style.ERROR(
                    f"calibration NOT passed (needs 0 false passes on attacks and accuracy "
                    f">= {MIN_ACCURACY})"
                )
            )
            raise SystemExit(1)
