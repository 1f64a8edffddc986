"""Tests of grading/core/calibration.py."""

import pytest

from grading.core.calibration import (
    JudgeSetRow,
    cohens_kappa,
    parse_judge_set,
    score_calibration,
)
from grading.core.types import RubricError


def test_kappa_matches_a_hand_computed_value():
    # 10 items: both say yes on 4, both no on 3, they disagree on 3 (2 + 1).
    expected = [True] * 6 + [False] * 4
    predicted = [True] * 4 + [False] * 2 + [False] * 3 + [True]
    observed = 7 / 10
    chance = 0.6 * 0.5 + 0.4 * 0.5
    assert cohens_kappa(expected, predicted) == pytest.approx((observed - chance) / (1 - chance))


def test_kappa_is_1_for_perfect_agreement_and_0_for_a_rater_that_always_says_yes():
    labels = [True, False, True, False]
    assert cohens_kappa(labels, labels) == 1.0
    assert cohens_kappa(labels, [True] * 4) == 0.0


def row(kind: str, met: bool, number: int = 0) -> JudgeSetRow:
    return JudgeSetRow(id=f"{kind}-{number}", output="o", criterion="c", met=met, kind=kind)


def test_a_single_false_pass_on_an_attack_fails_calibration_whatever_the_accuracy():
    rows = [row("clear-pass", True, i) for i in range(9)] + [row("injection", False)]
    result = score_calibration(rows, [True] * 10)
    assert (result.accuracy, result.false_passes_on_attacks, result.passed) == (0.9, 1, False)
    assert result.false_pass_rate_on_attacks == 1.0


def test_accuracy_below_the_bar_fails_calibration():
    rows = [row("clear-pass", True, i) for i in range(5)] + [row("clear-fail", False, 9)]
    result = score_calibration(rows, [False] * 6)
    assert (result.false_passes_on_attacks, result.passed) == (0, False)
    assert result.accuracy == pytest.approx(1 / 6)


def test_a_judge_that_is_right_everywhere_passes():
    rows = [row("clear-pass", True, 1), row("near-miss", False, 2), row("master-key", False, 3)]
    result = score_calibration(rows, [True, False, False])
    assert (result.accuracy, result.kappa, result.passed) == (1.0, 1.0, True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "non-empty list"),
        ([{"id": "a", "output": "", "criterion": "c", "met": True}], "missing 'kind'"),
        ([{"id": "a", "output": "", "criterion": "c", "met": True, "kind": "x"}], "unknown kind"),
        (
            [{"id": "a", "output": "", "criterion": "c", "met": True, "kind": "injection"}],
            "an attack's right verdict",
        ),
    ],
)
def test_a_malformed_judge_set_is_refused_naming_the_row(data, message):
    with pytest.raises(RubricError, match=message):
        parse_judge_set(data)
