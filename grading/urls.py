from django.urls import path

from . import views

app_name = "grading"
urlpatterns = [
    path("exercises/<int:exercise_id>/", views.exercise_page, name="exercise"),
    path("exercises/<int:exercise_id>/submit/", views.submit, name="submit"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/status/", views.submission_status, name="submission_status"),
    path("submissions/<int:pk>/retry/", views.retry, name="retry"),
]
