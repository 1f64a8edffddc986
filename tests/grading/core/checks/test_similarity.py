"""Tests of grading/core/checks/similarity.py."""

import asyncio
import math
import re
import zlib
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.core.checks import build_checks
from grading.core.checks.similarity import bleu, cosine, rouge_n
from grading.core.scoring import agrade_sample
from grading.core.types import Attempt, CheckResult, RubricError, Tools
from tests.grading.core.checks.support import (
    TOOL_PASS_AND_FAIL,
    attempt,
    check,
    run_on_output,
)


@pytest.mark.parametrize(
    ("entry", "good", "bad", "tools"),
    TOOL_PASS_AND_FAIL,
    ids=[entry["type"] for entry, _, _, _ in TOOL_PASS_AND_FAIL],
)
def test_each_tool_check_passes_on_good_output_and_fails_on_bad(entry, good, bad, tools):
    passed = asyncio.run(check(entry).arun(attempt(good), tools))
    failed = asyncio.run(check(entry).arun(attempt(bad), tools))
    assert (passed.passed, passed.error) == (True, False), passed.reason
    assert (failed.passed, failed.error) == (False, False), failed.reason
    assert passed.kind == failed.kind == entry["type"]


def test_levenshtein_default_threshold_is_5_like_promptfoo():
    assert run_on_output({"type": "levenshtein", "value": "abcdef"}, "abcdefghijk").passed
    assert not run_on_output({"type": "levenshtein", "value": "abcdef"}, "abcdefghijkl").passed


def test_levenshtein_compares_the_output_untrimmed_like_promptfoo():
    assert not run_on_output(
        {"type": "levenshtein", "value": "Paris", "threshold": 0}, "Paris\n"
    ).passed
    result = run_on_output({"type": "levenshtein", "value": "Paris", "threshold": 0}, "Paris")
    assert result.reason == "Levenshtein distance 0 is within 0."


def test_levenshtein_on_a_huge_output_is_fast():
    assert not run_on_output({"type": "levenshtein", "value": "short"}, "x" * 1_000_000).passed


def test_rouge_n_is_the_f1_of_clipped_ngram_matches():
    assert rouge_n("the cat", "the cat sat") == pytest.approx(0.8)  # p = 1, r = 2/3
    assert rouge_n("the the the", "the cat") == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert rouge_n("The cat", "the cat") == 1.0  # lowercased, as promptfoo 0.123.1
    assert rouge_n("a b c", "a b c", n=2) == 1.0
    assert rouge_n("a", "a", n=2) == 0.0


def test_rouge_n_score_is_the_metric():
    result = run_on_output({"type": "rouge-n", "value": "the cat sat"}, "the cat")
    assert (result.passed, result.score) == (True, pytest.approx(0.8))
    assert result.reason == "ROUGE-1 score 0.80 >= threshold 0.75."


def test_bleu_matches_a_hand_computed_value():
    expected = (5 / 6 * 3 / 5 * 1 / 4 * 1e-7) ** 0.25  # no 4-gram match: promptfoo's 1e-7
    assert bleu("the cat sat on the mat", ["the cat is on the mat"]) == pytest.approx(expected)


def test_bleu_brevity_penalty_uses_the_closest_reference():
    score = bleu("the cat", ["the cat sat on the mat", "a b c"])
    # closest reference length is 3: penalty exp(1 - 3/2); precisions 1 (1-gram), 1 (2-gram)
    assert score == pytest.approx(math.exp(1 - 3 / 2))


def test_bleu_scores_exact_short_answers_1_and_nothing_in_common_nearly_0():
    assert bleu("Paris", ["paris"]) == 1.0  # orders longer than the answer are left out
    assert bleu("Lyon", ["Paris"]) == pytest.approx(1e-7)
    assert bleu("", ["Paris"]) == 0.0


def test_bleu_score_is_the_metric_and_default_threshold_is_half():
    result = run_on_output(
        {"type": "bleu", "value": "the cat is on the mat"}, "the cat sat on the mat"
    )
    # promptfoo 0.123.1's own score for this pair (tests/grading/promptfoo_verdicts)
    assert (result.passed, result.score) == (False, pytest.approx(0.010573712634405643))
    assert result.reason == "BLEU score 0.01 < threshold 0.5."


def test_metric_checks_reject_a_reference_list_for_rouge():
    with pytest.raises(RubricError, match="'value' must be a string, got list"):
        build_checks([{"type": "rouge-n", "value": ["a", "b"]}])


DIMENSIONS = 64


