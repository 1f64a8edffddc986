"""Tests of grading/core/checks/timed_regex.py."""

from grading.core.checks import timed_regex
from tests.grading.core.checks.support import run_on_output


def test_a_catastrophic_regex_ends_as_a_grading_error_not_a_hang(monkeypatch):
    # The real 1 s limit is exercised in test_checks_properties.py; a short one keeps this fast.
    monkeypatch.setattr(timed_regex, "REGEX_TIMEOUT_SECONDS", 0.05)
    result = run_on_output({"type": "regex", "value": "(x+x+)+y"}, "x" * 5000)
    assert (result.error, result.passed) == (True, False)
    assert result.reason == "regex timed out after 0.05 s searching for '(x+x+)+y'."


def test_a_timed_out_regex_stays_an_error_when_negated(monkeypatch):
    monkeypatch.setattr(timed_regex, "REGEX_TIMEOUT_SECONDS", 0.05)
    result = run_on_output({"type": "not-regex", "value": "(x+x+)+y"}, "x" * 5000)
    assert (result.passed, result.error) == (False, True)
