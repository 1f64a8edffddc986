"""Tests of grading/core/checks/base.py."""

import pytest

from grading.core.checks import CHECKS
from grading.core.checks.base import strip_fence


def test_registry_keys_match_each_classes_kind():
    assert all(cls.kind == kind for kind, cls in CHECKS.items())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```sql\nSELECT 1;\n```", ("SELECT 1;", True)),
        ("  ```\na,b\n1,2\n```  \n", ("a,b\n1,2", True)),
        ("Here:\n```sql\nSELECT 1;\n```", ("Here:\n```sql\nSELECT 1;\n```", False)),
        ("SELECT 1", ("SELECT 1", False)),
    ],
)
def test_strip_fence_only_removes_a_fence_around_the_whole_output(text, expected):
    assert strip_fence(text) == expected
