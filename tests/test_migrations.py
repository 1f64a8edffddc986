"""Data migrations keep what authors wrote meaning what it meant."""

import importlib

import pytest
from django.apps import apps

from tests.factories import ExerciseFactory, TestInputFactory

pytestmark = pytest.mark.django_db


def test_a_contains_json_check_for_an_array_keeps_its_meaning():
    migration = importlib.import_module("exercises.migrations.0004_contains_json_arrays")
    array_check = {"type": "contains-json", "schema": {"type": "array"}}
    object_check = {"type": "contains-json", "schema": {"type": "object"}}
    exercise = ExerciseFactory(rubric=[array_check, object_check])
    item = TestInputFactory(exercise=exercise, checks=[{**array_check, "weight": 2}])

    migration.keep_array_checks(apps, None)

    exercise.refresh_from_db()
    item.refresh_from_db()
    assert exercise.rubric == [{**array_check, "arrays": True}, object_check]
    assert item.checks == [{**array_check, "weight": 2, "arrays": True}]
