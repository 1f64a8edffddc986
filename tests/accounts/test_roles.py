"""Roles are groups with permissions (created by a migration); staff grant them."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Role
from accounts.roles import ROLE_GROUPS, ROLE_PERMISSIONS
from accounts.services import grant_role
from courses.models import Course
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_creates_each_roles_group_with_its_permissions():
    for role, name in ROLE_GROUPS.items():
        group = Group.objects.get(name=name)
        granted = {
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in group.permissions.select_related("content_type")
        }
        assert granted == set(ROLE_PERMISSIONS[role])


def test_granting_a_role_sets_its_group_alone_and_admin_sign_in():
    user = UserFactory()
    grant_role(user=user, role=Role.INSTRUCTOR)
    assert [group.name for group in user.groups.all()] == ["Instructors"]
    assert user.is_staff
    assert user.has_perm("exercises.change_exercise")
    grant_role(user=user, role=Role.HIRING_MANAGER)
    user = type(user).objects.get(pk=user.pk)  # permissions are cached per instance
    assert [group.name for group in user.groups.all()] == ["Hiring managers"]
    assert not user.is_staff
    assert not user.has_perm("exercises.change_exercise")


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role 'wizard'"):
        grant_role(user=UserFactory(), role="wizard")


def test_the_grant_role_command():
    user = UserFactory(email="ada@example.com")
    out = io.StringIO()
    call_command("grant_role", "ADA@example.com", "instructor", stdout=out)
    assert out.getvalue().strip() == "ada@example.com is now Instructor"
    user.refresh_from_db()
    assert user.role == Role.INSTRUCTOR
    with pytest.raises(CommandError, match="no user with the email"):
        call_command("grant_role", "nobody@example.com", "staff")


def _instructor(email: str):  # type: ignore[no-untyped-def]
    return grant_role(user=UserFactory(email=email), role=Role.INSTRUCTOR)


def test_an_instructor_sees_and_edits_only_their_own_courses_in_the_admin(client):
    ada, bob = _instructor("ada@example.com"), _instructor("bob@example.com")
    own = CourseFactory(title="Ada's course", is_published=False)
    own.instructors.add(ada)
    other = CourseFactory(title="Bob's course", is_published=False)
    other.instructors.add(bob)
    client.force_login(ada)
    listing = client.get(reverse("admin:courses_course_changelist")).content.decode()
    assert "Ada&#x27;s course" in listing or "Ada's course" in listing
    assert "Bob" not in listing
    assert client.get(reverse("admin:courses_course_change", args=[own.pk])).status_code == 200
    # Someone else's course is, for this instructor, a course that does not exist.
    response = client.get(reverse("admin:courses_course_change", args=[other.pk]))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("admin:index")
    assert list(Course.objects.visible_to(ada)) == [own]


def test_a_course_an_instructor_creates_is_theirs(client):
    ada = _instructor("ada@example.com")
    client.force_login(ada)
    response = client.post(
        reverse("admin:courses_course_add"),
        {
            "title": "Prompting 101",
            "slug": "prompting-101",
            "summary": "",
            "position": 0,
            "lessons-TOTAL_FORMS": 0,
            "lessons-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Course.objects.get(slug="prompting-101").instructors.all()) == [ada]


@pytest.mark.parametrize("role", [Role.LEARNER, Role.HIRING_MANAGER])
def test_learners_and_hiring_managers_have_no_admin(client, role):
    client.force_login(grant_role(user=UserFactory(), role=role))
    response = client.get(reverse("admin:courses_course_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.headers["Location"]


def test_staff_see_every_course(client):
    staff = grant_role(user=UserFactory(), role=Role.STAFF)
    CourseFactory(title="Anyone's course", is_published=False)
    client.force_login(staff)
    assert "Anyone" in client.get(reverse("admin:courses_course_changelist")).content.decode()