def bag_of_words(text: str) -> list[float]:
    """A deterministic toy embedding: word counts hashed into 64 buckets (crc32, not hash(),
    which changes between processes). Texts sharing words point the same way."""
    vector = [0.0] * DIMENSIONS
    for word in re.findall(r"\w+", text.lower()):
        vector[zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
    return vector


class FakeEmbedder:
    """Records each call; answers with bag-of-words vectors, or with a canned answer."""

    def __init__(self, answer: Any = None) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.answer = answer

    async def __call__(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append((model, list(texts)))
        if self.answer is not None:
            return self.answer  # type: ignore[no-any-return]
        return [bag_of_words(text) for text in texts]


def evaluate(entry: dict[str, Any], output: str, tools: Tools) -> CheckResult:
    (check,) = build_checks([entry])
    attempt = Attempt(prompt="p", rendered_prompt="p", output=output)
    return asyncio.run(check.arun(attempt, tools))


def tools_with(embedder: FakeEmbedder, model: str = "local/all-minilm-l6-v2") -> Tools:
    return Tools(embed=embedder, embedding_model=model)


def test_similar_passes_when_the_cosine_reaches_the_threshold_and_scores_the_cosine():
    embedder = FakeEmbedder()
    result = evaluate(
        {"type": "similar", "value": "the cat sat on the mat"},
        "the cat sat on a mat",
        tools_with(embedder),
    )
    expected = cosine(bag_of_words("the cat sat on a mat"), bag_of_words("the cat sat on the mat"))
    assert expected is not None
    assert 0.75 <= expected < 1.0
    assert result.passed
    assert not result.error
    assert result.score == pytest.approx(expected)
    assert (
        result.reason
        == f"Output is similar to 'the cat sat on the mat' (cosine {expected:.3f} ≥ 0.75)."
    )
    assert result.details["similarities"] == [round(expected, 4)]


def test_similar_fails_below_the_threshold_and_quotes_the_output():
    result = evaluate(
        {"type": "similar", "value": "the cat sat on the mat"},
        "quarterly revenue rose",
        tools_with(FakeEmbedder()),
    )
    assert not result.passed
    assert not result.error
    assert result.reason.startswith("Output is not similar enough to 'the cat sat on the mat'")
    assert result.reason.endswith(": 'quarterly revenue rose'")
    assert result.score < 0.75


def test_similar_calls_the_embedder_once_with_the_output_then_every_reference():
    embedder = FakeEmbedder()
    evaluate({"type": "similar", "value": ["a b", "c d"]}, "a b c", tools_with(embedder, "m1"))
    assert embedder.calls == [("m1", ["a b c", "a b", "c d"])]


def test_the_checks_own_model_overrides_the_default_embedding_model():
    embedder = FakeEmbedder()
    evaluate(
        {"type": "similar", "value": "x", "model": "openai/text-embedding-3-small"},
        "x",
        tools_with(embedder, "local/all-minilm-l6-v2"),
    )
    assert embedder.calls[0][0] == "openai/text-embedding-3-small"


def test_a_list_of_references_passes_if_any_one_is_similar_enough_and_scores_the_best():
    result = evaluate(
        {"type": "similar", "value": ["quarterly revenue rose", "paris is in france"]},
        "paris is in france",
        tools_with(FakeEmbedder()),
    )
    assert result.passed
    assert result.score == pytest.approx(1.0)
    assert "'paris is in france'" in result.reason
    assert result.details["similarities"][1] == pytest.approx(1.0)


def test_the_threshold_is_inclusive_like_promptfoo():
    # Two orthogonal unit vectors and their normalised sum: cosine exactly 1/√2 with each.
    half = 1 / math.sqrt(2)
    answer = [[half, half], [1.0, 0.0]]
    entry = {"type": "similar", "value": "r", "threshold": half}
    assert evaluate(entry, "o", tools_with(FakeEmbedder(answer))).passed
    stricter = {"type": "similar", "value": "r", "threshold": half + 1e-9}
    assert not evaluate(stricter, "o", tools_with(FakeEmbedder(answer))).passed


def test_a_negative_similarity_scores_zero():
    result = evaluate(
        {"type": "similar", "value": "r"}, "o", tools_with(FakeEmbedder([[1.0, 0.0], [-1.0, 0.0]]))
    )
    assert (result.passed, result.score) == (False, 0.0)
    assert "best cosine -1.000 < 0.75" in result.reason


def test_not_similar_passes_when_the_output_is_unlike_every_reference():
    entry = {"type": "not-similar", "value": ["the cat sat", "a dog ran"]}
    unlike = evaluate(entry, "quarterly revenue rose", tools_with(FakeEmbedder()))
    alike = evaluate(entry, "the cat sat", tools_with(FakeEmbedder()))
    assert unlike.passed
    assert unlike.score == pytest.approx(1.0)
    assert not alike.passed
    assert alike.score == pytest.approx(0.0)


def test_empty_output_fails_without_calling_the_embedder():
    embedder = FakeEmbedder()
    result = evaluate({"type": "similar", "value": "x"}, " \n", tools_with(embedder))
    assert (result.passed, result.error, result.score) == (False, False, 0.0)
    assert result.reason == "Output is not similar to 'x' (the output is empty)."
    assert embedder.calls == []


@pytest.mark.parametrize(
    "tools", [Tools(), Tools(embedding_model="m"), Tools(embed=FakeEmbedder())], ids=str
)
def test_without_an_embedder_or_a_model_the_check_is_an_error_not_a_fail(tools):
    result = evaluate({"type": "similar", "value": "x"}, "x", tools)
    assert (result.passed, result.error) == (False, True)
    assert result.reason == "embedding model not configured"


def test_a_model_in_the_rubric_is_enough_without_a_default_embedding_model():
    embedder = FakeEmbedder()
    result = evaluate({"type": "similar", "value": "x", "model": "m"}, "x", Tools(embed=embedder))
    assert result.passed
    assert embedder.calls[0][0] == "m"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([[1.0, 0.0]], "returned 1 embeddings for 2 texts"),
        ([[1.0, 0.0], [1.0]], "returned embeddings of different lengths"),
        ([[1.0, 0.0], []], "returned an empty or malformed embedding"),
        ([[1.0, math.nan], [1.0, 0.0]], "returned an embedding with a non-finite number"),
        ([[1.0, 0.0], ["1", "0"]], "returned an embedding that is not a list of numbers"),
        ([[0.0, 0.0], [1.0, 0.0]], "returned a zero vector"),
    ],
)
def test_an_unusable_embedding_answer_is_an_error(answer, problem):
    result = evaluate({"type": "similar", "value": "x"}, "x", tools_with(FakeEmbedder(answer), "m"))
    assert (result.passed, result.error) == (False, True)
    assert result.reason == f"embedding model m {problem}"


