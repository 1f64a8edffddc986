"""Similarity to reference texts: by meaning (``similar``, embeddings) and by surface form
(``levenshtein``, ``rouge-n``, ``bleu``, as promptfoo defines them).

``similar`` follows promptfoo's assertion of that name: ``value`` is a reference text or a list
of them (the output passes if it is similar enough to any), ``threshold`` defaults to 0.75 and
the similarity is the cosine of the embeddings. ``model`` names the embedding model (a LiteLLM
model string); by default the grader's ``Tools.embedding_model``.

Thresholds depend on the embedding model: with the bundled ``local/all-minilm-l6-v2``,
unrelated sentences score near 0 and close paraphrases about 0.7–0.9.

An exception raised by the embed tool (e.g. the model is unavailable) is not caught here:
grading turns it into an error result, and the caller can tell transient failures apart.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rapidfuzz.distance import Levenshtein as _Levenshtein

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    TEXT_METRIC_MAX_INPUT_CHARS,
    Check,
    empty_note,
    plural,
    quote,
    quote_list,
    quote_output,
    register,
    require_int,
    require_number,
    require_str,
    require_str_list,
)
from grading.core.types import Attempt, RubricError, Tools, Verdict

DEFAULT_THRESHOLD = 0.75
"""promptfoo's default for ``similar``."""


