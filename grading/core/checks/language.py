"""Language checks: readability (Flesch-Kincaid grade) and the output's language (py3langid)."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from typing import Any

from grading.core.checks.base import (
    TEXT_METRIC_MAX_INPUT_CHARS,
    Check,
    empty_note,
    plural,
    quote_list,
    register,
    require_number,
    require_str_list,
)
from grading.core.checks.metrics import count_sentences
from grading.core.types import Attempt, RubricError, Verdict

# --------------------------------------------------------------------------------------------
# Readability


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
    sentences = max(1, count_sentences(text))
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
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

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
