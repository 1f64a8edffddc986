"""Tests for grading.core.scoring: sample scores, item statistics and the submission grade."""

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grading.core.checks import Check, build_checks
from grading.core.scoring import (
    PassMetric,
    PassRule,
    SampleGrade,
    agrade_sample,
    grade,
    grade_sample,
    wilson_interval,
)
from grading.core.types import Attempt, CheckResult, ToolUnavailable

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


def sample(score: float, passed: bool = True) -> SampleGrade:
    return SampleGrade(score=score, passed=passed, results=())


def item(score: float, passed: bool = True) -> list[SampleGrade]:
    """An item graded once."""
    return [sample(score, passed)]


def rule(threshold: float, metric: PassMetric = PassMetric.SCORE) -> PassRule:
    return PassRule(metric=metric, threshold=threshold)


def test_grade_sample_runs_every_check_in_order():
    checks = build_checks(
        [{"type": "contains", "value": "Paris"}, {"type": "max-words", "value": 0}]
    )
    result = grade_sample(ATTEMPT, checks)
    assert [r.kind for r in result.results] == ["contains", "max-words"]
    assert [r.passed for r in result.results] == [True, False]


def test_grade_sample_score_is_the_weighted_mean_of_check_scores():
    checks = build_checks(
        [
            {"type": "contains", "value": "Paris", "weight": 3},
            {"type": "contains", "value": "Lyon", "weight": 1},
        ]
    )
    result = grade_sample(ATTEMPT, checks)
    assert result.score == pytest.approx(0.75)
    assert not result.passed


def test_grade_sample_passes_only_when_every_check_passes():
    checks = build_checks(
        [{"type": "contains", "value": "Paris"}, {"type": "min-chars", "value": 1}]
    )
    result = grade_sample(ATTEMPT, checks)
    assert (result.score, result.passed) == (1.0, True)


def test_grade_sample_with_no_checks_scores_one_and_passes():
    assert grade_sample(ATTEMPT, []) == SampleGrade(score=1.0, passed=True, results=())


def test_grade_sample_turns_a_crashing_check_into_an_error_result():
    checks = [Exploding(weight=2), *build_checks([{"type": "contains", "value": "Paris"}])]
    result = grade_sample(ATTEMPT, checks)
    crashed = result.results[0]
    assert (crashed.name, crashed.kind, crashed.passed, crashed.score) == (
        "explodes",
        "exploding",
        False,
        0.0,
    )
    assert crashed.weight == 2.0
    assert crashed.error
    assert result.errors == (crashed,)
    assert crashed.reason.startswith("check error: ZeroDivisionError: division by zero second line")
    assert "\n" not in crashed.reason
    assert len(crashed.reason) < 300
    assert result.score == pytest.approx(1 / 3)
    assert not result.passed


def test_grade_sample_survives_a_check_whose_name_also_crashes():
    (crashed,) = grade_sample(ATTEMPT, [ExplodingName()]).results
    assert crashed.name == "exploding"
    assert crashed.reason.startswith("check error: ZeroDivisionError")


def test_grade_averages_item_scores():
    result = grade([item(1.0), item(0.5), item(0.0, passed=False)], rule=rule(0.5))
    assert result.score == pytest.approx(0.5)
    assert result.passed
    assert len(result.items) == 3


def test_grade_fails_below_the_threshold():
    assert not grade([item(0.69)], rule=rule(0.7)).passed


def test_grade_tolerates_float_rounding_at_the_threshold():
    result = grade([item(0.1), item(0.7)], rule=rule(0.4))
    assert result.score < 0.4  # 0.39999999999999997 in binary floating point
    assert result.passed


def test_grade_with_no_items_scores_zero_and_fails():
    result = grade([], rule=rule(0.0))
    assert (result.score, result.passed, result.items) == (0.0, False, ())


def test_grade_with_a_zero_threshold_passes_any_non_empty_submission():
    assert grade([item(0.0, passed=False)], rule=rule(0.0)).passed


def test_grade_returns_items_as_a_tuple():
    assert isinstance(grade([item(1.0)], rule=rule(1.0)).items, tuple)


@pytest.mark.parametrize("threshold", [-0.1, 1.01, math.nan, math.inf])
def test_grade_rejects_thresholds_outside_zero_to_one(threshold):
    with pytest.raises(ValueError, match="pass threshold must be between 0 and 1"):
        rule(threshold)