def cosine(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Cosine similarity of two vectors of equal length; None if either has no direction."""
    norm_a = math.sqrt(math.fsum(x * x for x in a))
    norm_b = math.sqrt(math.fsum(y * y for y in b))
    if norm_a == 0.0 or norm_b == 0.0 or not math.isfinite(norm_a * norm_b):
        return None
    value = math.fsum(x * y for x, y in zip(a, b, strict=True)) / (norm_a * norm_b)
    return max(-1.0, min(1.0, value))  # rounding can step just outside [-1, 1]


def _unusable(vectors: object, expected: int) -> str | None:
    """Why the embed tool's answer cannot be used, or None if it is a list of ``expected``
    vectors of the same non-zero length made of finite numbers."""
    if not isinstance(vectors, Sequence) or len(vectors) != expected:
        count = len(vectors) if isinstance(vectors, Sequence) else "no list of"
        return f"returned {count} embeddings for {expected} texts"
    lengths = set()
    for vector in vectors:
        if not isinstance(vector, Sequence) or not vector:
            return "returned an empty or malformed embedding"
        for value in vector:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return "returned an embedding that is not a list of numbers"
            if not math.isfinite(value):
                return "returned an embedding with a non-finite number"
        lengths.add(len(vector))
    if len(lengths) > 1:
        return "returned embeddings of different lengths"
    return None


@register
class Similar(Check):
    """Passes when the output's embedding has a cosine similarity >= ``threshold`` with the
    embedding of at least one reference. Score: the best similarity, clamped to [0, 1]."""

    kind = "similar"
    allowed = frozenset({"value", "threshold", "model"})
    deterministic = False

    def _configure(self, params: Mapping[str, Any]) -> None:
        if isinstance(params["value"], str):
            self.references: tuple[str, ...] = (require_str(params, "value", non_empty=True),)
        else:
            self.references = require_str_list(params, "value")
        self.threshold = require_number(
            params, "threshold", minimum=0.0, maximum=1.0, default=DEFAULT_THRESHOLD
        )
        self.model = require_str(params, "model", non_empty=True) if "model" in params else ""
        if self.model and self.model != self.model.strip():
            raise RubricError("'model' must not start or end with spaces")

    @property
    def name(self) -> str:
        if len(self.references) == 1:
            target = quote(self.references[0], NAME_SNIPPET_CHARS)
        else:
            target = f"one of {quote_list(self.references, NAME_SNIPPET_CHARS)}"
        return f"similar to {target} (≥ {self.threshold:g})"

    def _describe_target(self) -> str:
        if len(self.references) == 1:
            return quote(self.references[0])
        return f"any of {quote_list(self.references)}"

    async def _aevaluate(self, attempt: Attempt, tools: Tools) -> Verdict:
        model = self.model or tools.embedding_model
        if tools.embed is None or not model:
            return Verdict(passed=False, reason="embedding model not configured", error=True)
        output = attempt.output
        if not output.strip():
            return Verdict(
                passed=False,
                reason=f"Output is not similar to {self._describe_target()}{empty_note(output)}.",
                score=0.0,
            )
        texts = [output, *self.references]
        vectors = await tools.embed(model, texts)
        problem = _unusable(vectors, len(texts))
        if problem is not None:
            return Verdict(passed=False, reason=f"embedding model {model} {problem}", error=True)
        similarities = [cosine(vectors[0], reference) for reference in vectors[1:]]
        if any(similarity is None for similarity in similarities):
            return Verdict(
                passed=False, reason=f"embedding model {model} returned a zero vector", error=True
            )
        scores = [similarity for similarity in similarities if similarity is not None]
        best_index = max(range(len(scores)), key=scores.__getitem__)
        best = scores[best_index]
        # Like promptfoo: a similarity equal to the threshold, up to rounding, passes.
        passed = best >= self.threshold - sys.float_info.epsilon
        if passed:
            closest = quote(self.references[best_index])
            reason = f"Output is similar to {closest} (cosine {best:.3f} ≥ {self.threshold:g})."
        else:
            reason = (
                f"Output is not similar enough to {self._describe_target()} (best cosine "
                f"{best:.3f} < {self.threshold:g}): {quote_output(output)}"
            )
        return Verdict(
            passed=passed,
            reason=reason,
            score=min(1.0, max(0.0, best)),
            details={
                "model": model,
                "threshold": self.threshold,
                "similarities": [round(score, 4) for score in scores],
            },
        )


# --------------------------------------------------------------------------------------------
# Similarity to a reference

LEVENSHTEIN_DEFAULT_THRESHOLD = 5
"""promptfoo's default maximum edit distance."""


@register
class Levenshtein(Check):
    """Pass when the edit distance between the output and ``value`` is at most ``threshold``
    (default 5), as promptfoo's ``levenshtein``: the output is compared as is, untrimmed."""

    kind = "levenshtein"
    allowed = frozenset({"value", "threshold"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=False)
        self.threshold = (
            require_int(params, "threshold", minimum=0)
            if "threshold" in params
            else LEVENSHTEIN_DEFAULT_THRESHOLD
        )

    @property
    def name(self) -> str:
        return f"within {plural(self.threshold, 'edit')} of {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> Verdict:
        # The cutoff bounds the work: past the threshold rapidfuzz stops and returns cutoff + 1.
        distance = _Levenshtein.distance(attempt.output, self.value, score_cutoff=self.threshold)
        if distance <= self.threshold:
            reason = f"Levenshtein distance {distance} is within {self.threshold}."
            return Verdict(passed=True, reason=reason, details={"distance": distance})
        reason = f"Levenshtein distance is more than {self.threshold}{empty_note(attempt.output)}."
        return Verdict(passed=False, reason=reason)


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


_CONTRACTIONS = tuple(
    re.compile(rf"(?<![\w\u200c\u200d]){first}{second}(?![\w\u200c\u200d])", re.IGNORECASE)
    for first, second in (
        ("(can)", "(not)"), ("(d)", "('ye)"), ("(gim)", "(me)"), ("(gon)", "(na)"),
        ("(got)", "(ta)"), ("(lem)", "(me)"), ("(more)", "('n)"), ("(wan)", "(na)(?= )"),
        ("('t)", "(is)"), ("('t)", "(was)"),
    )
)  # fmt: skip


def treebank_tokens(text: str) -> list[str]:
    """Penn Treebank tokens, as js-rouge's ``treeBankTokenize`` splits them (promptfoo's ROUGE):
    punctuation, brackets and a final period apart, ``n't``/``'s``/``'ll`` split off, ``cannot``
    as ``can not``, double quotes as ````` `` ````` or ``''`` (opening after a space or bracket)."""
    text = re.sub(r"[\s\u0085]+", " ", text).strip()
    if not text:
        return []

    def quote(match: re.Match[str]) -> str:
        at = match.start()
        opening = match.group(0) == "``" or at == 0 or text[at - 1] in " ([{<"
        return " `` " if opening else " '' "

    text = re.sub(r"``|''|\"", quote, text)
    text = text.replace("...", " ... ")
    text = re.sub(r"[:,](?!\d)", r" \g<0> ", text)
    text = re.sub(r"[;@#$%&]", r" \g<0> ", text)
    text = re.sub(r"([^.])(?<!\b[A-Za-z]\.[A-Za-z])(\.)([\])}>'\s]*)$", r"\1 \2\3 ", text)
    text = re.sub(r"[?!]", r" \g<0> ", text)
    text = re.sub(r"[\][(){}<>]", r" \g<0> ", text)
    text = text.replace("--", " -- ")
    text = f" {text} "
    text = re.sub(r"([^'])' ", r"\1 ' ", text)
    text = re.sub(r"'([sSmMdD]) ", r" '\1 ", text)
    text = re.sub(r"('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r" \1 ", text)
    for contraction in _CONTRACTIONS:
        text = contraction.sub(r" \1 \2 ", text)
    return re.sub(r" {2,}", " ", text).strip(" ").split(" ")


def rouge_n(candidate: str, reference: str, n: int = 1) -> float:
    """ROUGE-N F1 of ``candidate`` against ``reference``, as promptfoo 0.123.1 computes it: both
    lowercased, Penn Treebank tokens, n-gram matches clipped to the reference count (Lin, 2004),
    F-measure with beta 1. Returns 0.0 when either side has fewer than ``n`` tokens."""
    candidate_tokens = treebank_tokens(candidate.lower())
    reference_tokens = treebank_tokens(reference.lower())
    if len(candidate_tokens) < n or len(reference_tokens) < n:
        return 0.0
    candidate_grams = _ngrams(candidate_tokens, n)
    reference_grams = _ngrams(reference_tokens, n)
    matches = sum((candidate_grams & reference_grams).values())
    if not matches:
        return 0.0
    precision = matches / sum(candidate_grams.values())
    recall = matches / sum(reference_grams.values())
    if precision == recall:
        return precision
    return 2 * precision * recall / (precision + recall)


@register
class RougeN(Check):
    """Pass when the ROUGE-N F1 of the output against the reference ``value`` is at least
    ``threshold`` (default 0.75, as promptfoo); ``n`` defaults to 1. Score: the ROUGE value."""

    kind = "rouge-n"
    allowed = frozenset({"value", "threshold", "n"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True)
        if not treebank_tokens(self.value):
            raise RubricError("'value' must contain at least one word")
        self.threshold = require_number(params, "threshold", minimum=0, maximum=1, default=0.75)
        self.n = require_int(params, "n", minimum=1) if "n" in params else 1
        if self.n > 4:
            raise RubricError(f"'n' must be between 1 and 4, got {self.n}")

    @property
    def name(self) -> str:
        reference = quote(self.value, NAME_SNIPPET_CHARS)
        return f"ROUGE-{self.n} >= {self.threshold:g} against {reference}"

    def _evaluate(self, attempt: Attempt) -> Verdict:
        score = rouge_n(attempt.output[:TEXT_METRIC_MAX_INPUT_CHARS], self.value, self.n)
        passed = score >= self.threshold
        relation = ">=" if passed else "<"
        reason = (
            f"ROUGE-{self.n} score {score:.2f} {relation} threshold {self.threshold:g}"
            f"{empty_note(attempt.output)}."
        )
        return Verdict(passed=passed, reason=reason, score=score)


BLEU_MAX_ORDER = 4
BLEU_ZERO_PRECISION = 1e-7
"""What promptfoo counts an n-gram order with no match as (instead of 0, which would make the
geometric mean 0)."""


def bleu(candidate: str, references: Sequence[str]) -> float:
    """Sentence BLEU (Papineni et al., 2002) of ``candidate`` against ``references``, exactly as
    promptfoo 0.123.1's ``bleu`` computes it.

    Tokens: lowercased, whitespace-separated. Weights 0.25 on 1- to 4-gram precisions with
    clipped counts (each n-gram up to its largest count in any one reference); an order the
    candidate is too short to have is left out and the others' weights are renormalised; an
    order with no match counts as ``BLEU_ZERO_PRECISION``. Brevity penalty against the closest
    reference length (the shorter on a tie). An empty candidate scores 0.
    """
    if not candidate.strip():
        return 0.0
    words = candidate.lower().strip().split()
    reference_words = [reference.lower().strip().split() for reference in references]
    lengths = [len(tokens) for tokens in reference_words]
    closest = min(lengths, key=lambda length: (abs(length - len(words)), length))
    orders: list[float] = []
    for n in range(1, BLEU_MAX_ORDER + 1):
        grams = _ngrams(words, n)
        total = sum(grams.values())
        if total == 0:
            continue
        clipped = max(sum((grams & _ngrams(tokens, n)).values()) for tokens in reference_words)
        orders.append(clipped / total)
    brevity = 1.0 if len(words) > closest else math.exp(1 - closest / len(words))
    weighted = sum(math.log(precision or BLEU_ZERO_PRECISION) for precision in orders)
    return brevity * math.exp(weighted / len(orders))


@register
class Bleu(Check):
    """Pass when the sentence BLEU of the output against ``value`` (a reference or a list of
    references) is at least ``threshold`` (default 0.5, as promptfoo). Score: the BLEU value.
    See ``bleu`` for tokenisation and smoothing."""

    kind = "bleu"
    allowed = frozenset({"value", "threshold"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        value = params["value"]
        value = [value] if isinstance(value, str) else value
        references = require_str_list({"value": value}, "value")
        if any(not reference.split() for reference in references):
            raise RubricError("'value' references must contain at least one word")
        self.references = references
        self.threshold = require_number(params, "threshold", minimum=0, maximum=1, default=0.5)

    @property
    def name(self) -> str:
        references = quote_list(self.references, NAME_SNIPPET_CHARS)
        return f"BLEU >= {self.threshold:g} against {references}"

    def _evaluate(self, attempt: Attempt) -> Verdict:
        score = bleu(attempt.output[:TEXT_METRIC_MAX_INPUT_CHARS], self.references)
        passed = score >= self.threshold
        relation = ">=" if passed else "<"
        reason = (
            f"BLEU score {score:.2f} {relation} threshold {self.threshold:g}"
            f"{empty_note(attempt.output)}."
        )
        return Verdict(passed=passed, reason=reason, score=score)
