"""Semantic checks: compare the meaning of the output with reference texts through embeddings.

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
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    Check,
    empty_note,
    quote,
    quote_list,
    quote_output,
    register,
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
