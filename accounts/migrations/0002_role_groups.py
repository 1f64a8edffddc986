"""Each role's group, with its permissions (accounts/roles.py), and every user in the group of
their role."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import ROLE_GROUPS, ROLE_PERMISSIONS


def create_role_groups(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    for role, name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for permission in ROLE_PERMISSIONS[role]:
            app_label, codename = permission.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
        for user in User.objects.filter(role=role):
            user.groups.add(group)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0002_course_instructors"),
        ("exercises", "0004_contains_json_arrays"),
        ("grading", "0003_judge_calibration"),
    ]
    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
