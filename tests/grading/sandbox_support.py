"""The marks of a test that needs the real code sandbox (bubblewrap)."""

import os

import pytest

from grading.adapters.sandbox import configuration_problem


def sandbox_unavailable() -> str:
    """Why the sandbox cannot run here, or "" (always "" in CI, where a missing sandbox must
    fail the tests instead of skipping them)."""
    if os.environ.get("PROMPTCRAFT_REQUIRE_SANDBOX") == "1":
        return ""
    return configuration_problem()


REQUIRES_SANDBOX = [
    pytest.mark.sandbox,
    pytest.mark.skipif(bool(sandbox_unavailable()), reason=sandbox_unavailable() or "available"),
]


def requires_sandbox[T](test: T) -> T:
    """Decorator: the marks of ``REQUIRES_SANDBOX`` on one test."""
    for mark in REQUIRES_SANDBOX:
        test = mark(test)
    return test
