"""Text metrics: counts, readability, terms, language, numeric answers and reference overlap.

Checks that measure something in 0..1 (term coverage, ROUGE, BLEU) report it as the score;
the others score 1 or 0. Where a name matches a promptfoo assertion (``levenshtein``,
``rouge-n``, ``bleu``) the parameters and defaults match promptfoo's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
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
    show,
)
from grading.core.checks.timed_regex import RegexTimeout, compile_pattern, search
from grading.core.types import Attempt, RubricError, Verdict

# --------------------------------------------------------------------------------------------
# Length checks


def _count_words(text: str) -> int:
    """Count whitespace-separated words."""
    return len(text.split())


def _count_chars(text: str) -> int:
    """Count characters (code points), whitespace included."""
    return len(text)


def _count_lines(text: str) -> int:
    """Count lines as ``str.splitlines`` does: a trailing newline does not start a new line."""
    return len(text.splitlines())


# A sentence ends at . ! ? or … (optionally followed by closing quotes or brackets) before
# whitespace, at CJK full stops, or at a blank line. A heuristic: "e.g. this" counts as two
# sentences, "3.14" and "example.com" do not end one.
# Possessive runs that start only at the start of a run keep this linear on "....x" (a plain
# `[.!?…]+` would backtrack through the run from every position: quadratic).
_SENTENCE_BREAK = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s|\Z)|[。！？]+|\n[ \t]*\n")
_HAS_WORD_CHARACTER = re.compile(r"\w")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences (see ``_SENTENCE_BREAK``); pieces without a letter or
    digit (stray punctuation, list bullets) are dropped."""
    return [
        piece.strip() for piece in _SENTENCE_BREAK.split(text) if _HAS_WORD_CHARACTER.search(piece)
    ]


def count_sentences(text: str) -> int:
    """Count sentences as ``split_sentences`` splits them."""
    return len(split_sentences(text))


_COUNTERS: Mapping[str, Callable[[str], int]] = {
    "word": _count_words,
    "character": _count_chars,
    "line": _count_lines,
    "sentence": count_sentences,
}


class _CountCheck(Check):
    """Pass when a count of the output is at least (``minimum``) or at most ``value``."""

    minimum: ClassVar[bool]
    unit: ClassVar[str]
    """What is counted: a key of ``_COUNTERS``."""

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_int(params, "value", minimum=0)

    @property
    def name(self) -> str:
        return f"{'at least' if self.minimum else 'at most'} {plural(self.value, self.unit)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        count = _COUNTERS[self.unit](attempt.output)
        passed = count >= self.value if self.minimum else count <= self.value
        bound = "min" if self.minimum else "max"
        return passed, f"Output has {plural(count, self.unit)} ({bound} {self.value})."


@register
class MinWords(_CountCheck):
    """Pass when the output has at least ``value`` whitespace-separated words."""

    kind = "min-words"
    minimum = True
    unit = "word"


@register
class MaxWords(_CountCheck):
    """Pass when the output has at most ``value`` whitespace-separated words."""

    kind = "max-words"
    minimum = False
    unit = "word"


@register
class MinChars(_CountCheck):
    """Pass when the output has at least ``value`` characters."""

    kind = "min-chars"
    minimum = True
    unit = "character"


@register
class MaxChars(_CountCheck):
    """Pass when the output has at most ``value`` characters."""

    kind = "max-chars"
    minimum = False
    unit = "character"


@register
class MinLines(_CountCheck):
    """Pass when the output has at least ``value`` lines."""

    kind = "min-lines"
    minimum = True
    unit = "line"


@register
class MaxLines(_CountCheck):
    """Pass when the output has at most ``value`` lines."""

    kind = "max-lines"
    minimum = False
    unit = "line"


@register
class MinSentences(_CountCheck):
    """Pass when the output has at least ``value`` sentences (see ``split_sentences``)."""

    kind = "min-sentences"
    minimum = True
    unit = "sentence"


@register
class MaxSentences(_CountCheck):
    """Pass when the output has at most ``value`` sentences (see ``split_sentences``)."""

    kind = "max-sentences"
    minimum = False
    unit = "sentence"


# --------------------------------------------------------------------------------------------
# Required and banned terms

