"""Degenerate baselines of an exercise, graded with its real checks (``grading.core.baselines``).

No model answers here: each baseline is the output an obedient model would give. Judges,
embeddings and the sandbox are the grading's own (so an exercise with an LLM judge needs its
judge model running); their answers are cached like a submission's."""

from django.db.models import QuerySet

from courses.models import Course
from exercises.models import Exercise
from grading.adapters import embeddings, sandbox
from grading.adapters.clients import ModelClient
from grading.adapters.clients import default_client as default_model_client
from grading.adapters.execution import Executor
from grading.core.baselines import BaselineItem, BaselineReport, baselines_for, grade_baseline
from grading.core.checks import build_checks
from grading.services.planning import exercise_tools

BASELINE_SEED = "degenerate-baselines"
"""The seed of a baseline run (a judge's delimiters, for instance): fixed, so runs are cached."""


def baseline_items(exercise: Exercise) -> list[BaselineItem]:
    """Every test input of the exercise, visible and hidden, with its checks."""
    return [
        BaselineItem(
            name=item.name,
            variables=item.variables,
            checks=build_checks([*exercise.rubric, *item.checks], item.variables),
            is_hidden=item.is_hidden,
        )
        for item in exercise.test_inputs.all()
    ]


def baseline_reports(
    exercise: Exercise, *, client: ModelClient | None = None
) -> list[BaselineReport]:
    """Every degenerate baseline of ``exercise``, graded under its pass rule and samples."""
    items = baseline_items(exercise)
    placeholders = list(exercise.required_placeholders) or sorted(
        {name for item in items for name in item.variables}
    )
    executor = Executor(client or default_model_client(), embedder=embeddings.embed)
    tools = exercise_tools(exercise, executor, sandbox.run_code, sandbox.run_script, BASELINE_SEED)
    shared = len(exercise.rubric)

    async def grade_all() -> list[BaselineReport]:
        return [
            await grade_baseline(
                baseline,
                items,
                exercise.pass_rule,
                tools,
                samples=exercise.samples,
                shared_checks=shared,
            )
            for baseline in baselines_for(items, placeholders)
        ]

    return executor.run(grade_all())


def course_exercises(course: Course) -> QuerySet[Exercise]:
    """The course's exercises in course order, with their test inputs."""
    return course.exercises.order_by("position", "pk").prefetch_related("test_inputs")
