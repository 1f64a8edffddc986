"""The starter course's exercises pass on the pass rate, not the mean score: under the mean
score, a constant well-formed answer passed two of them (validate_course). Only exercises still
on the old rule change; `manage.py regrade --exercise ID --rescore` re-scores their submissions
from the stored outputs."""

from django.db import migrations

STARTER_COURSE = "foundations"
STARTER_EXERCISES = (
    "sentiment-as-json",
    "one-sentence-summary",
    "extract-email-addresses",
    "function-from-a-specification",
)


def pass_on_the_pass_rate(apps, schema_editor):  # type: ignore[no-untyped-def]
    Exercise = apps.get_model("exercises", "Exercise")
    Exercise.objects.filter(
        course__slug=STARTER_COURSE, slug__in=STARTER_EXERCISES, pass_metric="score"
    ).update(pass_metric="pass_rate")


class Migration(migrations.Migration):
    dependencies = [("exercises", "0005_pass_rate_by_default")]
    operations = [migrations.RunPython(pass_on_the_pass_rate, migrations.RunPython.noop)]
