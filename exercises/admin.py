from django.contrib import admin

from .models import Exercise, TestInput


class TestInputInline(admin.StackedInline):
    model = TestInput
    extra = 0


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "course",
        "lesson",
        "model",
        "samples",
        "hidden_sample_size",
        "pass_metric",
        "pass_threshold",
    )
    list_filter = ("course",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = (TestInputInline,)
