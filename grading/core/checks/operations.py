"""Operations checks: they look at how the model call went (latency, tokens, cost, stop reason).

``latency``, ``cost`` and ``finish-reason`` share promptfoo's names, parameters and semantics
(``threshold`` in milliseconds or USD, passing when the measure is at or below it; the finish
reason compared case-insensitively after mapping provider spellings such as Anthropic's
``end_turn`` to OpenAI's ``stop``). ``max-output-tokens`` and ``max-total-tokens`` are ours.

Missing metadata is a grading *error*, never a pass or a fail: a check that cannot see the
latency cannot say whether it was fast enough. promptfoo does the same for ``latency`` and
``cost`` (it raises); for ``finish-reason`` it fails instead, and we report an error there too,
so that a provider that does not report a stop reason is shown as a grader problem, not
blamed on the learner's prompt.

Cached responses: promptfoo refuses to grade latency on cached results. Our service replays
cached outputs, so ``latency`` grades whatever ``Attempt.latency_ms`` says: the service is to
pass the latency measured when the response was generated (so a regrade reproduces the grade),
or ``None`` when it does not know it, which makes this check report an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from grading.core.checks.base import (
    Check,
    plural,
    quote,
    register,
    require_int,
    require_number,
    require_str,
)
from grading.core.types import Attempt, RubricError, Verdict

FINISH_REASONS = {
    # OpenAI's values, which LiteLLM already returns for most providers.
    "stop": "stop",
    "length": "length",
    "content_filter": "content_filter",
    "tool_calls": "tool_calls",
    # OpenAI's legacy function calling, and Anthropic's stop reasons (as promptfoo maps them).
    "function_call": "tool_calls",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}
"""Provider spellings of a finish reason, mapped to OpenAI's; unknown values pass through."""


def normalize_finish_reason(reason: str) -> str:
    """Return ``reason`` trimmed, lowercased and mapped to OpenAI's spelling (``""`` if blank)."""
    key = reason.strip().lower()
    return FINISH_REASONS.get(key, key)


def format_usd(amount: float) -> str:
    """Return e.g. ``"$0.00042"``: enough decimals for a fraction of a cent, no exponent."""
    text = f"{amount:.10f}".rstrip("0").rstrip(".")
    if text == "0" and amount:
        text = f"{amount:.2e}"  # below 1e-10 dollars: say it rather than print "$0"
    return f"${text}"


def format_ms(milliseconds: float) -> str:
    """Return e.g. ``"1500 ms"`` or ``"2.5 ms"``: never an exponent for a whole number."""
    shown = str(int(milliseconds)) if float(milliseconds).is_integer() else f"{milliseconds:g}"
    return f"{shown} ms"


def not_recorded(what: str) -> Verdict:
    """The error verdict for metadata the service did not record."""
    return Verdict(passed=False, reason=f"{what} was not recorded for this response.", error=True)


@register
class Latency(Check):
    """Pass when the call took at most ``threshold`` milliseconds (promptfoo's ``latency``)."""

    kind = "latency"
    allowed = frozenset({"threshold"})
    required = frozenset({"threshold"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.threshold = require_number(params, "threshold", minimum=0)

    @property
    def name(self) -> str:
        return f"latency at most {format_ms(self.threshold)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        latency = attempt.latency_ms
        if latency is None:
            return not_recorded("Latency")
        if latency < 0:
            return Verdict(False, f"The recorded latency ({latency} ms) is negative.", error=True)
        return latency <= self.threshold, (
            f"Latency was {format_ms(latency)} (max {format_ms(self.threshold)})."
        )


@register
class Cost(Check):
    """Pass when the model call cost at most ``threshold`` US dollars (promptfoo's ``cost``)."""

    kind = "cost"
    allowed = frozenset({"threshold"})
    required = frozenset({"threshold"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.threshold = require_number(params, "threshold", minimum=0)

    @property
    def name(self) -> str:
        return f"cost at most {format_usd(self.threshold)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        cost = attempt.cost_usd
        if cost is None:
            return Verdict(
                passed=False,
                reason="Cost is unknown for this response (the model has no known price).",
                error=True,
            )
        if not math.isfinite(cost) or cost < 0:
            return Verdict(
                False, f"The recorded cost ({cost!r}) is not a valid amount.", error=True
            )
        limit = format_usd(self.threshold)
        return cost <= self.threshold, f"Cost was {format_usd(cost)} (max {limit})."


@register
class FinishReason(Check):
    """Pass when the model stopped for the reason ``value`` (promptfoo's ``finish-reason``).

    Both sides are compared lowercased and mapped to OpenAI's spelling, so ``stop`` also
    accepts Anthropic's ``end_turn`` and ``length`` accepts ``max_tokens``.
    """

    kind = "finish-reason"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True).strip()
        self.expected = normalize_finish_reason(self.value)
        if not self.expected:
            raise RubricError("'value' must not be blank")

    @property
    def name(self) -> str:
        return f"finish reason is {quote(self.value)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        actual = normalize_finish_reason(attempt.finish_reason)
        if not actual:
            return not_recorded("The finish reason")
        shown = quote(attempt.finish_reason.strip())
        if actual != attempt.finish_reason.strip().lower():
            shown += f" ({quote(actual)})"
        if actual == self.expected:
            return True, f"Model stopped with finish reason {shown}."
        return False, f"Model stopped with finish reason {shown}, expected {quote(self.value)}."


@register
class MaxOutputTokens(Check):
    """Pass when the output used at most ``value`` completion tokens (as the provider counted)."""

    kind = "max-output-tokens"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_int(params, "value", minimum=0)

    @property
    def name(self) -> str:
        return f"output at most {plural(self.value, 'token')}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        used = attempt.completion_tokens
        if used is None:
            return not_recorded("The output token count")
        return used <= self.value, f"Output used {plural(used, 'token')} (max {self.value})."


@register
class MaxTotalTokens(Check):
    """Pass when prompt plus completion tokens (as the provider counted) are at most ``value``."""

    kind = "max-total-tokens"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_int(params, "value", minimum=0)

    @property
    def name(self) -> str:
        return f"call at most {plural(self.value, 'token')} in total"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        prompt, completion = attempt.prompt_tokens, attempt.completion_tokens
        if prompt is None or completion is None:
            return not_recorded("The token count")
        total = prompt + completion
        return total <= self.value, (
            f"The call used {plural(total, 'token')} ({prompt} prompt + {completion} output; "
            f"max {self.value})."
        )
