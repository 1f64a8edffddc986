from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from grading.services.calibration import uncalibrated_exercise_ids

from .models import Course, Lesson


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    courses = Course.objects.visible_to(request.user).prefetch_related("lessons")
    return render(request, "courses/catalogue.html", {"courses": courses})


@login_required
@require_GET
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(
        Course.objects.visible_to(request.user).prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.prefetch_related("exercises"))
        ),
        slug=slug,
    )
    exercises = [exercise for lesson in course.lessons.all() for exercise in lesson.exercises.all()]
    context = {"course": course, "uncalibrated_exercises": uncalibrated_exercise_ids(exercises)}
    return render(request, "courses/course.html", context)


@login_required
@require_GET
def lesson_detail(request: HttpRequest, slug: str, lesson_slug: str) -> HttpResponse:
    course = get_object_or_404(Course.objects.visible_to(request.user), slug=slug)
    lesson = get_object_or_404(
        Lesson.objects.prefetch_related("exercises"), course=course, slug=lesson_slug
    )
    lessons = list(course.lessons.all())
    index = lessons.index(lesson)
    context = {
        "course": course,
        "lesson": lesson,
        "previous_lesson": lessons[index - 1] if index > 0 else None,
        "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        "uncalibrated_exercises": uncalibrated_exercise_ids(lesson.exercises.all()),
    }
    return render(request, "courses/lesson.html", context)