def test_check_result_rejects_out_of_range_scores_and_weights():
    fields: dict[str, Any] = {"name": "n", "kind": "k", "passed": True, "reason": "r"}
    with pytest.raises(ValueError, match="score"):
        CheckResult(score=1.5, weight=1.0, **fields)
    with pytest.raises(ValueError, match="weight"):
        CheckResult(score=1.0, weight=0.0, **fields)


def test_grading_is_deterministic():
    checks = build_checks([{"type": "icontains-any", "value": ["paris", "lyon"]}])
    assert grade_sample(ATTEMPT, checks) == grade_sample(ATTEMPT, checks)


weights = st.floats(min_value=0.01, max_value=100, allow_nan=False)


@given(st.lists(st.tuples(st.booleans(), weights), max_size=8))
def test_item_score_stays_between_zero_and_one_and_passes_iff_all_pass(specs):
    checks: list[Check] = []
    for should_pass, weight in specs:
        value = "Paris" if should_pass else "Lyon"
        checks.extend(build_checks([{"type": "contains", "value": value, "weight": weight}]))
    result = grade_sample(ATTEMPT, checks)
    assert 0.0 <= result.score <= 1.0
    assert result.passed is all(passed for passed, _ in specs)
    if specs and all(passed for passed, _ in specs):
        assert result.score == 1.0


@given(
    st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=10),
    st.floats(min_value=0, max_value=1),
)
def test_grade_passes_exactly_when_the_mean_reaches_the_threshold(scores, threshold):
    result = grade([item(score) for score in scores], rule=rule(threshold))
    assert 0.0 <= result.score <= 1.0
    assert result.passed is (math.fsum(scores) / len(scores) >= threshold - 1e-9)


# --- statistics over repeated samples -------------------------------------------------------


def test_wilson_interval_matches_published_values():
    # Reference values from Wilson (1927) as tabulated by Newcombe (1998), Table I.
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=1e-4)
    assert wilson_interval(29, 29) == pytest.approx((0.8830, 1.0), abs=1e-4)


def test_wilson_interval_with_no_trials_is_uninformative():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("passes", "trials"), [(-1, 3), (4, 3), (0, -1)])
def test_wilson_interval_rejects_impossible_counts(passes, trials):
    with pytest.raises(ValueError, match="passes"):
        wilson_interval(passes, trials)


@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_wilson_interval_contains_the_observed_rate(counts):
    passes, trials = counts
    low, high = wilson_interval(passes, trials)
    assert 0.0 <= low <= passes / trials <= high <= 1.0


def test_an_item_that_passes_some_samples_is_flaky_and_fails_pass_hat_k():
    result = grade([[sample(1.0), sample(0.0, passed=False), sample(1.0)]], rule=rule(0.5))
    (only,) = result.items
    assert only.flaky
    assert not only.pass_all
    assert only.stats.passes == 2
    assert only.score == pytest.approx(2 / 3)
    assert result.flaky_items == 1
    assert result.pass_hat_k == 0.0


def test_an_item_that_passes_every_sample_is_stable():
    result = grade([[sample(1.0)] * 3, [sample(0.0, passed=False)] * 3], rule=rule(0.5))
    assert [item.flaky for item in result.items] == [False, False]
    assert result.pass_hat_k == 0.5
    assert result.stats.pass_rate == 0.5
    assert (result.stats.samples, result.stats.passes) == (6, 3)


def test_each_item_counts_once_in_the_score_whatever_its_samples():
    result = grade([[sample(1.0)] * 4, [sample(0.0, passed=False)]], rule=rule(0.5))
    assert result.score == pytest.approx(0.5)
    assert result.stats.mean_score == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (PassMetric.SCORE, 0.75),
        (PassMetric.PASS_RATE, 0.75),
        (PassMetric.PASS_RATE_LOWER, wilson_interval(6, 8)[0]),
        (PassMetric.PASS_HAT_K, 0.5),
    ],
)
def test_the_pass_rule_can_use_any_statistic(metric, expected):
    items = [
        [sample(1.0), sample(1.0)],
        [sample(1.0), sample(1.0)],
        [sample(1.0), sample(0.0, passed=False)],
        [sample(1.0), sample(0.0, passed=False)],
    ]
    assert grade(items, rule=rule(expected, metric)).passed
    assert not grade(items, rule=rule(min(1.0, expected + 0.01), metric)).passed
    assert grade(items, rule=rule(0.5, metric)).metric(metric) == pytest.approx(expected)


