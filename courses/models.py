from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe

from .markdown import render_markdown


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> "CourseQuerySet":
        return self.filter(is_published=True)

    def visible_to(self, user: object) -> "CourseQuerySet":
        """Published courses, plus the ones ``user`` teaches (staff see every course)."""
        if sees_every_course(user):
            return self.all()
        if getattr(user, "is_authenticated", False):
            return self.filter(Q(is_published=True) | Q(instructors=user)).distinct()
        return self.published()

    def owned_by(self, user: object) -> "CourseQuerySet":
        """The courses ``user`` may author: the ones they teach (staff: every course)."""
        if sees_every_course(user):
            return self.all()
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(instructors=user)


def sees_every_course(user: object) -> bool:
    """Staff (the role, or a superuser) see and edit every course; instructors their own."""
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", "") == "staff")


class Course(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    summary = models.TextField(blank=True)
    is_published = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="taught_courses", blank=True
    )
    """Who authors the course: they see and edit it (and only the courses they teach)."""

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ("position", "title")

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    slug = models.SlugField()
    position = models.PositiveIntegerField(default=0)
    body = models.TextField(help_text="Markdown. Raw HTML is removed when rendered.")

    class Meta:
        ordering = ("position", "pk")
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="unique_lesson_slug_per_course")
        ]

    def __str__(self) -> str:
        return self.title

    def body_html(self) -> SafeString:
        return mark_safe(render_markdown(self.body))
