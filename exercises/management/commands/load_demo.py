"""`manage.py load_demo`: create the demo course and the demo accounts if they are missing.

`--reset` also rewrites existing demo content from exercises/demo.py (undoing admin edits)."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from courses.models import Course, Lesson
from exercises.demo import COURSE, DemoCourse
from exercises.models import Exercise, TestInput

ACCOUNTS_FILENAME = "demo-accounts.txt"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    label: str
    password: str


# (email, label shown with the password, role); the admin is a superuser.
ACCOUNTS = [
    ("learner@example.com", "Learner", Role.LEARNER),
    ("instructor@example.com", "Instructor", Role.INSTRUCTOR),
    ("hiring@example.com", "Hiring manager", Role.HIRING_MANAGER),
    ("admin@example.com", "Superuser", Role.STAFF),
]


def load_demo_content(demo: DemoCourse = COURSE, *, reset: bool = False) -> Course:
    """Create the demo course, its lessons, exercises and test inputs that are missing (by slug
    or name); with `reset`, also rewrite existing ones from the demo data.

    Safe to call twice. Without `reset`, edits made in the admin are kept. Never deletes
    anything, so learners' submissions and their results survive; a test input renamed or
    removed from the demo data stays until deleted by hand."""
    upsert = "update_or_create" if reset else "get_or_create"
    with transaction.atomic():
        course, _ = getattr(Course.objects, upsert)(
            slug=demo.slug,
            defaults={
                "title": demo.title,
                "summary": demo.summary,
                "is_published": demo.is_published,
            },
        )
        lessons = {}
        for position, item in enumerate(demo.lessons, start=1):
            lesson, _ = getattr(Lesson.objects, upsert)(
                course=course,
                slug=item.slug,
                defaults={"title": item.title, "body": item.body, "position": position},
            )
            _validate(lesson)
            lessons[item.slug] = lesson
        for position, demo_exercise in enumerate(demo.exercises, start=1):
            exercise, _ = getattr(Exercise.objects, upsert)(
                course=course,
                slug=demo_exercise.slug,
                defaults={
                    "lesson": lessons[demo_exercise.lesson_slug],
                    "title": demo_exercise.title,
                    "position": position,
                    "instructions": demo_exercise.instructions,
                    "temperature": demo_exercise.temperature,
                    "max_tokens": demo_exercise.max_tokens,
                    "samples": demo_exercise.samples,
                    "rubric": demo_exercise.rubric,
                    "pass_metric": demo_exercise.pass_metric,
                    "pass_threshold": demo_exercise.pass_threshold,
                    "hidden_sample_size": demo_exercise.hidden_sample_size,
                    "required_placeholders": demo_exercise.required_placeholders,
                },
            )
            _validate(exercise)
            for input_position, test_input in enumerate(demo_exercise.test_inputs, start=1):
                stored, _ = getattr(TestInput.objects, upsert)(
                    exercise=exercise,
                    name=test_input.name,
                    defaults={
                        "position": input_position,
                        "is_hidden": test_input.is_hidden,
                        "variables": test_input.variables,
                        "checks": test_input.checks,
                    },
                )
                _validate(stored)
    return course


def _validate(instance: Lesson | Exercise | TestInput) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise CommandError(f"Demo {type(instance).__name__} {instance}: {error}") from error


def create_demo_accounts(*, accounts_file: Path) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet, with random passwords.

    Appends the new passwords to `accounts_file` (mode 0600) and returns the new accounts.
    Safe to call twice: existing accounts are left alone."""
    created = []
    with transaction.atomic():
        for email, label, role in ACCOUNTS:
            if User.objects.filter(email=email).exists():
                continue
            password = secrets.token_urlsafe(9)
            if role == Role.STAFF:
                User.objects.create_superuser(email, password)
            elif role == Role.INSTRUCTOR:
                user = User.objects.create_user(email, password, role=role, is_staff=True)
                # is_staff alone opens an empty admin: instructors author the course content.
                user.user_permissions.set(
                    Permission.objects.filter(content_type__app_label__in=["courses", "exercises"])
                )
            else:
                User.objects.create_user(email, password, role=role)
            created.append(DemoAccount(email, label, password))
        if created:
            # Written inside the transaction: if the file cannot be written, no account is
            # created whose password nobody knows.
            _append_accounts(accounts_file, created)
    return created


def _append_accounts(path: Path, accounts: list[DemoAccount]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file existed with wider permissions
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(f"# Created by manage.py load_demo on {timezone.now():%Y-%m-%d %H:%M} UTC\n")
        out.writelines(_account_line(account) + "\n" for account in accounts)


def _account_line(account: DemoAccount) -> str:
    return f"{account.email:<24} {account.label:<15} {account.password}"


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def _box(title: str, lines: list[str]) -> str:
    width = max(len(line) for line in [title, *lines])
    rule = "+" + "-" * (width + 2) + "+"
    body = [f"| {line:<{width}} |" for line in lines]
    return "\n".join([rule, f"| {title:<{width}} |", rule, *body, rule])


class Command(BaseCommand):
    help = "Create the demo course and demo accounts if they are missing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-accounts", action="store_true", help="Load the course only, no demo accounts."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Rewrite existing demo content from exercises/demo.py (undoes admin edits).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        load_demo_content(reset=options["reset"])
        if options["no_accounts"]:
            if options["verbosity"] > 0:
                self.stdout.write("Demo content is up to date.")
            return
        accounts_file = Path(settings.DATA_DIR) / ACCOUNTS_FILENAME
        shown = _shown_path(accounts_file)
        created = create_demo_accounts(accounts_file=accounts_file)
        if created:
            # Printed even at verbosity 0: these passwords are shown only this once.
            title = f"Demo accounts (shown once; also saved to {shown})"
            self.stdout.write(_box(title, [_account_line(account) for account in created]))
        elif options["verbosity"] > 0:
            self.stdout.write(f"Demo content is up to date; demo accounts: see {shown}")
