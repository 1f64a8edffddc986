from django.contrib import admin

from .models import Course, Lesson


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "is_published", "position")
    list_editable = ("is_published", "position")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (LessonInline,)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "position")
    list_filter = ("course",)
    prepopulated_fields = {"slug": ("title",)}
