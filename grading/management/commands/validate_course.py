"""Grade every exercise of a course against its degenerate baselines; fail if one passes."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from grading.services.baselines import baseline_reports, course_exercises


class Command(BaseCommand):
    help = (
        "For each exercise of the course SLUG, grade the degenerate baselines (constant answers, "
        "echo, copy, empty and skeleton answers, a claim of full marks) with its checks and pass "
        "rule; print each exercise's best baseline and the hidden items baselines pass. Exits 1 "
        "if any baseline passes an exercise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the course's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(slug=options["slug"]).first()
        if course is None:
            raise CommandError(f"no course with the slug {options['slug']!r}")
        failing = 0
        for exercise in course_exercises(course):
            reports = baseline_reports(exercise)
            rule = exercise.pass_rule
            best = max(reports, key=lambda report: report.grade.metric(rule.metric))
            passed = [report for report in reports if report.passed]
            verdict = "FAIL" if passed else "ok"
            self.stdout.write(
                f"{verdict:4} {exercise.title}: best baseline {best.baseline.name!r} "
                f"{rule.metric.label} {best.grade.metric(rule.metric):.2f} "  # type: ignore[attr-defined]
                f"(needs {rule.threshold:g})"
            )
            for report in passed:
                self.stdout.write(
                    f"       passed by {report.baseline.kind} baseline {report.baseline.name!r}, "
                    f"satisfying: {', '.join(report.satisfied) or 'no check on every item'}"
                )
            hidden = {item.name for item in exercise.test_inputs.all() if item.is_hidden}
            for report in reports:
                weak = [name for name in report.passed_items if name in hidden]
                if weak:
                    names = ", ".join(weak)
                    self.stdout.write(f"       hidden {names} let {report.baseline.name!r} through")
            failing += bool(passed)
        if failing:
            self.stdout.write(f"{failing} exercise(s) passed by a degenerate baseline")
            raise SystemExit(1)
        self.stdout.write("every exercise refuses every degenerate baseline")
