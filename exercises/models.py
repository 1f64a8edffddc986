from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.safestring import SafeString, mark_safe

from courses.markdown import render_markdown
from courses.models import Course, Lesson
from grading.core.checks import build_checks
from grading.core.checks.tool_calls import validate_tool_definitions
from grading.core.scoring import PassMetric, PassRule
from grading.core.types import RubricError


def validate_rubric(value: Any) -> None:
    if not isinstance(value, list):
        raise ValidationError("A rubric is a JSON list of checks.")
    try:
        build_checks(value)
    except RubricError as error:
        raise ValidationError(str(error)) from error


def validate_tools(value: Any) -> None:
    try:
        validate_tool_definitions(value)
    except RubricError as error:
        raise ValidationError(str(error)) from error


def validate_placeholder_names(value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(name, str) and name.isidentifier() for name in value
    ):
        raise ValidationError('Required placeholders are a JSON list of names, e.g. ["text"].')


def validate_variables(value: Any) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationError('Variables are a JSON object of strings, e.g. {"text": "…"}.')


class ExerciseQuerySet(models.QuerySet["Exercise"]):
    def open_to(self, user: Any) -> "ExerciseQuerySet":
        """Exercises this user may attempt: those of the courses they may see (published ones,
        the drafts they teach; staff: all)."""
        return self.filter(course__in=Course.objects.visible_to(user))


class Exercise(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="exercises")
    lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="exercises"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField()
    position = models.PositiveIntegerField(default=0)
    instructions = models.TextField(help_text="Markdown: the task the learner's prompt must do.")

    model = models.CharField(
        max_length=200,
        blank=True,
        help_text="LiteLLM model string; blank uses PROMPTCRAFT_DEFAULT_MODEL.",
    )
    temperature = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)]
    )
    max_tokens = models.PositiveIntegerField(
        default=256, validators=[MinValueValidator(1), MaxValueValidator(8192)]
    )
    samples = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many times each test input is run.",
    )
    tools = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_tools],
        help_text="OpenAI function definitions the model may call "
        '([{"type": "function", "function": {"name", "description", "parameters"}}]).',
    )
    rubric = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_rubric],
        help_text='Checks applied to every test input, e.g. [{"type": "icontains", "value": "x"}]. '
        "Every check type and its parameters: docs/rubrics.md.",
    )
    pass_metric = models.CharField(
        max_length=20,
        choices=[(metric.value, metric.label) for metric in PassMetric],  # type: ignore[attr-defined]
        default=PassMetric.PASS_RATE.value,
        help_text="What the pass threshold applies to: by default the share of samples that "
        "pass every check (a mean score lets answers that are well formed but wrong through). "
        "With several samples per input, '95% lower bound of the pass rate' passes only prompts "
        "that pass reliably.",
    )
    pass_threshold = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Value (0–1) of the pass metric needed to pass.",
    )
    hidden_sample_size = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Grade each submission on this many hidden inputs drawn from the hidden pool "
        "(a seeded draw, stored with the grade); blank grades every hidden input.",
    )
    judge_model = models.CharField(
        max_length=200,
        blank=True,
        help_text="LiteLLM model for llm-rubric checks; blank uses PROMPTCRAFT_JUDGE_MODEL.",
    )
    required_placeholders = models.JSONField(
        default=list, blank=True, validators=[validate_placeholder_names]
    )
    max_prompt_chars = models.PositiveIntegerField(
        default=8000,
        validators=[MinValueValidator(1)],
        help_text="Longest prompt (plus system prompt) accepted, in characters.",
    )

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ("course", "position", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "slug"], name="unique_exercise_slug_per_course"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def instructions_html(self) -> SafeString:
        return mark_safe(render_markdown(self.instructions))

    @property
    def model_name(self) -> str:
        return self.model or settings.PROMPTCRAFT_DEFAULT_MODEL

    @property
    def judge_model_name(self) -> str:
        return self.judge_model or settings.PROMPTCRAFT_JUDGE_MODEL

    @property
    def pass_rule(self) -> PassRule:
        # An enum lookup by value; mypy reads the members' (value, label) __new__ instead.
        metric = PassMetric(self.pass_metric)  # type: ignore[call-arg]
        return PassRule(metric=metric, threshold=self.pass_threshold)


class TestInput(models.Model):
    __test__ = False  # not a pytest test class

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="test_inputs")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(
        default=False, help_text="Hidden inputs are graded but never shown to learners."
    )
    variables = models.JSONField(default=dict, blank=True, validators=[validate_variables])
    checks = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_rubric],
        help_text="Extra checks for this input only, added to the exercise's rubric.",
    )

    class Meta:
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name
