"""What the string, structure and metric checks mean, case by case (promptfoo-compatible where
the names overlap). The pass/fail tables and rubric errors are in test_checks.py."""

import math
from typing import Any

import pytest

from grading.core.checks import build_checks, timed_regex
from grading.core.checks.base import strip_fence
from grading.core.checks.language import (
    COMMON_LANGUAGES,
    LANGUAGE_NAMES,
    _full_identifier,
    count_syllables,
    flesch_kincaid_grade,
)
from grading.core.checks.metrics import parse_numbers, split_sentences
from grading.core.checks.similarity import bleu, rouge_n
from grading.core.checks.strings import parse_comma_separated
from grading.core.types import Attempt, CheckResult, RubricError


def run(entry: dict[str, Any], output: str) -> CheckResult:
    (check,) = build_checks([entry])
    return check.run(Attempt(prompt="p", rendered_prompt="p", output=output))


# --------------------------------------------------------------------------------------------
# Strings


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("a,b", ["a", "b"]),
        (" a , b ,, c,", ["a", "b", "c"]),
        ('"Lyon, France", Paris', ["Lyon, France", "Paris"]),
        ('"say ""hi""", "back\\\\slash \\"q\\""', ['say "hi"', 'back\\slash "q"']),
        ('" padded "', [" padded "]),
        ("one", ["one"]),
    ],
)
def test_comma_separated_values_parse_as_promptfoo_does(text, fields):
    assert parse_comma_separated(text) == fields


def test_contains_any_and_all_accept_a_comma_separated_string():
    assert run({"type": "contains-any", "value": "Paris, Lyon"}, "in Lyon").passed
    assert not run({"type": "contains-all", "value": "Paris, Lyon"}, "in Lyon").passed
    assert run({"type": "icontains-all", "value": '"PARIS, FR", lyon'}, "paris, fr; Lyon").passed


def test_contains_accepts_a_number_as_its_decimal_text_like_promptfoo():
    assert run({"type": "contains", "value": 42}, "The answer is 42.").passed
    assert run({"type": "contains", "value": 2.0}, "2 apples").passed
    assert run({"type": "contains-any", "value": [1.5, 7]}, "x 1.5").passed


def test_equals_with_a_json_value_compares_parsed_json_like_promptfoo():
    entry = {"type": "equals", "value": {"city": "Paris", "tags": [1, True]}}
    assert run(entry, ' {"tags": [1, true], "city": "Paris"}\n').passed
    assert not run(entry, '{"tags": [1, 1], "city": "Paris"}').passed  # true is not 1
    result = run(entry, "Paris")
    assert result.reason.startswith("Output is not JSON, expected JSON equal to '{")
    assert run({"type": "not-equals", "value": []}, "not json").passed


def test_negated_string_reasons_read_as_plain_statements():
    result = run({"type": "not-contains", "value": "x"}, "a x b")
    assert (result.passed, result.reason) == (False, "Output contains 'x'.")
    result = run({"type": "not-contains-any", "value": ["x", "y"]}, "y")
    assert (result.passed, result.reason) == (False, "Output contains 'y'.")
    result = run({"type": "not-regex", "value": r"\d"}, "no digits")
    assert (result.passed, result.reason) == (True, r"Output does not match '\d'.")
    assert run({"type": "not-contains", "value": "x"}, "abc").name == "not contains 'x'"


def test_a_catastrophic_regex_ends_as_a_grading_error_not_a_hang(monkeypatch):
    # The real 1 s limit is exercised in test_checks_properties.py; a short one keeps this fast.
    monkeypatch.setattr(timed_regex, "REGEX_TIMEOUT_SECONDS", 0.05)
    result = run({"type": "regex", "value": "(x+x+)+y"}, "x" * 5000)
    assert (result.error, result.passed) == (True, False)
    assert result.reason == "regex timed out after 0.05 s searching for '(x+x+)+y'."


def test_a_timed_out_regex_stays_an_error_when_negated(monkeypatch):
    monkeypatch.setattr(timed_regex, "REGEX_TIMEOUT_SECONDS", 0.05)
    result = run({"type": "not-regex", "value": "(x+x+)+y"}, "x" * 5000)
    assert (result.passed, result.error) == (False, True)


def test_the_classic_nested_quantifier_does_not_hang_the_regex_engine():
    result = run({"type": "regex", "value": "(a+)+$"}, "a" * 50 + "b")
    # The `regex` engine short-cuts this one: a plain verdict, no timeout needed.
    assert (result.passed, result.error) == (False, False)