def test_a_lower_bound_rule_needs_enough_samples_to_be_sure():
    # 3 of 3 passes has a point estimate of 1.0 but a 95% lower bound of 0.44: not yet "≥ 0.8".
    lucky = grade([[sample(1.0)]] * 3, rule=rule(0.8, PassMetric.PASS_RATE_LOWER))
    assert lucky.stats.pass_rate == 1.0
    assert not lucky.passed
    sure = grade([[sample(1.0)] * 5] * 4, rule=rule(0.8, PassMetric.PASS_RATE_LOWER))
    assert sure.passed


def test_pass_rule_describes_itself():
    assert rule(0.8, PassMetric.PASS_RATE_LOWER).describe() == (
        "95% lower bound of the pass rate ≥ 0.8"
    )


def test_a_check_error_makes_the_grade_fail_and_lists_it():
    (errored,) = grade_sample(ATTEMPT, [Exploding()]).results
    result = grade([[SampleGrade(1.0, True, (errored,))]], rule=rule(0.0))
    assert result.errors == (errored,)
    assert not result.passed


def test_per_check_statistics_follow_rubric_order():
    checks = build_checks(
        [{"type": "contains", "value": "Paris"}, {"type": "contains", "value": "Lyon"}]
    )
    samples = [grade_sample(ATTEMPT, checks), grade_sample(ATTEMPT, checks)]
    result = grade([samples], rule=rule(0.5), shared_checks=2)
    assert [(c.kind, c.stats.passes, c.stats.samples) for c in result.checks] == [
        ("contains", 2, 2),
        ("contains", 0, 2),
    ]


class SlowToolCheck(Check):
    """A check that awaits a tool: it must run after the deterministic ones."""

    kind = "slow-tool"
    required = frozenset()
    allowed = frozenset()
    deterministic = False
    order: list[str] = []

    def _configure(self, params: Mapping[str, Any]) -> None:
        pass

    @property
    def name(self) -> str:
        return "slow tool"

    async def _aevaluate(self, attempt: Attempt, tools: Any) -> tuple[bool, str]:
        self.order.append("tool")
        return True, "tool says yes"


class RecordingCheck(Check):
    kind = "recording"
    required = frozenset()
    allowed = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        pass

    @property
    def name(self) -> str:
        return "recording"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        SlowToolCheck.order.append("deterministic")
        return True, "ok"


def test_agrade_sample_runs_deterministic_checks_first_and_keeps_rubric_order():
    import asyncio

    SlowToolCheck.order.clear()
    result = asyncio.run(agrade_sample(ATTEMPT, [SlowToolCheck(), RecordingCheck()]))
    assert SlowToolCheck.order == ["deterministic", "tool"]
    assert [r.kind for r in result.results] == ["slow-tool", "recording"]
    assert result.passed


def test_a_tool_check_in_the_synchronous_path_is_an_error_not_a_crash():
    (result,) = grade_sample(ATTEMPT, [SlowToolCheck()]).results
    assert result.error
    assert "arun" in result.reason


def test_per_check_statistics_cover_only_the_shared_rubric():
    shared = build_checks([{"type": "contains", "value": "Paris"}])
    own = build_checks([{"type": "contains", "value": "Paris"}, {"type": "equals", "value": "x"}])
    result = grade(
        [[grade_sample(ATTEMPT, shared)], [grade_sample(ATTEMPT, own)]],
        rule=rule(0.5),
        shared_checks=1,
    )
    assert [c.kind for c in result.checks] == ["contains"]


def test_an_items_own_checks_get_no_statistics_even_when_it_is_the_only_item():
    # Every graded item hidden and carrying its own check: its name must not reach the stats.
    own = build_checks([{"type": "contains", "value": "Paris"}, {"type": "equals", "value": "x"}])
    samples = [grade_sample(ATTEMPT, own), grade_sample(ATTEMPT, own)]
    result = grade([samples], rule=rule(0.5), shared_checks=1)
    assert [c.kind for c in result.checks] == ["contains"]
    assert grade([samples], rule=rule(0.5)).checks == ()


class UnavailableTool(SlowToolCheck):
    async def _aevaluate(self, attempt: Attempt, tools: Any) -> tuple[bool, str]:
        raise ToolUnavailable("judge is down")


def test_a_transient_tool_failure_propagates_for_a_retry_instead_of_scoring():
    import asyncio

    with pytest.raises(ToolUnavailable):
        asyncio.run(agrade_sample(ATTEMPT, [UnavailableTool()]))
