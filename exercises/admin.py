from django.contrib import admin

from courses.admin import OwnCoursesOnly
from grading.services.calibration import exercise_judge_models, uncalibrated_judges

from .models import Exercise, TestInput


class TestInputInline(admin.StackedInline):
    model = TestInput
    extra = 0


@admin.register(Exercise)
class ExerciseAdmin(OwnCoursesOnly):
    list_display = (
        "title",
        "course",
        "lesson",
        "model",
        "samples",
        "hidden_sample_size",
        "pass_metric",
        "pass_threshold",
        "judge_calibrated",
    )
    list_filter = ("course",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = (TestInputInline,)

    @admin.display(boolean=True, description="Judge calibrated")
    def judge_calibrated(self, exercise: Exercise) -> bool | None:
        """None (no icon) when the exercise has no LLM judge; else whether every judge passed
        calibration (``manage.py calibrate_judge``)."""
        test_inputs = list(exercise.test_inputs.all())  # read once for both questions
        if not exercise_judge_models(exercise, test_inputs):
            return None
        return not uncalibrated_judges(exercise, test_inputs)
