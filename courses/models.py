from django.db import models
from django.utils.safestring import SafeString, mark_safe

from .markdown import render_markdown


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> "CourseQuerySet":
        return self.filter(is_published=True)

    def visible_to(self, user: object) -> "CourseQuerySet":
        if getattr(user, "is_staff", False) or getattr(user, "is_instructor", False):
            return self.all()
        return self.published()


class Course(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    summary = models.TextField(blank=True)
    is_published = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

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
