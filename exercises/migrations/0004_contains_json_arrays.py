"""contains-json now finds JSON objects only, as promptfoo's does: a check whose schema asks
for an array could never pass again, so it keeps its meaning with ``"arrays": true``."""

from django.db import migrations


def _wants_an_array(check: object) -> bool:
    if not isinstance(check, dict) or check.get("type") not in ("contains-json", "not-contains-json"):
        return False
    schema = check.get("schema", check.get("value"))
    return isinstance(schema, dict) and schema.get("type") == "array" and "arrays" not in check


def _with_arrays(checks: object) -> tuple[object, bool]:
    if not isinstance(checks, list):
        return checks, False
    changed = False
    updated = []
    for check in checks:
        if _wants_an_array(check):
            check = {**check, "arrays": True}
            changed = True
        updated.append(check)
    return updated, changed


def keep_array_checks(apps, schema_editor):  # type: ignore[no-untyped-def]
    Exercise = apps.get_model("exercises", "Exercise")
    TestInput = apps.get_model("exercises", "TestInput")
    for exercise in Exercise.objects.all():
        exercise.rubric, changed = _with_arrays(exercise.rubric)
        if changed:
            exercise.save(update_fields=["rubric"])
    for test_input in TestInput.objects.all():
        test_input.checks, changed = _with_arrays(test_input.checks)
        if changed:
            test_input.save(update_fields=["checks"])


class Migration(migrations.Migration):
    dependencies = [("exercises", "0003_exercise_tools")]
    operations = [migrations.RunPython(keep_array_checks, migrations.RunPython.noop)]
