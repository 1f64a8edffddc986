from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from exercises.models import Exercise, TestInput


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    GRADING = "grading", "Grading"
    GRADED = "graded", "Graded"
    ERROR = "error", "Error"


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def for_learner(self, user: Any) -> "SubmissionQuerySet":
        return self.filter(learner=user)

    def graded(self) -> "SubmissionQuerySet":
        return self.filter(status=Status.GRADED)

    def unfinished_since(self, moment: datetime) -> "SubmissionQuerySet":
        """Submissions queued or grading whose last change of state is older than `moment`."""
        return self.filter(status__in=[Status.QUEUED, Status.GRADING], status_changed_at__lt=moment)


class Submission(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveIntegerField(help_text="The learner's nth attempt at this exercise.")
    prompt = models.TextField()
    system_prompt = models.TextField(blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    grading_attempts = models.PositiveIntegerField(
        default=0, help_text="How many times a worker has claimed this submission."
    )
    last_error = models.TextField(blank=True)
    model = models.CharField(max_length=200, blank=True, help_text="The model that graded it.")
    seed = models.CharField(
        max_length=64,
        blank=True,
        help_text="Secret random seed: draws the hidden items and keys the judge's delimiters.",
    )
    stats = models.JSONField(
        default=dict, blank=True, help_text="Pass rate, its 95% interval, pass^k, flaky items."
    )
    provenance = models.JSONField(
        default=dict,
        blank=True,
        help_text="Model and version, parameters, seed, items, judge prompt hashes, calls made.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "exercise", "number"], name="unique_submission_number"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="submission_score_between_0_and_1",
            ),
        ]
        indexes = [models.Index(fields=["status", "status_changed_at"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.exercise} · #{self.number}"

    @property
    def is_finished(self) -> bool:
        return self.status in {Status.GRADED, Status.ERROR}

    @property
    def score_percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


class TestRun(models.Model):
    """One test input run once through the model, and what the checks said about the output."""

    __test__ = False  # not a pytest test class

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="runs")
    test_input = models.ForeignKey(TestInput, on_delete=models.CASCADE, related_name="+")
    sample_index = models.PositiveSmallIntegerField(default=0)
    is_hidden = models.BooleanField()
    rendered_prompt = models.TextField()
    rendered_system_prompt = models.TextField(blank=True)
    output = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=40, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    from_cache = models.BooleanField(default=False)
    raw_response = models.JSONField(
        default=dict, blank=True, help_text="The provider's response, to re-score from."
    )
    score = models.FloatField()
    passed = models.BooleanField()

    class Meta:
        ordering = ("test_input__position", "test_input_id", "sample_index")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "test_input", "sample_index"], name="unique_test_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} · {self.test_input} · sample {self.sample_index}"


class CheckOutcome(models.Model):
    run = models.ForeignKey(TestRun, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=40)
    name = models.CharField(max_length=300)
    passed = models.BooleanField()
    score = models.FloatField()
    weight = models.FloatField()
    reason = models.TextField()
    error = models.BooleanField(
        default=False, help_text="The check could not be evaluated (not a fail)."
    )
    flagged = models.BooleanField(
        default=False, help_text="The output addressed the grader (e.g. asked for full marks)."
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("position",)
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="unique_check_outcome")
        ]

    def __str__(self) -> str:
        return self.name


class JudgeCalibrationQuerySet(models.QuerySet["JudgeCalibration"]):
    def latest_for(self, model: str) -> "JudgeCalibration | None":
        return self.filter(judge_model=model).order_by("-created_at", "-pk").first()

    def calibrated_models(self, models_: list[str]) -> set[str]:
        """Those of `models_` whose latest calibration passed."""
        passed = set()
        for name in set(models_):
            latest = self.latest_for(name)
            if latest is not None and latest.passed:
                passed.add(name)
        return passed


class JudgeCalibration(models.Model):
    """One run of the labelled judge set against a judge model (`manage.py calibrate_judge`)."""

    judge_model = models.CharField(max_length=200, db_index=True)
    rows = models.PositiveIntegerField()
    accuracy = models.FloatField()
    attacks = models.PositiveIntegerField()
    false_passes_on_attacks = models.PositiveIntegerField()
    kappa = models.FloatField()
    passed = models.BooleanField()
    judge_set_sha256 = models.CharField(max_length=64)
    details = models.JSONField(default=list, blank=True)
    """Per row: id, kind, expected and predicted verdict, and why (reason of the check)."""
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JudgeCalibrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "not passed"
        return f"{self.judge_model}: {verdict} (accuracy {self.accuracy:.2f}, κ {self.kappa:.2f})"

    @property
    def false_pass_rate_on_attacks(self) -> float:
        return self.false_passes_on_attacks / self.attacks if self.attacks else 0.0
