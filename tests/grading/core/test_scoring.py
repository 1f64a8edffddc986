"""Tests for grading.core.scoring: weighted item scores and the submission grade."""

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.checks import Check, build_checks
from grading.core.scoring import grade, grade_item
from grading.core.types import Attempt, CheckResult, ItemGrade

ATTEMPT = Attempt(prompt="{{q}}", rendered_prompt="Capital?", output="Paris", variables={"q": "?"})


class Exploding(Check):
    """A check that raises while running, to exercise the defence in depth."""

    kind = "exploding"
    required = frozenset()
    allowed = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        pass

    @property
    def name(self) -> str:
        return "explodes"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        raise ZeroDivisionError("division by zero\nsecond line " + "x" * 500)


class ExplodingName(Exploding):
    """A check whose name cannot even be computed."""

    @property
    def name(self) -> str:
        raise RuntimeError("no name")


def item(score: float, passed: bool = True) -> ItemGrade:
    return ItemGrade(score=score, passed=passed, results=())


def test_grade_item_runs_every_check_in_order():
    checks = build_checks(
        [{"type": "contains", "value": "Paris"}, {"type": "max-words", "value": 0}]
    )
    result = grade_item(ATTEMPT, checks)
    assert [r.kind for r in result.results] == ["contains", "max-words"]
    assert [r.passed for r in result.results] == [True, False]


def test_grade_item_score_is_the_weighted_mean_of_check_scores():
    checks = build_checks(
        [
            {"type": "contains", "value": "Paris", "weight": 3},
            {"type": "contains", "value": "Lyon", "weight": 1},
        ]
    )
    result = grade_item(ATTEMPT, checks)
    assert result.score == pytest.approx(0.75)
    assert not result.passed


def test_grade_item_passes_only_when_every_check_passes():
    checks = build_checks(
        [{"type": "contains", "value": "Paris"}, {"type": "min-chars", "value": 1}]
    )
    result = grade_item(ATTEMPT, checks)
    assert (result.score, result.passed) == (1.0, True)


def test_grade_item_with_no_checks_scores_one_and_passes():
    assert grade_item(ATTEMPT, []) == ItemGrade(score=1.0, passed=True, results=())


def test_grade_item_turns_a_crashing_check_into_a_failed_result():
    checks = [Exploding(weight=2), *build_checks([{"type": "contains", "value": "Paris"}])]
    result = grade_item(ATTEMPT, checks)
    crashed = result.results[0]
    assert (crashed.name, crashed.kind, crashed.passed, crashed.score) == (
        "explodes",
        "exploding",
        False,
        0.0,
    )
    assert crashed.weight == 2.0
    assert crashed.reason.startswith("check error: ZeroDivisionError: division by zero second line")
    assert "\n" not in crashed.reason
    assert len(crashed.reason) < 300
    assert result.score == pytest.approx(1 / 3)
    assert not result.passed


def test_grade_item_survives_a_check_whose_name_also_crashes():
    (crashed,) = grade_item(ATTEMPT, [ExplodingName()]).results
    assert crashed.name == "exploding"
    assert crashed.reason.startswith("check error: ZeroDivisionError")


def test_grade_averages_item_scores():
    result = grade([item(1.0), item(0.5), item(0.0, passed=False)], pass_threshold=0.5)
    assert result.score == pytest.approx(0.5)
    assert result.passed
    assert len(result.items) == 3


def test_grade_fails_below_the_threshold():
    assert not grade([item(0.69)], pass_threshold=0.7).passed


def test_grade_tolerates_float_rounding_at_the_threshold():
    result = grade([item(0.1), item(0.7)], pass_threshold=0.4)
    assert result.score < 0.4  # 0.39999999999999997 in binary floating point
    assert result.passed


def test_grade_with_no_items_scores_zero_and_fails():
    result = grade([], pass_threshold=0.0)
    assert (result.score, result.passed, result.items) == (0.0, False, ())


def test_grade_with_a_zero_threshold_passes_any_non_empty_submission():
    assert grade([item(0.0, passed=False)], pass_threshold=0.0).passed


def test_grade_returns_items_as_a_tuple():
    assert isinstance(grade([item(1.0)], pass_threshold=1.0).items, tuple)


@pytest.mark.parametrize("threshold", [-0.1, 1.01, math.nan, math.inf])
def test_grade_rejects_thresholds_outside_zero_to_one(threshold):
    with pytest.raises(ValueError, match="pass_threshold must be between 0 and 1"):
        grade([item(1.0)], pass_threshold=threshold)


def test_check_result_rejects_out_of_range_scores_and_weights():
    fields: dict[str, Any] = {"name": "n", "kind": "k", "passed": True, "reason": "r"}
    with pytest.raises(ValueError, match="score"):
        CheckResult(score=1.5, weight=1.0, **fields)
    with pytest.raises(ValueError, match="weight"):
        CheckResult(score=1.0, weight=0.0, **fields)


def test_grading_is_deterministic():
    checks = build_checks([{"type": "icontains-any", "value": ["paris", "lyon"]}])
    assert grade_item(ATTEMPT, checks) == grade_item(ATTEMPT, checks)


weights = st.floats(min_value=0.01, max_value=100, allow_nan=False)


@given(st.lists(st.tuples(st.booleans(), weights), max_size=8))
def test_item_score_stays_between_zero_and_one_and_passes_iff_all_pass(specs):
    checks: list[Check] = []
    for should_pass, weight in specs:
        value = "Paris" if should_pass else "Lyon"
        checks.extend(build_checks([{"type": "contains", "value": value, "weight": weight}]))
    result = grade_item(ATTEMPT, checks)
    assert 0.0 <= result.score <= 1.0
    assert result.passed is all(passed for passed, _ in specs)
    if specs and all(passed for passed, _ in specs):
        assert result.score == 1.0


@given(
    st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=10),
    st.floats(min_value=0, max_value=1),
)
def test_grade_passes_exactly_when_the_mean_reaches_the_threshold(scores, threshold):
    result = grade([item(score) for score in scores], pass_threshold=threshold)
    assert 0.0 <= result.score <= 1.0
    assert result.passed is (math.fsum(scores) / len(scores) >= threshold - 1e-9)