# Scripts written without spaces between words: a term there has no word boundary to respect.
_NO_SPACE_SCRIPT = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def _normalise(text: str) -> str:
    """NFC-normalise and case-fold, so "Café" (composed or not) matches "CAFÉ", "ß" "SS".

    Normalised again after folding, because folding can decompose ("ǰ" folds to j + caron)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def term_pattern(term: str) -> re.Pattern[str]:
    """Compile a whole-word, case-insensitive pattern for ``term`` (matched against
    ``_normalise``d text); runs of whitespace inside the term match any whitespace."""
    normalised = _normalise(term).strip()
    body = r"\s+".join(re.escape(part) for part in normalised.split())
    start = "" if _NO_SPACE_SCRIPT.match(normalised[0]) else r"(?<!\w)"
    end = "" if _NO_SPACE_SCRIPT.match(normalised[-1]) else r"(?!\w)"
    return re.compile(start + body + end)


def _require_terms(params: Mapping[str, Any]) -> tuple[str, ...]:
    value = params["value"]
    if isinstance(value, str):
        value = [value]
    terms = require_str_list({"value": value}, "value")
    for term in terms:
        if not term.strip():
            raise RubricError(f"'value' terms must not be blank, got {show(term)}")
    return terms


class _TermsCheck(Check):
    """Shared parsing: ``value`` is a term or a list of terms (words or phrases)."""

    allowed = frozenset({"value"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.terms = _require_terms(params)
        self.patterns = tuple(term_pattern(term) for term in self.terms)

    def _present(self, output: str) -> list[str]:
        text = _normalise(output)
        pairs = zip(self.terms, self.patterns, strict=True)
        return [term for term, pattern in pairs if pattern.search(text)]


@register
class RequiredTerms(_TermsCheck):
    """Pass when every term occurs in the output as a whole word or phrase, ignoring case.

    Matching is Unicode-aware (NFC, case-folded); in scripts without spaces (Chinese,
    Japanese, Thai…) a term matches anywhere. Score: the share of terms present.
    """

    kind = "required-terms"

    @property
    def name(self) -> str:
        return f"uses the terms {quote_list(self.terms, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> Verdict:
        present = self._present(attempt.output)
        missing = [term for term in self.terms if term not in present]
        share = len(present) / len(self.terms)
        if not missing:
            reason = f"Output uses all {plural(len(self.terms), 'required term')}."
        else:
            reason = (
                f"Output is missing {quote_list(missing)} ({len(present)} of {len(self.terms)} "
                f"required terms used){empty_note(attempt.output)}."
            )
        return Verdict(passed=not missing, reason=reason, score=share, details={"missing": missing})


@register
class BannedTerms(_TermsCheck):
    """Pass when none of the terms occurs in the output as a whole word or phrase.

    Same matching as ``required-terms``. Score: the share of banned terms absent.
    """

    kind = "banned-terms"

    @property
    def name(self) -> str:
        return f"avoids the terms {quote_list(self.terms, NAME_SNIPPET_CHARS)}"

    def _evaluate(self, attempt: Attempt) -> Verdict:
        present = self._present(attempt.output)
        share = 1 - len(present) / len(self.terms)
        if present:
            reason = f"Output uses banned term(s) {quote_list(present)}."
        else:
            reason = f"Output uses none of the {plural(len(self.terms), 'banned term')}."
        return Verdict(passed=not present, reason=reason, score=share, details={"found": present})


# --------------------------------------------------------------------------------------------
# Numeric answers

NUMERIC_MAX_INPUT_CHARS = 100_000
"""``numeric`` only reads the first this-many characters of the output."""

# A number: optional sign (ASCII or Unicode minus), digits with optional comma thousands
# separators, optional decimals, optional exponent. Not inside a word ("H2O", "v2") or right
# after a digit (the "5" of "3-5" is 5, not −5).
_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+\u2212]?\d+)?"
    r"|(?<![\w.])[-+\u2212]?\.\d+(?:[eE][-+\u2212]?\d+)?"
)


def parse_numbers(text: str) -> list[float]:
    """Return the finite numbers written in ``text``, in order (see ``_NUMBER``)."""
    numbers = []
    for match in _NUMBER.finditer(text):
        literal = match.group(0).replace(",", "").replace("\u2212", "-")
        try:
            number = float(literal)
        except ValueError:
            continue
        if math.isfinite(number):
            numbers.append(number)
    return numbers


@register
class Numeric(Check):
    """Pass when the output's numeric answer is within tolerance of ``value``.

    The answer is the last number in the output, or, with ``pattern`` (a regex), the last
    number in its first match's group 1 (the whole match if it has no group). Numbers may use
    comma thousands separators, decimals, exponents and a Unicode minus ("−3"). Passes when
    |answer − value| <= max(``tolerance``, ``relative_tolerance`` × |value|) (both default 0).
    """

    kind = "numeric"
    allowed = frozenset({"value", "tolerance", "relative_tolerance", "pattern", "flags"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_number(params, "value")
        self.tolerance = require_number(params, "tolerance", minimum=0, default=0.0)
        self.relative = require_number(params, "relative_tolerance", minimum=0, default=0.0)
        self.pattern = None
        if "pattern" in params:
            flags = require_str(params, "flags", non_empty=False) if "flags" in params else ""
            self.pattern = compile_pattern(
                require_str(params, "pattern", non_empty=True), flags, key="pattern"
            )
        elif "flags" in params:
            raise RubricError("'flags' only applies with a 'pattern'")

    @property
    def name(self) -> str:
        return f"the answer is {self.value:g}{self._tolerance_text()}"

    def _tolerance_text(self) -> str:
        parts = []
        if self.tolerance:
            parts.append(f"±{self.tolerance:g}")
        if self.relative:
            parts.append(f"±{self.relative:.4g}×value")
        return f" ({' or '.join(parts)})" if parts else ""

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        text = attempt.output[:NUMERIC_MAX_INPUT_CHARS]
        if self.pattern is not None:
            try:
                match = search(self.pattern, text)
            except RegexTimeout as exc:
                return Verdict(passed=False, reason=f"{exc} looking for the answer.", error=True)
            if match is None:
                pattern = quote(self.pattern.pattern)
                return False, f"Output does not match {pattern}{empty_note(attempt.output)}."
            text = match.group(1) if self.pattern.groups else match.group(0)
            text = text or ""
        numbers = parse_numbers(text)
        if not numbers:
            where = f" in {quote_output(text)}" if self.pattern is not None else ""
            return False, f"Output has no number{where}{empty_note(attempt.output)}."
        answer = numbers[-1]
        allowed = max(self.tolerance, self.relative * abs(self.value))
        passed = abs(answer - self.value) <= allowed
        relation = "is within" if passed else "is not within"
        bound = f"{self.value:g}{self._tolerance_text()}"
        reason = f"Answer {answer:g} {relation} tolerance of {bound}."
        if not allowed:
            reason = f"Answer {answer:g} {'equals' if passed else 'does not equal'} {self.value:g}."
        return Verdict(passed=passed, reason=reason, details={"answer": answer})


# --------------------------------------------------------------------------------------------
# promptfoo's word-count

# JavaScript's \s: what promptfoo splits words on (``text.trim().split(/\s+/)``).
_JS_WHITESPACE = re.compile(
    "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)


def count_js_words(text: str) -> int:
    """Words as promptfoo's ``word-count`` counts them: runs between JavaScript whitespace."""
    return len([word for word in _JS_WHITESPACE.split(text) if word])


