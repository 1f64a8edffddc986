"""Tests of grading/core/checks/markup.py."""

import pytest

from tests.grading.core.checks.support import run_on_output

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
    result = run_on_output({"type": kind}, document)
    assert not result.passed
    assert not result.error
    assert "lol" * 10 not in result.reason
    assert "root:" not in result.reason  # nothing of /etc/passwd


def test_is_xml_refuses_entities_and_says_why():
    result = run_on_output({"type": "is-xml"}, BILLION_LAUGHS)
    assert "declares entities or external references, which are refused" in result.reason


def test_is_xml_accepts_a_declaration_comments_and_a_plain_doctype():
    document = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE note>\n<!-- hi --><note/>'
    assert run_on_output({"type": "is-xml", "root": "note"}, document).passed


def test_is_xml_does_not_strip_markdown_fences_like_promptfoo():
    result = run_on_output({"type": "is-xml"}, "```xml\n<a/>\n```")
    assert not result.passed
    assert "Markdown code fence" in result.reason


def test_is_xml_needs_a_single_root_element():
    result = run_on_output({"type": "is-xml"}, "<a/><b/>")
    assert not result.passed
    assert "junk after document element" in result.reason


def test_xml_element_paths_ignore_namespaces_and_start_at_the_root():
    document = '<r:answer xmlns:r="urn:x"><r:reason>because</r:reason></r:answer>'
    assert run_on_output(
        {"type": "is-xml", "root": "answer", "required": ["answer.reason"]}, document
    ).passed
    result = run_on_output({"type": "is-xml", "required": ["reason"]}, document)
    assert result.reason == "Output is well-formed XML but it is missing 1 element 'reason'."


def test_contains_xml_finds_xml_in_prose_and_fences():
    output = "Sure! ```xml\n<order id='1'><item>tea</item></order>\n``` Enjoy <3"
    assert run_on_output({"type": "contains-xml", "required": ["order.item"]}, output).passed
    assert run_on_output({"type": "contains-xml", "root": "item"}, output).passed
    result = run_on_output({"type": "contains-xml", "root": "invoice"}, output)
    assert result.reason.startswith("Output contains XML but none meets the requirements")


def test_contains_xml_says_when_tags_do_not_form_xml():
    result = run_on_output({"type": "contains-xml"}, "<a>unclosed & <b>broken</a></b>")
    assert result.reason == "Output contains tags but no well-formed XML element."


def test_contains_xml_stays_linear_on_unbalanced_tags():
    result = run_on_output({"type": "contains-xml"}, "<a>" * 30_000 + "</b>" * 3_000)
    assert result.reason == "Output contains no XML."
