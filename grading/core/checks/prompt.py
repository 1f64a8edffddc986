"""Prompt-side checks on the learner's prompt itself: guards, the token budget, leaks.

The prompting-technique heuristics (few-shot, delimiters, role, format, reasoning) live in
``techniques.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    Check,
    plural,
    quote,
    register,
    require_int,
    require_number,
    require_str,
    require_str_list,
)
from grading.core.templating import PLACEHOLDER, MissingVariable, placeholders, render_prompt
from grading.core.types import Attempt, RubricError, Tools, Verdict

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


def unix_newlines(text: str) -> str:
    """Return ``text`` with Windows and old Mac line ends as ``\\n``: browsers send ``\\r\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def prompt_templates(attempt: Attempt) -> str:
    """Return the system and user templates joined by a blank line (the non-empty ones)."""
    parts = (attempt.system_prompt, attempt.prompt)
    return "\n\n".join(unix_newlines(part) for part in parts if part)


# ----- token budget


@register
class PromptMaxTokens(Check):
    """Pass when the rendered system and user prompts together have at most ``value`` tokens.

    Tokens are counted with ``tools.count_tokens`` for ``model`` (default: the attempt's
    model), i.e. with that model's tokenizer. The system template is rendered with the
    attempt's variables when it uses any. No tokenizer or no model is a grading error.
    """

    kind = "prompt-max-tokens"
    allowed = frozenset({"value", "model"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_int(params, "value", minimum=1)
        self.model = require_str(params, "model", non_empty=True) if "model" in params else ""

    @property
    def name(self) -> str:
        return f"prompt at most {plural(self.value, 'token')}"

    def _evaluate_with(self, attempt: Attempt, tools: Tools) -> tuple[bool, str] | Verdict:
        count_tokens = tools.count_tokens
        if count_tokens is None:
            return Verdict(
                False, "No tokenizer is available to count the prompt's tokens.", error=True
            )
        model = self.model or attempt.model
        if not model:
            return Verdict(False, "No model is known to count the prompt's tokens for.", error=True)
        try:
            system = render_prompt(attempt.system_prompt, attempt.variables)
        except (MissingVariable, TypeError):
            system = attempt.system_prompt
        counts: list[int] = []
        for text in (system, attempt.rendered_prompt):
            try:
                count = count_tokens(model, text) if text else 0
            except Exception as exc:  # an injected tokenizer may fail in any way
                return Verdict(
                    False,
                    f"Could not count tokens for {quote(model)}: {type(exc).__name__}.",
                    error=True,
                )
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                return Verdict(False, f"The tokenizer returned {count!r}, not a count.", error=True)
            counts.append(count)
        total = sum(counts)
        split = f" (system {counts[0]} + user {counts[1]})" if counts[0] else ""
        return total <= self.value, (
            f"Prompt has {plural(total, 'token')}{split} for {quote(model)} (max {self.value})."
        )


# ----- leaks of hidden test items

_UNSPACED_SCRIPTS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Kana and CJK ideographs: scripts written without spaces, where each character is a word."""
_LEAK_WORD = re.compile(rf"[{_UNSPACED_SCRIPTS}]|(?:(?![{_UNSPACED_SCRIPTS}])[^\W_])+")


def leak_words(text: str) -> list[str]:
    """Return the words of ``text`` normalised for leak comparison.

    Case, accents, punctuation, whitespace and invisible format characters (e.g. zero-width
    spaces) are ignored; compatibility forms are unified (NFKC); each kana or CJK character is
    a word of its own.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        char
        for char in decomposed
        if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    )
    return _LEAK_WORD.findall(unicodedata.normalize("NFKC", kept).casefold())


def ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    """Return the distinct runs of ``n`` consecutive words."""
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@register
class PromptNoLeak(Check):
    """Pass when the prompt contains no text copied from the hidden test items.

    ``tools.secrets`` holds the hidden inputs and expected outputs. Both sides are reduced to
    normalised words (``leak_words``); a secret leaks when more than ``max_overlap`` (default
    0.5) of its distinct runs of ``ngram`` words (default 5) appear in the system or user
    template. A secret shorter than ``ngram`` words is one run: it leaks only if it appears
    whole. Secrets under ``min_words`` words (default 4) *and* under ``min_chars`` characters
    (default 24), such as class labels or a one-word answer, are ignored: a prompt must be able
    to list the labels it expects. Reasons never quote a secret. No secrets: nothing can leak.
    """

    kind = "prompt-no-leak"
    allowed = frozenset({"ngram", "max_overlap", "min_words", "min_chars"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.ngram = require_int({"ngram": 5, **params}, "ngram", minimum=1)
        self.max_overlap = require_number(params, "max_overlap", minimum=0, default=0.5)
        if self.max_overlap >= 1:
            raise RubricError(f"'max_overlap' must be < 1, got {self.max_overlap:g}")
        self.min_words = require_int({"min_words": 4, **params}, "min_words", minimum=1)
        self.min_chars = require_int({"min_chars": 24, **params}, "min_chars", minimum=1)

    @property
    def name(self) -> str:
        return "prompt contains no hidden test text"

    def leaked_share(
        self, secret: str, prompt_words: Sequence[str], cache: dict[int, set[tuple[str, ...]]]
    ) -> float:
        """Return the share of ``secret``'s word runs found in the prompt (0.0 when ignored)."""
        words = leak_words(secret)
        if len(words) < self.min_words and len(" ".join(words)) < self.min_chars:
            return 0.0
        n = min(self.ngram, len(words))
        runs = ngrams(words, n)
        if n not in cache:
            cache[n] = ngrams(prompt_words, n)
        return len(runs & cache[n]) / len(runs)

    def _evaluate_with(self, attempt: Attempt, tools: Tools) -> tuple[bool, str] | Verdict:
        if not tools.secrets:
            return True, "There are no hidden test items to compare the prompt with."
        prompt_words = leak_words(prompt_templates(attempt))
        cache: dict[int, set[tuple[str, ...]]] = {}
        shares = [self.leaked_share(secret, prompt_words, cache) for secret in tools.secrets]
        leaked = sum(share > self.max_overlap for share in shares)
        if not leaked:
            return True, "Prompt contains no text from the hidden test items."
        items = "a hidden test item" if leaked == 1 else f"{leaked} hidden test items"
        return Verdict(
            False,
            f"Prompt contains text from {items}: write your own examples instead.",
            details={"leaked_items": leaked},
        )