def test_regex_supports_the_flags_on_the_regex_engine():
    output = "Intro\nANSWER: 42\n"
    assert run({"type": "regex", "value": r"^answer: \d+$", "flags": "im"}, output).passed
    assert not run({"type": "regex", "value": r"^answer: \d+$", "flags": "m"}, output).passed


# --------------------------------------------------------------------------------------------
# Code fences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```sql\nSELECT 1;\n```", ("SELECT 1;", True)),
        ("  ```\na,b\n1,2\n```  \n", ("a,b\n1,2", True)),
        ("Here:\n```sql\nSELECT 1;\n```", ("Here:\n```sql\nSELECT 1;\n```", False)),
        ("SELECT 1", ("SELECT 1", False)),
    ],
)
def test_strip_fence_only_removes_a_fence_around_the_whole_output(text, expected):
    assert strip_fence(text) == expected


# --------------------------------------------------------------------------------------------
# XML

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data>&secret;</data>"""


@pytest.mark.parametrize("kind", ["is-xml", "contains-xml"])
@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_xml_entity_bombs_and_external_entities_are_refused_quickly(kind, document):
    result = run({"type": kind}, document)
    assert not result.passed
    assert not result.error
    assert "lol" * 10 not in result.reason
    assert "root:" not in result.reason  # nothing of /etc/passwd


def test_is_xml_refuses_entities_and_says_why():
    result = run({"type": "is-xml"}, BILLION_LAUGHS)
    assert "declares entities or external references, which are refused" in result.reason


def test_is_xml_accepts_a_declaration_comments_and_a_plain_doctype():
    document = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE note>\n<!-- hi --><note/>'
    assert run({"type": "is-xml", "root": "note"}, document).passed


def test_is_xml_does_not_strip_markdown_fences_like_promptfoo():
    result = run({"type": "is-xml"}, "```xml\n<a/>\n```")
    assert not result.passed
    assert "Markdown code fence" in result.reason


def test_is_xml_needs_a_single_root_element():
    result = run({"type": "is-xml"}, "<a/><b/>")
    assert not result.passed
    assert "junk after document element" in result.reason


def test_xml_element_paths_ignore_namespaces_and_start_at_the_root():
    document = '<r:answer xmlns:r="urn:x"><r:reason>because</r:reason></r:answer>'
    assert run({"type": "is-xml", "root": "answer", "required": ["answer.reason"]}, document).passed
    result = run({"type": "is-xml", "required": ["reason"]}, document)
    assert result.reason == "Output is well-formed XML but it is missing 1 element 'reason'."


def test_contains_xml_finds_xml_in_prose_and_fences():
    output = "Sure! ```xml\n<order id='1'><item>tea</item></order>\n``` Enjoy <3"
    assert run({"type": "contains-xml", "required": ["order.item"]}, output).passed
    assert run({"type": "contains-xml", "root": "item"}, output).passed
    result = run({"type": "contains-xml", "root": "invoice"}, output)
    assert result.reason.startswith("Output contains XML but none meets the requirements")


def test_contains_xml_says_when_tags_do_not_form_xml():
    result = run({"type": "contains-xml"}, "<a>unclosed & <b>broken</a></b>")
    assert result.reason == "Output contains tags but no well-formed XML element."


def test_contains_xml_stays_linear_on_unbalanced_tags():
    result = run({"type": "contains-xml"}, "<a>" * 30_000 + "</b>" * 3_000)
    assert result.reason == "Output contains no XML."


# --------------------------------------------------------------------------------------------
# SQL


def test_is_sql_strips_one_fence_and_says_so():
    result = run({"type": "is-sql"}, "```sql\nSELECT a FROM t;\nSELECT b FROM u;\n```")
    assert result.reason == (
        "Output is valid mysql SQL (2 statements) (inside a Markdown code fence)."
    )


def test_is_sql_rejects_prose_that_sqlglot_reads_as_an_expression():
    result = run({"type": "is-sql"}, "Hello world")
    assert not result.passed
    assert result.reason == "Output is not a SQL statement: 'Hello AS world' is only an expression."
    assert not run({"type": "is-sql"}, "42").passed
    assert not run({"type": "is-sql"}, "SELECT").passed
    assert not run({"type": "is-sql"}, "-- only a comment").passed


def test_is_sql_fails_statements_sqlglot_only_keeps_as_opaque_commands():
    result = run({"type": "is-sql"}, "DROP whatever you like")
    assert not result.passed
    assert result.reason.endswith("is unsupported syntax.")


def test_is_sql_reports_where_parsing_failed_on_one_line():
    result = run({"type": "is-sql"}, "The query is: SELECT * FROM t")
    assert result.reason.startswith("Output is not valid mysql SQL: ")
    assert "Line 1, Col:" in result.reason
    assert "\x1b" not in result.reason


@pytest.mark.parametrize(
    ("dialect", "sql", "valid"),
    [
        ("tsql", "SELECT TOP 5 * FROM t", True),
        ("mysql", "SELECT TOP 5 * FROM t", False),
        ("mysql", "SELECT `name` FROM t", True),
        ("postgres", "SELECT `name` FROM t", False),
        ("postgres", "SELECT 1::int", True),
        ("sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY)", True),
    ],
)
def test_is_sql_checks_the_chosen_dialect(dialect, sql, valid):
    assert run({"type": "is-sql", "dialect": dialect}, sql).passed is valid


def test_is_sql_statement_type_applies_to_every_statement():
    entry = {"type": "is-sql", "statement": "select"}
    assert run(entry, "WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION SELECT 2").passed
    result = run(entry, "SELECT 1; DROP TABLE users")
    assert result.reason == "Output has a DROP statement; only SELECT is expected."


def test_is_sql_allowed_tables_ignore_case_and_cte_names():
    entry = {"type": "is-sql", "allowed_tables": ["Users"]}
    assert run(entry, "WITH recent AS (SELECT * FROM users) SELECT * FROM recent").passed
    result = run(entry, "SELECT * FROM USERS u JOIN payments p ON u.id = p.uid")
    assert result.reason == "Output SQL uses table(s) not allowed: 'payments'."


def test_is_sql_refuses_very_long_outputs_without_parsing_them():
    result = run({"type": "is-sql"}, "SELECT 1;\n" * 20_000)
    assert result.reason == "Output is too long to check as SQL (over 100000 chars)."


# --------------------------------------------------------------------------------------------
# Markdown tables and CSV


def test_markdown_table_needs_a_delimiter_row_matching_the_header():
    assert not run({"type": "is-markdown-table"}, "| a | b |\n| 1 | 2 |").passed
    assert not run({"type": "is-markdown-table"}, "| a | b |\n|---|\n| 1 | 2 |").passed
    assert run({"type": "is-markdown-table"}, "a | b\n--|--\n1 | 2").passed


def test_markdown_table_cells_may_hold_escaped_pipes():
    table = "| expr | meaning |\n|---|---|\n| a \\| b | or |"
    assert run({"type": "is-markdown-table", "columns": ["expr", "meaning"]}, table).passed


def test_markdown_table_passes_when_any_table_fits():
    output = "| x |\n|---|\n| 1 |\n\nand\n\n| Name | Score |\n|---|---|\n| a | 1 |\n| b | 2 |"
    entry = {"type": "is-markdown-table", "columns": ["score"], "min_rows": 2}
    assert run(entry, output).passed
    result = run({**entry, "min_rows": 3}, output)
    assert result.reason == (
        "Output has 2 Markdown tables but none fits: the first (1 column and 1 row) "
        "lacks column(s) 'score'."
    )


def test_markdown_table_body_stops_at_a_blank_line():
    result = run({"type": "is-markdown-table"}, "| a |\n|---|\n| 1 |\n\n| 2 |")
    assert result.reason == "Output has a Markdown table with 1 column and 1 row."


def test_is_csv_reports_the_first_inconsistent_row():
    result = run({"type": "is-csv"}, "a,b,c\n1,2,3\n4,5\n")
    assert result.reason == "Output is not consistent CSV: row 3 has 2 fields, the header has 3."


def test_is_csv_handles_quoted_commas_and_newlines():
    assert run({"type": "is-csv", "min_rows": 1}, 'name,bio\nBo,"likes tea,\nand cake"\n').passed


def test_is_csv_refuses_a_single_column_and_broken_quoting():
    assert "single column" in run({"type": "is-csv"}, "just\nwords\n").reason
    assert run({"type": "is-csv", "columns": ["word"]}, "word\nhello\n").passed
    assert "not valid CSV" in run({"type": "is-csv"}, 'a,b\n"x"y,2\n').reason


def test_is_csv_requires_one_data_row_by_default():
    assert not run({"type": "is-csv"}, "a,b").passed
    assert run({"type": "is-csv", "min_rows": 0}, "a,b").passed


# --------------------------------------------------------------------------------------------
# Sentences and readability


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("One. Two! Three?", 3),
        ("Pi is 3.14 and the site is example.com", 1),
        ('He said "Stop." Then left.', 2),
        ("No punctuation at all", 1),
        ("Wait... what?!", 2),
        ("東京です。大阪です。", 2),
        ("Title\n\nBody text without a full stop", 2),
        ("- \n. . !", 0),
        ("", 0),
    ],
)
def test_sentences_are_split_on_terminal_punctuation_and_blank_lines(text, count):
    assert len(split_sentences(text)) == count


def test_sentence_splitting_stays_linear_on_long_punctuation_runs():
    assert len(split_sentences("." * 200_000 + "x" + "!'" * 50_000 + "y")) == 1


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
    result = run({"type": "readability", "max_grade": 5}, "The cat sat. The dog ran away.")
    assert result.passed
    assert result.reason == (
        "Output reads at Flesch–Kincaid grade -0.7 (max 5; 7 words, 2 sentences)."
    )
    assert result.details["syllables"] == 8


def test_readability_fails_an_output_without_words():
    result = run({"type": "readability", "min_grade": 0}, "  ")
    assert result.reason == "Output has no words to measure (the output is empty)."


# --------------------------------------------------------------------------------------------
# Required and banned terms


def test_terms_match_whole_words_ignoring_case():
    entry = {"type": "required-terms", "value": ["cat"]}
    assert run(entry, "A CAT.").passed
    assert not run(entry, "concatenate, cats").passed


def test_terms_are_unicode_aware():
    assert run({"type": "required-terms", "value": ["café"]}, "Un CAFE\u0301 noir").passed
    assert run({"type": "required-terms", "value": ["STRASSE"]}, "die Straße").passed
    assert run({"type": "required-terms", "value": ["東京"]}, "首都は東京です").passed
    assert not run({"type": "required-terms", "value": ["über"]}, "überall").passed


def test_phrases_match_across_any_whitespace():
    assert run({"type": "required-terms", "value": ["light energy"]}, "light\n  energy").passed


def test_required_terms_score_is_the_share_present():
    entry = {"type": "required-terms", "value": ["a", "b", "c", "d"]}
    result = run(entry, "a and c")
    assert (result.passed, result.score) == (False, 0.5)
    assert result.reason == "Output is missing 'b', 'd' (2 of 4 required terms used)."
    assert result.details == {"missing": ["b", "d"]}


def test_banned_terms_score_is_the_share_absent():
    result = run({"type": "banned-terms", "value": ["x", "y", "z", "w"]}, "x marks")
    assert (result.passed, result.score) == (False, 0.75)
    assert result.reason == "Output uses banned term(s) 'x'."
    assert run({"type": "not-banned-terms", "value": ["x", "y"]}, "x").score == 0.5


def test_a_single_term_may_be_a_string():
    assert run({"type": "banned-terms", "value": "as an AI"}, "As an AI model").score == 0.0


# --------------------------------------------------------------------------------------------
# Language


def test_language_names_the_detected_language_and_confidence():
    result = run({"type": "language", "value": "en"}, "Le chat est sur la table, bien sûr.")
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
    assert run({"type": "language", "value": code}, text).passed


def test_language_fails_an_output_without_letters():
    result = run({"type": "language", "value": "en"}, "42 + 7 = 49")
    assert result.reason == "Output has no text to detect a language in."


def test_language_codes_are_known_to_the_bundled_model():
    known = set(_full_identifier().nb_classes)
    assert set(LANGUAGE_NAMES) <= known
    assert set(LANGUAGE_NAMES) >= COMMON_LANGUAGES


# --------------------------------------------------------------------------------------------
# Numeric answers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1,234.5 and 12,345,678", [1234.5, 12345678]),
        ("-3, −7 and +4", [-3, -7, 4]),
        ("1e3 or 2.5E-2 or .5", [1000, 0.025, 0.5]),
        ("ages 3-5", [3, 5]),
        ("H2O v2 x86", []),
        ("1,2,3", [1, 2, 3]),
        ("42%, 42nd, $42", [42, 42, 42]),
        ("1e999", []),
        ("no numbers", []),
    ],
)
def test_parse_numbers(text, numbers):
    assert parse_numbers(text) == numbers


def test_numeric_takes_the_last_number_by_default():
    result = run({"type": "numeric", "value": 12}, "3 boxes of 4 make 12.")
    assert (result.passed, result.reason) == (True, "Answer 12 equals 12.")
    assert result.details == {"answer": 12.0}


def test_numeric_pattern_reads_the_first_group_of_the_first_match():
    entry = {"type": "numeric", "value": 7, "pattern": r"(?i)final answer:\s*([^\n]*)"}
    assert run(entry, "Try 3, then 4.\nFinal answer: 7 apples\nCheck: 3 + 4").passed
    result = run(entry, "I think 7")
    assert result.reason.startswith("Output does not match ")
    result = run(entry, "Final answer: seven")
    assert result.reason == "Output has no number in 'seven'."


def test_numeric_tolerances():
    assert run({"type": "numeric", "value": 3.14159, "tolerance": 0.01}, "pi ≈ 3.14").passed
    assert not run({"type": "numeric", "value": 3.14159, "tolerance": 0.001}, "3.14").passed
    entry = {"type": "numeric", "value": -200, "relative_tolerance": 0.05}
    assert run(entry, "−210").passed
    assert not run(entry, "−211").passed
    result = run(entry, "-250")
    assert result.reason == "Answer -250 is not within tolerance of -200 (±0.05×value)."


def test_numeric_fails_when_there_is_no_number():
    result = run({"type": "numeric", "value": 1}, "")
    assert result.reason == "Output has no number (the output is empty)."


# --------------------------------------------------------------------------------------------
# Levenshtein, ROUGE-N and BLEU


def test_levenshtein_default_threshold_is_5_like_promptfoo():
    assert run({"type": "levenshtein", "value": "abcdef"}, "abcdefghijk").passed
    assert not run({"type": "levenshtein", "value": "abcdef"}, "abcdefghijkl").passed


def test_levenshtein_compares_the_output_untrimmed_like_promptfoo():
    assert not run({"type": "levenshtein", "value": "Paris", "threshold": 0}, "Paris\n").passed
    result = run({"type": "levenshtein", "value": "Paris", "threshold": 0}, "Paris")
    assert result.reason == "Levenshtein distance 0 is within 0."


def test_levenshtein_on_a_huge_output_is_fast():
    assert not run({"type": "levenshtein", "value": "short"}, "x" * 1_000_000).passed


def test_rouge_n_is_the_f1_of_clipped_ngram_matches():
    assert rouge_n("the cat", "the cat sat") == pytest.approx(0.8)  # p = 1, r = 2/3
    assert rouge_n("the the the", "the cat") == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert rouge_n("The cat", "the cat") == pytest.approx(0.5)  # case-sensitive, as js-rouge
    assert rouge_n("a b c", "a b c", n=2) == 1.0
    assert rouge_n("a", "a", n=2) == 0.0


def test_rouge_n_score_is_the_metric():
    result = run({"type": "rouge-n", "value": "the cat sat"}, "the cat")
    assert (result.passed, result.score) == (True, pytest.approx(0.8))
    assert result.reason == "ROUGE-1 score 0.80 >= threshold 0.75."


def test_bleu_matches_a_hand_computed_value():
    expected = (5 / 6 * 3 / 5 * 1 / 4 * 1 / 6) ** 0.25  # 4-gram: smoothed 1 / (2 × 3)
    assert bleu("the cat sat on the mat", ["the cat is on the mat"]) == pytest.approx(expected)


def test_bleu_brevity_penalty_uses_the_closest_reference():
    score = bleu("the cat", ["the cat sat on the mat", "a b c"])
    # closest reference length is 3: penalty exp(1 - 3/2); precisions 1 (1-gram), 1 (2-gram)
    assert score == pytest.approx(math.exp(1 - 3 / 2))


def test_bleu_scores_exact_short_answers_1_and_nothing_in_common_0():
    assert bleu("Paris", ["paris"]) == 1.0
    assert bleu("Lyon", ["Paris"]) == 0.0
    assert bleu("", ["Paris"]) == 0.0


def test_bleu_score_is_the_metric_and_default_threshold_is_half():
    result = run({"type": "bleu", "value": "the cat is on the mat"}, "the cat sat on the mat")
    assert (result.passed, result.score) == (False, pytest.approx(0.3799, abs=1e-4))
    assert result.reason == "BLEU score 0.38 < threshold 0.5."


def test_metric_checks_reject_a_reference_list_for_rouge():
    with pytest.raises(RubricError, match="'value' must be a string, got list"):
        build_checks([{"type": "rouge-n", "value": ["a", "b"]}])
