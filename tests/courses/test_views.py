import pytest
from django.urls import reverse

from courses.markdown import render_markdown
from tests.factories import CourseFactory, ExerciseFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_markdown_is_rendered_and_scripts_are_removed():
    html = render_markdown(
        "# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **bold**\n\n"
        "```python\nprint('hi')\n```\n<img src=x onerror=alert(1)>"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert '<code class="language-python">' in html


def test_the_catalogue_lists_published_courses_only(client):
    CourseFactory(title="Open course")
    CourseFactory(title="Draft course", is_published=False)
    html = client.get(reverse("courses:catalogue")).content.decode()
    assert "Open course" in html
    assert "Draft course" not in html


def test_the_catalogue_refuses_post(client):
    assert client.post(reverse("courses:catalogue")).status_code == 405


def test_a_lesson_renders_its_markdown_and_links_its_exercises(client, learner):
    lesson = LessonFactory(body="Say **exactly** what you want.\n\n<script>x()</script>")
    exercise = ExerciseFactory(course=lesson.course, lesson=lesson, title="First try")
    client.force_login(learner)

    response = client.get(reverse("courses:lesson", args=[lesson.course.slug, lesson.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>exactly</strong>" in html
    assert "<script>x()" not in html
    assert reverse("grading:exercise", args=[exercise.pk]) in html


def test_course_and_lesson_pages_redirect_anonymous_visitors_to_login(client):
    lesson = LessonFactory()
    for url in (
        reverse("courses:course", args=[lesson.course.slug]),
        reverse("courses:lesson", args=[lesson.course.slug, lesson.slug]),
    ):
        assert client.get(url).status_code == 302


def test_a_draft_course_is_404_except_for_its_own_instructors(client, learner, instructor):
    lesson = LessonFactory(course__is_published=False)
    url = reverse("courses:lesson", args=[lesson.course.slug, lesson.slug])
    client.force_login(learner)
    assert client.get(url).status_code == 404
    client.force_login(instructor)
    assert client.get(url).status_code == 404  # another instructor's draft
    lesson.course.instructors.add(instructor)
    assert client.get(url).status_code == 200


def test_course_pages_refuse_post(client, learner):
    lesson = LessonFactory()
    client.force_login(learner)
    assert client.post(reverse("courses:course", args=[lesson.course.slug])).status_code == 405
