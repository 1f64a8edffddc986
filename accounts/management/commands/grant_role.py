"""Grant a user a role: learner, instructor, hiring_manager or staff."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.roles import ROLE_GROUPS
from accounts.services import grant_role


class Command(BaseCommand):
    help = "Give the user with EMAIL the ROLE (its group and permissions): " + ", ".join(
        ROLE_GROUPS
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("role", choices=list(ROLE_GROUPS))

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"no user with the email {options['email']!r}")
        grant_role(user=user, role=options["role"])
        self.stdout.write(f"{user.email} is now {user.get_role_display()}")