def test_an_embedder_failure_becomes_a_check_error_in_grading():
    async def failing(model: str, texts: Sequence[str]) -> list[list[float]]:
        raise ConnectionError("embedding server down")

    checks = build_checks([{"type": "similar", "value": "x"}])
    attempt = Attempt(prompt="p", rendered_prompt="p", output="x")
    grade = asyncio.run(agrade_sample(attempt, checks, Tools(embed=failing, embedding_model="m")))
    (result,) = grade.results
    assert result.error
    assert not result.passed
    assert "embedding server down" in result.reason


def test_the_name_shows_the_references_and_the_threshold():
    (one,) = build_checks([{"type": "similar", "value": "Paris", "threshold": 0.8}])
    (two,) = build_checks([{"type": "similar", "value": ["Paris", "Lyon"]}])
    assert one.name == "similar to 'Paris' (≥ 0.8)"
    assert two.name == "similar to one of 'Paris', 'Lyon' (≥ 0.75)"
    assert one.deterministic is False


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"type": "similar"}, "missing required parameter(s) 'value'"),
        ({"type": "similar", "value": ""}, "'value' must not be empty"),
        ({"type": "similar", "value": []}, "'value' must be a non-empty list of non-empty strings"),
        ({"type": "similar", "value": ["a", 1]}, "item 2 is 1"),
        ({"type": "similar", "value": "a", "threshold": 1.5}, "'threshold' must be <= 1"),
        ({"type": "similar", "value": "a", "threshold": -0.1}, "'threshold' must be >= 0"),
        ({"type": "similar", "value": "a", "threshold": "high"}, "'threshold' must be a number"),
        ({"type": "similar", "value": "a", "model": ""}, "'model' must not be empty"),
        ({"type": "similar", "value": "a", "model": " m"}, "'model' must not start or end"),
        ({"type": "similar", "value": "a", "metric": "dot"}, "unknown parameter(s) 'metric'"),
    ],
)
def test_rubric_errors_name_the_problem(entry, message):
    with pytest.raises(RubricError) as excinfo:
        build_checks([entry])
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith("check 1 (")


def test_cosine_of_a_vector_with_itself_is_one_and_with_a_zero_vector_is_none():
    assert cosine([3.0, 4.0], [3.0, 4.0]) == pytest.approx(1.0)
    assert cosine([3.0, 4.0], [0.0, 0.0]) is None


@settings(max_examples=60, deadline=None)
@given(output=st.text(max_size=2000), reference=st.text(min_size=1, max_size=200))
def test_any_output_gets_a_one_line_verdict_and_a_score_in_range(output, reference):
    result = evaluate({"type": "similar", "value": reference}, output, tools_with(FakeEmbedder()))
    assert 0.0 <= result.score <= 1.0
    assert "\n" not in result.reason
    assert len(result.reason) <= 301
    # Empty output fails; output whose words all miss (e.g. only punctuation) has a zero
    # bag-of-words vector, which is a grader error rather than a verdict on the learner.
    if not output.strip():
        assert not result.passed
        assert not result.error
