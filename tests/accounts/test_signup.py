import pytest
from django.urls import reverse

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_signing_up_with_email_and_password_creates_a_learner_and_logs_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "New.Person@Example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new.person@example.com"
    assert user.role == Role.LEARNER
    assert client.get(reverse("courses:catalogue")).context["user"] == user


def test_logging_in_by_email(client, learner):
    response = client.post(
        reverse("account_login"),
        {"login": "learner@example.com", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302


def test_a_superuser_is_staff_with_the_staff_role():
    admin = User.objects.create_superuser("boss@example.com", "pw")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.role == Role.STAFF
