from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services, tasks
from .exceptions import NotRetryable
from .models import CheckOutcome, JudgeCalibration, Status, Submission, TestRun


class TestRunInline(admin.TabularInline):
    model = TestRun
    extra = 0
    can_delete = False
    fields = (
        "test_input",
        "sample_index",
        "is_hidden",
        "passed",
        "score",
        "output",
        "latency_ms",
        "from_cache",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "learner",
        "exercise",
        "number",
        "status",
        "score",
        "passed",
        "created_at",
    )
    list_filter = ("status", "passed", "exercise__course", "exercise")
    search_fields = ("learner__email", "exercise__title")
    list_select_related = ("learner", "exercise")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Submission._meta.fields]
    inlines = (TestRunInline,)
    actions = ("retry_grading", "rescore_from_stored_outputs", "rerun_grading")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry grading of the selected submissions that ended in an error")
    def retry_grading(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        retried = 0
        for submission in queryset.filter(status=Status.ERROR):
            try:
                services.retry_submission(submission=submission, enqueue=tasks.queue_grading)
            except NotRetryable:
                continue
            retried += 1
        self.message_user(request, f"{retried} submission(s) queued for grading again.")

    @admin.action(description="Re-score from stored outputs (current rubric, no model call)")
    def rescore_from_stored_outputs(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> None:
        done, problems = 0, []
        for submission in queryset.select_related("exercise"):
            try:
                services.rescore_submission(submission=submission)
            except NotRetryable as error:
                problems.append(f"#{submission.pk}: {error}")
                continue
            done += 1
        self.message_user(request, f"{done} submission(s) re-scored.")
        for problem in problems:
            self.message_user(request, problem, level=messages.WARNING)

    @admin.action(description="Re-run grading (same seed; cached model replies are reused)")
    def rerun_grading(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        queued = 0
        for submission in queryset:
            try:
                services.regrade_submission(submission=submission, enqueue=tasks.queue_grading)
            except NotRetryable:
                continue
            queued += 1
        self.message_user(request, f"{queued} submission(s) queued to be graded again.")


class CheckOutcomeInline(admin.TabularInline):
    model = CheckOutcome
    extra = 0
    can_delete = False
    fields = ("position", "kind", "name", "passed", "error", "score", "weight", "reason", "details")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TestRun)
class TestRunAdmin(admin.ModelAdmin):
    list_display = ("submission", "test_input", "sample_index", "passed", "score", "latency_ms")
    list_select_related = ("submission__learner", "submission__exercise", "test_input")
    readonly_fields = [field.name for field in TestRun._meta.fields]
    inlines = (CheckOutcomeInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(JudgeCalibration)
class JudgeCalibrationAdmin(admin.ModelAdmin):
    """Each judge model's calibration runs (`manage.py calibrate_judge`); read-only."""

    list_display = [
        "judge_model",
        "passed",
        "accuracy",
        "false_passes_on_attacks",
        "attacks",
        "kappa",
        "rows",
        "created_at",
    ]
    list_filter = ["passed", "judge_model"]
    readonly_fields = [field.name for field in JudgeCalibration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
