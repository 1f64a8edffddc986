"""Prompt-side checks: they look at the learner's prompt itself, not at the output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    Check,
    plural,
    quote,
    register,
    require_int,
    require_str,
    require_str_list,
)
from grading.core.templating import PLACEHOLDER, placeholders
from grading.core.types import Attempt, RubricError

# --------------------------------------------------------------------------------------------
# Prompt-side checks: these look at the learner's template, not at the output


@register
class PromptMaxChars(Check):
    """Pass when the learner's prompt template has at most ``value`` characters."""

    kind = "prompt-max-chars"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_int(params, "value", minimum=1)

    @property
    def name(self) -> str:
        return f"prompt at most {plural(self.value, 'character')}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        count = len(attempt.prompt)
        return count <= self.value, f"Prompt has {plural(count, 'character')} (max {self.value})."


@register
class PromptHasPlaceholder(Check):
    """Pass when the prompt template uses every named ``{{placeholder}}``."""

    kind = "prompt-has-placeholder"

    def _configure(self, params: Mapping[str, Any]) -> None:
        if isinstance(params["value"], str):
            names: tuple[str, ...] = (require_str(params, "value", non_empty=True),)
        else:
            names = require_str_list(params, "value")
        for name in names:
            if not PLACEHOLDER.fullmatch(f"{{{{{name}}}}}"):
                raise RubricError(f"{name!r} is not a valid placeholder name")
        self.names = names

    @property
    def name(self) -> str:
        return "prompt uses " + ", ".join(f"{{{{{name}}}}}" for name in self.names)

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        present = placeholders(attempt.prompt)
        missing = [name for name in self.names if name not in present]
        if not missing:
            listed = ", ".join(f"{{{{{name}}}}}" for name in self.names)
            return True, f"Prompt uses {listed}."
        listed = ", ".join(f"{{{{{name}}}}}" for name in missing)
        noun = "placeholder" if len(missing) == 1 else "placeholders"
        return False, f"Prompt is missing the {noun} {listed}."


@register
class PromptNotContains(Check):
    """Pass when the prompt template does not contain ``value``, ignoring case."""

    kind = "prompt-not-contains"

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True)

    @property
    def name(self) -> str:
        return f"prompt avoids {quote(self.value, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        if self.value.lower() in attempt.prompt.lower():
            return False, f"Prompt contains {quote(self.value)}, which is not allowed."
        return True, f"Prompt does not contain {quote(self.value)}."