def _word_count_bound(value: Any, key: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RubricError(f"{key!r} must be a non-negative integer, got {show(value)}")
    return value


@register
class WordCount(Check):
    """promptfoo's ``word-count``: ``value`` is the exact number of words, or an object with
    ``min`` and/or ``max`` (inclusive). Words are split on whitespace as promptfoo splits them."""

    kind = "word-count"

    def _configure(self, params: Mapping[str, Any]) -> None:
        value = params["value"]
        self.exact: int | None = None
        self.min: int | None = None
        self.max: int | None = None
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {"min", "max"})
            if unknown or not value:
                raise RubricError("'value' must be a number or an object with 'min' and/or 'max'")
            if "min" in value:
                self.min = _word_count_bound(value["min"], "min")
            if "max" in value:
                self.max = _word_count_bound(value["max"], "max")
            if self.min is not None and self.max is not None and self.min > self.max:
                raise RubricError(f"'min' ({self.min}) must be at most 'max' ({self.max})")
        else:
            self.exact = _word_count_bound(value, "value")

    @property
    def name(self) -> str:
        if self.exact is not None:
            return f"has exactly {plural(self.exact, 'word')}"
        if self.min is not None and self.max is not None:
            return f"has {self.min}–{self.max} words"
        if self.min is not None:
            return f"has at least {plural(self.min, 'word')}"
        return f"has at most {plural(self.max or 0, 'word')}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        count = count_js_words(attempt.output)
        if self.exact is not None:
            passed = count == self.exact
            wanted = f"exactly {self.exact}"
        else:
            passed = (self.min is None or count >= self.min) and (
                self.max is None or count <= self.max
            )
            if self.min is not None and self.max is not None:
                wanted = f"between {self.min} and {self.max}"
            elif self.min is not None:
                wanted = f"at least {self.min}"
            else:
                wanted = f"at most {self.max}"
        return passed, f"Output has {plural(count, 'word')} (expected {wanted})."
