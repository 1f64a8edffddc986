from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from exercises.models import Exercise, TestInput

from . import services, tasks
from .exceptions import InvalidPrompt, NotRetryable
from .forms import AttemptForm
from .models import Submission, TestRun
from .services.calibration import uncalibrated_judges


def _exercise_context(request: HttpRequest, exercise: Exercise, form: AttemptForm) -> dict:
    test_inputs = list(exercise.test_inputs.all())
    return {
        "exercise": exercise,
        "form": form,
        "visible_inputs": [test for test in test_inputs if not test.is_hidden],
        "hidden_count": sum(1 for test in test_inputs if test.is_hidden),
        "history": Submission.objects.for_learner(request.user).filter(exercise=exercise),
        "uncalibrated_judges": uncalibrated_judges(exercise, test_inputs),
    }


def _open_exercises(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Exercise.objects.open_to(request.user).select_related("course", "lesson")


@login_required
@require_GET
def exercise_page(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = get_object_or_404(_open_exercises(request), pk=exercise_id)
    latest = Submission.objects.for_learner(request.user).filter(exercise=exercise).first()
    initial = {"prompt": latest.prompt, "system_prompt": latest.system_prompt} if latest else {}
    context = _exercise_context(request, exercise, AttemptForm(initial=initial))
    return render(request, "grading/exercise.html", context)


@login_required
@require_POST
def submit(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = get_object_or_404(_open_exercises(request), pk=exercise_id)
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            submission = services.submit_attempt(
                learner=cast(User, request.user),  # @login_required: never anonymous here
                exercise=exercise,
                enqueue=tasks.queue_grading,
                **form.cleaned_data,
            )
        except InvalidPrompt as error:
            form.add_error("prompt", str(error))
        else:
            return redirect("grading:submission", pk=submission.pk)
    context = _exercise_context(request, exercise, form)
    return render(request, "grading/exercise.html", context, status=400)


def _learner_submission(request: HttpRequest, pk: int) -> Submission:
    runs = TestRun.objects.select_related("test_input").prefetch_related("outcomes")
    submissions = (
        Submission.objects.for_learner(request.user)
        .select_related("exercise", "exercise__course")
        .prefetch_related(Prefetch("runs", queryset=runs))
    )
    return get_object_or_404(submissions, pk=pk)


@dataclass
class ItemResult:
    """One test input's runs (one per sample), as the learner sees them."""

    test_input: TestInput
    runs: list[TestRun]
    hidden_number: int

    @property
    def passes(self) -> int:
        return sum(run.passed for run in self.runs)

    @property
    def flaky(self) -> bool:
        return 0 < self.passes < len(self.runs)


def _item_results(submission: Submission) -> list[ItemResult]:
    items: dict[int, ItemResult] = {}
    for run in submission.runs.all():
        if run.test_input_id not in items:
            hidden = sum(item.test_input.is_hidden for item in items.values())
            items[run.test_input_id] = ItemResult(run.test_input, [], hidden + 1)
        items[run.test_input_id].runs.append(run)
    return list(items.values())


def _submission_context(submission: Submission) -> dict[str, Any]:
    return {"submission": submission, "items": _item_results(submission)}


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _learner_submission(request, pk)
    context = _submission_context(submission)
    context["uncalibrated_judges"] = uncalibrated_judges(submission.exercise)
    return render(request, "grading/submission.html", context)


@login_required
@require_GET
def submission_status(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _learner_submission(request, pk)
    return render(request, "grading/submission.html#status", _submission_context(submission))


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.for_learner(request.user), pk=pk)
    try:
        services.retry_submission(submission=submission, enqueue=tasks.queue_grading)
    except NotRetryable as error:
        messages.error(request, str(error))
    return redirect("grading:submission", pk=submission.pk)
