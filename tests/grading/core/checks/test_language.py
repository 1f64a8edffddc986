"""Tests of grading/core/checks/language.py."""

import pytest

from grading.core.checks.language import (
    COMMON_LANGUAGES,
    LANGUAGE_NAMES,
    _full_identifier,
    count_syllables,
    flesch_kincaid_grade,
)
from tests.grading.core.checks.support import run_on_output


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("cat", 1),
        ("make", 1),
        ("table", 2),
        ("jumped", 1),
        ("wanted", 2),
        ("beautiful", 3),
        ("readability", 5),
        ("the", 1),
        ("free", 1),
        ("rhythm", 1),
    ],
)
def test_syllable_heuristic_on_common_words(word, syllables):
    assert count_syllables(word) == syllables


def test_flesch_kincaid_grade_follows_the_formula():
    grade, words, sentences, syllables = flesch_kincaid_grade("The cat sat. The dog ran away.")
    assert (words, sentences, syllables) == (7, 2, 8)
    assert grade == pytest.approx(0.39 * 7 / 2 + 11.8 * 8 / 7 - 15.59)
    assert flesch_kincaid_grade("42 ... !") is None


def test_readability_reports_the_grade_and_counts():
    result = run_on_output(
        {"type": "readability", "max_grade": 5}, "The cat sat. The dog ran away."
    )
    assert result.passed
    assert result.reason == (
        "Output reads at Flesch–Kincaid grade -0.7 (max 5; 7 words, 2 sentences)."
    )
    assert result.details["syllables"] == 8


def test_readability_fails_an_output_without_words():
    result = run_on_output({"type": "readability", "min_grade": 0}, "  ")
    assert result.reason == "Output has no words to measure (the output is empty)."


def test_language_names_the_detected_language_and_confidence():
    result = run_on_output(
        {"type": "language", "value": "en"}, "Le chat est sur la table, bien sûr."
    )
    assert not result.passed
    assert result.reason.startswith("Output is in French (fr), confidence ")
    assert result.reason.endswith("; expected en.")
    assert result.details["language"] == "fr"
    assert 0 < result.details["confidence"] <= 1


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("en", "Photosynthesis turns light into chemical energy in plants."),
        ("fr", "La photosynthèse transforme la lumière en énergie chimique."),
        ("de", "Die Photosynthese wandelt Licht in chemische Energie um."),
        ("es", "La fotosíntesis convierte la luz en energía química."),
        ("it", "La fotosintesi trasforma la luce in energia chimica."),
        ("pt", "A fotossíntese transforma a luz em energia química nas plantas."),
        ("nl", "Fotosynthese zet licht om in chemische energie."),
        ("ja", "光合成は光を化学エネルギーに変えます。"),
        ("zh", "光合作用把光能转化为化学能。"),
        ("ru", "Фотосинтез превращает свет в химическую энергию."),
    ],
)
def test_language_detects_common_languages_in_one_sentence(code, text):
    assert run_on_output({"type": "language", "value": code}, text).passed


def test_language_fails_an_output_without_letters():
    result = run_on_output({"type": "language", "value": "en"}, "42 + 7 = 49")
    assert result.reason == "Output has no text to detect a language in."


def test_language_codes_are_known_to_the_bundled_model():
    known = set(_full_identifier().nb_classes)
    assert set(LANGUAGE_NAMES) <= known
    assert set(LANGUAGE_NAMES) >= COMMON_LANGUAGES
