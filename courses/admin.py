from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from .models import Course, Lesson, sees_every_course


class OwnCoursesOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """An instructor sees and edits only the courses they teach, and what belongs to them;
    staff see everything. ``course_path`` leads from the model to its course."""

    course_path = "course"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if sees_every_course(request.user):
            return queryset
        owned = Course.objects.owned_by(request.user)
        return queryset.filter(**{f"{self.course_path}__in": owned})

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.related_model is Course and not sees_every_course(request.user):
            kwargs["queryset"] = Course.objects.owned_by(request.user)
        elif db_field.related_model is Lesson and not sees_every_course(request.user):
            kwargs["queryset"] = Lesson.objects.filter(
                course__in=Course.objects.owned_by(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LessonInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Lesson
    extra = 0
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Course)
class CourseAdmin(OwnCoursesOnly):
    course_path = "pk"
    list_display = ("title", "is_published", "position")
    list_editable = ("is_published", "position")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("instructors",)
    inlines = (LessonInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> tuple[str, ...]:
        # Instructors do not choose who else teaches: staff do.
        return () if sees_every_course(request.user) else ("instructors",)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change and not sees_every_course(request.user):
            form.instance.instructors.add(request.user)  # who creates a course teaches it


@admin.register(Lesson)
class LessonAdmin(OwnCoursesOnly):
    list_display = ("title", "course", "position")
    list_filter = ("course",)
    prepopulated_fields = {"slug": ("title",)}
