"""Text metrics: counts, readability, terms, language, numeric answers and reference overlap.

Checks that measure something in 0..1 (term coverage, ROUGE, BLEU) report it as the score;
the others score 1 or 0. Where a name matches a promptfoo assertion (``levenshtein``,
``rouge-n``, ``bleu``) the parameters and defaults match promptfoo's.
"""

from __future__ import annotations

import copy
import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rapidfuzz.distance import Levenshtein as _Levenshtein

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
from grading.core.checks.strings import RegexTimeout, compile_pattern, search
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


def _count_sentences(text: str) -> int:
    """Count sentences as ``split_sentences`` splits them."""
    return len(split_sentences(text))


_COUNTERS: Mapping[str, Callable[[str], int]] = {
    "word": _count_words,
    "character": _count_chars,
    "line": _count_lines,
    "sentence": _count_sentences,
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
# Readability

TEXT_METRIC_MAX_INPUT_CHARS = 100_000
"""``readability``, ``rouge-n`` and ``bleu`` measure the first this-many characters only (an
estimate on 100k characters is as good as on a megabyte, at a tenth of the cost)."""

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_VOWEL_GROUP = re.compile(r"[aeiouyàáâäæèéêëìíîïòóôöœùúûü]+")


def count_syllables(word: str) -> int:
    """Estimate the syllables of an English word: its vowel groups, less a silent final "e"
    ("make") and a silent "-ed" ("jumped", not "wanted"); at least 1.

    A heuristic, exact for most common words and within one for most others, which is what a
    grade-level estimate needs; it keeps the grade stable across releases (no dictionary).
    """
    lowered = word.lower()
    count = len(_VOWEL_GROUP.findall(lowered))
    silent_e = lowered.endswith("e") and not lowered.endswith(("le", "ee", "ye"))
    silent_ed = lowered.endswith("ed") and not lowered.endswith(("ted", "ded"))
    if count > 1 and (silent_e or silent_ed):
        count -= 1
    return max(1, count)


def flesch_kincaid_grade(text: str) -> tuple[float, int, int, int] | None:
    """Return (grade, words, sentences, syllables), or None when ``text`` has no words.

    Grade = 0.39 × words/sentence + 11.8 × syllables/word − 15.59 (Kincaid et al., 1975), an
    English formula; text without sentence punctuation counts as one sentence.
    """
    words = _WORD.findall(text)
    if not words:
        return None
    sentences = max(1, _count_sentences(text))
    syllables = sum(count_syllables(word) for word in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
    return grade, len(words), sentences, syllables


@register
class Readability(Check):
    """Pass when the output's Flesch–Kincaid grade level is within ``min_grade``/``max_grade``.

    At least one bound is required. The grade is computed by ``flesch_kincaid_grade`` (English
    text; syllables estimated by ``count_syllables``).
    """

    kind = "readability"
    allowed = frozenset({"max_grade", "min_grade"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        if "max_grade" not in params and "min_grade" not in params:
            raise RubricError("give 'max_grade', 'min_grade' or both")
        self.max_grade = require_number(params, "max_grade") if "max_grade" in params else None
        self.min_grade = require_number(params, "min_grade") if "min_grade" in params else None
        both = self.max_grade is not None and self.min_grade is not None
        if both and self.min_grade > self.max_grade:  # type: ignore[operator]
            raise RubricError("'min_grade' is greater than 'max_grade'")

    def _bounds(self) -> str:
        bounds = []
        if self.min_grade is not None:
            bounds.append(f"min {self.min_grade:g}")
        if self.max_grade is not None:
            bounds.append(f"max {self.max_grade:g}")
        return ", ".join(bounds)

    @property
    def name(self) -> str:
        return f"readability grade ({self._bounds()})"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        measured = flesch_kincaid_grade(attempt.output[:TEXT_METRIC_MAX_INPUT_CHARS])
        if measured is None:
            return False, f"Output has no words to measure{empty_note(attempt.output)}."
        grade, words, sentences, syllables = measured
        passed = (self.max_grade is None or grade <= self.max_grade) and (
            self.min_grade is None or grade >= self.min_grade
        )
        reason = (
            f"Output reads at Flesch–Kincaid grade {grade:.1f} ({self._bounds()}; "
            f"{plural(words, 'word')}, {plural(sentences, 'sentence')})."
        )
        details = {"grade": round(grade, 2), "words": words, "sentences": sentences}
        return Verdict(passed=passed, reason=reason, details={**details, "syllables": syllables})


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
# Language

LANGUAGE_MAX_INPUT_CHARS = 10_000
"""Language detection reads at most this many characters (a prefix is plenty)."""

LANGUAGE_NAMES: Mapping[str, str] = {
    "af": "Afrikaans", "am": "Amharic", "an": "Aragonese", "ar": "Arabic", "as": "Assamese",
    "az": "Azerbaijani", "ba": "Bashkir", "be": "Belarusian", "bg": "Bulgarian",
    "bn": "Bengali", "br": "Breton", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "dz": "Dzongkha", "el": "Greek",
    "en": "English", "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fo": "Faroese", "fr": "French", "fy": "Frisian",
    "ga": "Irish", "gd": "Scottish Gaelic", "gl": "Galician", "gu": "Gujarati", "ha": "Hausa",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "ht": "Haitian Creole", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "ig": "Igbo", "is": "Icelandic", "it": "Italian",
    "ja": "Japanese", "jv": "Javanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer",
    "kn": "Kannada", "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin",
    "lb": "Luxembourgish", "lg": "Ganda", "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian",
    "lv": "Latvian", "mg": "Malagasy", "mk": "Macedonian", "ml": "Malayalam",
    "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "my": "Burmese",
    "ne": "Nepali", "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian",
    "oc": "Occitan", "om": "Oromo", "or": "Odia", "pa": "Punjabi", "pl": "Polish",
    "ps": "Pashto", "pt": "Portuguese", "qu": "Quechua", "ro": "Romanian", "ru": "Russian",
    "rw": "Kinyarwanda", "sa": "Sanskrit", "se": "Northern Sami", "si": "Sinhala",
    "sk": "Slovak", "sl": "Slovenian", "sn": "Shona", "so": "Somali", "sq": "Albanian",
    "sr": "Serbian", "st": "Sotho", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "te": "Telugu", "tg": "Tajik", "th": "Thai", "tk": "Turkmen", "tl": "Tagalog",
    "tr": "Turkish", "tt": "Tatar", "ug": "Uyghur", "uk": "Ukrainian", "ur": "Urdu",
    "uz": "Uzbek", "vi": "Vietnamese", "vo": "Volapük", "wa": "Walloon", "xh": "Xhosa",
    "yo": "Yoruba", "zh": "Chinese", "zu": "Zulu",
}  # fmt: skip
"""The ISO 639-1 codes the bundled py3langid model knows, with English names for reasons."""

COMMON_LANGUAGES = frozenset({
    "ar", "ca", "cs", "da", "de", "el", "en", "es", "fi", "fr", "he", "hi", "hu", "id",
    "it", "ja", "ko", "nl", "no", "pl", "pt", "ro", "ru", "sv", "tr", "uk", "vi", "zh",
})  # fmt: skip
"""The candidates detection chooses among (plus the rubric's own languages).

py3langid knows ~100 languages, and on short texts a rare language with similar spelling often
wins ("La capital de Francia es París." as Extremaduran). Restricting the choice to widely used
languages and the expected ones makes short answers reliable."""


@functools.cache
def _full_identifier() -> Any:
    """Load py3langid's bundled model once per process (~0.7 s; no download, no network)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.lru_cache(maxsize=32)
def _identifier(languages: frozenset[str]) -> Any:
    """Return an identifier restricted to ``languages`` (a copy: the shared one is untouched)."""
    identifier = copy.copy(_full_identifier())
    identifier.set_languages(sorted(languages))
    return identifier


def detect_language(text: str, expected: frozenset[str]) -> tuple[str, float]:
    """Return (ISO 639-1 code, probability) of ``text`` among common and ``expected`` languages.

    Deterministic: a naive Bayes model over byte n-grams, probabilities normalised over the
    candidates.
    """
    code, confidence = _identifier(COMMON_LANGUAGES | expected).classify(
        text[:LANGUAGE_MAX_INPUT_CHARS]
    )
    return str(code), float(confidence)


def _language_label(code: str) -> str:
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


@register
class Language(Check):
    """Pass when the output's detected language is ``value`` (an ISO 639-1 code) or one of a
    list of codes.

    Detection uses py3langid (its model ships in the package), choosing among
    ``COMMON_LANGUAGES`` and the expected ones; the reason gives the language and confidence.
    Very short outputs ("OK", "Paris") cannot be told apart reliably: prefer other checks there.
    """

    kind = "language"

    def _configure(self, params: Mapping[str, Any]) -> None:
        value = params["value"]
        codes = require_str_list({"value": [value] if isinstance(value, str) else value}, "value")
        unknown = [code for code in codes if code.lower() not in LANGUAGE_NAMES]
        if unknown:
            raise RubricError(
                f"'value' must be ISO 639-1 language codes such as 'en' or 'fr'; "
                f"unknown: {quote_list(unknown)}"
            )
        self.codes = tuple(dict.fromkeys(code.lower() for code in codes))

    @property
    def name(self) -> str:
        return f"is written in {' or '.join(_language_label(code) for code in self.codes)}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        if not any(char.isalpha() for char in attempt.output[:LANGUAGE_MAX_INPUT_CHARS]):
            return False, f"Output has no text to detect a language in{empty_note(attempt.output)}."
        code, confidence = detect_language(attempt.output, frozenset(self.codes))
        expected = " or ".join(self.codes)
        passed = code in self.codes
        reason = (
            f"Output is in {_language_label(code)}, confidence {confidence:.2f}"
            f"{'' if passed else f'; expected {expected}'}."
        )
        details = {"language": code, "confidence": round(confidence, 3)}
        return Verdict(passed=passed, reason=reason, details=details)


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


_ROUGE_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(candidate: str, reference: str, n: int = 1) -> float:
    """ROUGE-N F1 of ``candidate`` against ``reference``, as promptfoo's js-rouge computes it:
    case-sensitive word and punctuation tokens, n-gram matches clipped to the reference count,
    F-measure with beta 1. Returns 0.0 when either side has fewer than ``n`` tokens."""
    candidate_grams = _ngrams(_ROUGE_TOKEN.findall(candidate), n)
    reference_grams = _ngrams(_ROUGE_TOKEN.findall(reference), n)
    matches = sum((candidate_grams & reference_grams).values())
    if not matches:
        return 0.0
    precision = matches / sum(candidate_grams.values())
    recall = matches / sum(reference_grams.values())
    return 2 * precision * recall / (precision + recall)


@register
class RougeN(Check):
    """Pass when the ROUGE-N F1 of the output against the reference ``value`` is at least
    ``threshold`` (default 0.75, as promptfoo); ``n`` defaults to 1. Score: the ROUGE value."""

    kind = "rouge-n"
    allowed = frozenset({"value", "threshold", "n"})

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.value = require_str(params, "value", non_empty=True)
        if not _ROUGE_TOKEN.search(self.value):
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


def bleu(candidate: str, references: Sequence[str]) -> float:
    """Sentence BLEU (Papineni et al., 2002) of ``candidate`` against ``references``.

    Tokens: lowercased, whitespace-separated (as promptfoo's ``bleu``). Uniform weights over
    1- to 4-grams, clipped counts (each n-gram up to its largest count in any reference), the
    brevity penalty against the closest reference length. Smoothing: Chen & Cherry (2014)
    method 3 (sacreBLEU's "exp"): the k-th order with no match counts 1 / (2^k × total); orders
    the candidate is too short to have are left out (effective order), so an exact match of a
    short answer scores 1; no word in common scores 0. promptfoo instead floors a zero
    precision at 1e-7 (so its BLEU of any answer shorter than 4 words is about 0).
    """
    words = candidate.lower().split()
    if not words:
        return 0.0
    reference_words = [reference.lower().split() for reference in references]
    log_precision_sum, orders, misses = 0.0, 0, 0
    for n in range(1, BLEU_MAX_ORDER + 1):
        grams = _ngrams(words, n)
        total = sum(grams.values())
        if total == 0:
            break
        most: Counter[tuple[str, ...]] = Counter()
        for tokens in reference_words:
            most |= _ngrams(tokens, n)
        matches = sum((grams & most).values())
        if matches == 0 and n == 1:
            return 0.0
        if matches == 0:
            misses += 1
            precision = 1 / (2**misses * total)
        else:
            precision = matches / total
        log_precision_sum += math.log(precision)
        orders += 1
    lengths = [len(tokens) for tokens in reference_words]
    closest = min(lengths, key=lambda length: (abs(length - len(words)), length))
    brevity = 1.0 if len(words) > closest else math.exp(1 - closest / len(words))
    return min(1.0, brevity * math.exp(log_precision_sum / orders))


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
