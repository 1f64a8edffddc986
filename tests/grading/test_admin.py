from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import User
from grading.models import Status
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client):  # type: ignore[no-untyped-def]
    client.force_login(User.objects.create_superuser("root@example.com", "pw"))
    return client


def test_staff_can_list_and_open_submissions(admin_client_logged_in, exercise):
    submission = SubmissionFactory(exercise=exercise)
    assert (
        admin_client_logged_in.get(reverse("admin:grading_submission_changelist")).status_code
        == 200
    )
    url = reverse("admin:grading_submission_change", args=[submission.pk])
    assert admin_client_logged_in.get(url).status_code == 200


def test_the_retry_action_requeues_only_errored_submissions(
    admin_client_logged_in, exercise, django_capture_on_commit_callbacks
):
    errored = SubmissionFactory(exercise=exercise, status=Status.ERROR, last_error="x")
    graded = SubmissionFactory(exercise=exercise, status=Status.GRADED)
    with (
        mock.patch("grading.tasks.grade_submission.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        admin_client_logged_in.post(
            reverse("admin:grading_submission_changelist"),
            {"action": "retry_grading", "_selected_action": [errored.pk, graded.pk]},
        )
    errored.refresh_from_db()
    graded.refresh_from_db()
    assert errored.status == Status.QUEUED
    assert graded.status == Status.GRADED
    delay.assert_called_once_with(errored.pk)
