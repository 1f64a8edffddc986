from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web included), so that services can queue
        # them by name without importing the task module (grading.services.queueing).
        from grading import tasks  # noqa: F401
