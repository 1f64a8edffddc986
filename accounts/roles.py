"""Roles are groups: each role's group and the model permissions it carries.

Learners and hiring managers work through the site's own pages and hold no model permission;
instructors author courses (their own only: the admin and the studio filter by
``Course.instructors``); staff may do everything the platform's apps allow."""

from accounts.models import Role

ROLE_GROUPS: dict[str, str] = {
    Role.LEARNER: "Learners",
    Role.INSTRUCTOR: "Instructors",
    Role.HIRING_MANAGER: "Hiring managers",
    Role.STAFF: "Staff",
}

_AUTHORING = [
    *(f"courses.{action}_course" for action in ("add", "change", "view")),
    *(f"courses.{action}_lesson" for action in ("add", "change", "delete", "view")),
    *(f"exercises.{action}_exercise" for action in ("add", "change", "delete", "view")),
    *(f"exercises.{action}_testinput" for action in ("add", "change", "delete", "view")),
    "grading.view_submission",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.LEARNER: [],
    Role.HIRING_MANAGER: [],
    Role.INSTRUCTOR: _AUTHORING,
    Role.STAFF: [
        *_AUTHORING,
        "courses.delete_course",
        *(f"grading.{action}_submission" for action in ("change", "delete")),
        "grading.view_judgecalibration",
        *(f"accounts.{action}_user" for action in ("view", "change")),
    ],
}
"""``app_label.codename`` of each role's permissions."""

ADMIN_ROLES = frozenset({Role.INSTRUCTOR, Role.STAFF})
"""Roles that sign in to the admin (``is_staff``) until the studio replaces it for authoring."""
