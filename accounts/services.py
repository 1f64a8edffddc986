"""Writes on accounts: granting a role."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Role, User
from accounts.roles import ADMIN_ROLES, ROLE_GROUPS


@transaction.atomic
def grant_role(*, user: User, role: str) -> User:
    """Give ``user`` the role: its group (and no other role's), and admin sign-in for the roles
    that author. A superuser keeps admin sign-in whatever the role."""
    if role not in ROLE_GROUPS:
        raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLE_GROUPS)})")
    user.role = Role(role)
    user.is_staff = role in ADMIN_ROLES or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    others = Group.objects.filter(name__in=[n for r, n in ROLE_GROUPS.items() if r != role])
    user.groups.remove(*others)
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    user.groups.add(group)
    return user
