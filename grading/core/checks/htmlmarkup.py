"""HTML checks, as promptfoo 0.123.1 defines them (``src/assertions/html.ts``).

``is-html`` parses the output the way browsers do (the WHATWG algorithm, with html5lib; promptfoo
uses parse5, which implements the same algorithm) and passes when it is HTML and nothing else:
not empty, not an XML document (``<?xml``), no text outside elements (unless the output wraps it
in its own ``<body>``), and at least one element the output wrote itself that is an HTML element
or a custom element (a name with a hyphen); the ``<html>``, ``<head>`` and ``<body>`` the parser
adds on its own do not count. Markdown fences are not stripped: a fenced answer is not HTML.

``contains-html`` passes when the output holds HTML somewhere: at least two of promptfoo's
indicators (a pair of opening and closing tags counts two, a common tag such as ``<div>`` or
``<p>`` two, a DOCTYPE two; a self-closing tag, an entity, a comment or an attribute one each).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import html5lib
from html5lib import treebuilders

from grading.core.checks.base import Check, empty_note, register
from grading.core.types import Attempt

__all__ = ["ContainsHtml", "IsHtml"]

HTML_MAX_INPUT_CHARS = 200_000
"""Outputs longer than this are not parsed (promptfoo's own limit is 10 MB): not HTML."""

# promptfoo's VALID_HTML_ELEMENTS (0.123.1), verbatim.
HTML_ELEMENTS = frozenset(
    [
        "html",
        "head",
        "title",
        "base",
        "link",
        "meta",
        "style",
        "body",
        "article",
        "section",
        "nav",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "footer",
        "address",
        "p",
        "hr",
        "pre",
        "blockquote",
        "ol",
        "ul",
        "li",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "main",
        "div",
        "a",
        "em",
        "strong",
        "small",
        "s",
        "cite",
        "q",
        "dfn",
        "abbr",
        "ruby",
        "rt",
        "rp",
        "data",
        "time",
        "code",
        "var",
        "samp",
        "kbd",
        "sub",
        "sup",
        "i",
        "b",
        "u",
        "mark",
        "bdi",
        "bdo",
        "span",
        "br",
        "wbr",
        "img",
        "iframe",
        "embed",
        "object",
        "param",
        "picture",
        "source",
        "video",
        "audio",
        "track",
        "map",
        "area",
        "svg",
        "math",
        "script",
        "noscript",
        "canvas",
        "ins",
        "del",
        "table",
        "caption",
        "colgroup",
        "col",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "form",
        "label",
        "input",
        "button",
        "select",
        "datalist",
        "optgroup",
        "option",
        "textarea",
        "output",
        "progress",
        "meter",
        "fieldset",
        "legend",
        "details",
        "summary",
        "dialog",
        "menu",
        "slot",
        "template",
    ]
)
_WRAPPERS = frozenset({"html", "head", "body"})
_LITERAL_WRAPPER = {name: re.compile(rf"<{name}(?=[\s>/])") for name in _WRAPPERS}

# Before <html>, only whitespace, comments, a doctype or a bogus comment (<?…>, <!…>).
_HTML_FIRST = re.compile(
    r"\A(?:\s+|<!--.*?-->|<![^>]*>|<\?[^>]*>)*<html(?=[\s>/])", re.IGNORECASE | re.DOTALL
)
_ISINDEX = re.compile(r"(</?)isindex", re.IGNORECASE)
_ETreeBuilder = treebuilders.getTreeBuilder("etree")


class _SourceTrackingBuilder(_ETreeBuilder):  # type: ignore[misc,valid-type]
    """The etree builder, marking each element the output wrote itself (parse5's
    ``sourceCodeLocation``): html5lib's own implied tags carry no tokenizer fields."""

    @staticmethod
    def _mark(element: Any, token: Mapping[str, Any]) -> Any:
        element.from_source = "selfClosingAcknowledged" in token
        return element

    def createElement(self, token: Mapping[str, Any]) -> Any:
        return self._mark(super().createElement(token), token)

    def insertElementNormal(self, token: Mapping[str, Any]) -> Any:
        return self._mark(super().insertElementNormal(token), token)


def _elements(node: Any) -> Iterator[Any]:
    """Every element under ``node`` in document order (comments and doctypes skipped)."""
    stack = list(reversed(node.childNodes))
    while stack:
        current = stack.pop()
        if hasattr(current, "from_source"):  # elements only (not comments or doctypes)
            yield current
        stack.extend(reversed(current.childNodes))


def _has_top_level_text(element: Any) -> bool:
    """Whether ``element`` holds text directly (not inside a child element)."""
    tree = element._element
    texts = [tree.text or "", *((child.tail or "") for child in tree)]
    return any(text.strip() for text in texts)


def html_problem(output: str) -> str | None:
    """Why ``output`` is not HTML by promptfoo's ``is-html``, or None when it is."""
    text = output.strip()
    if not text:
        return "Output is empty, expected HTML."
    if len(text) > HTML_MAX_INPUT_CHARS:
        return f"Output is longer than {HTML_MAX_INPUT_CHARS:,} characters: not checked as HTML."
    if re.match(r"\s*<\?xml", text, re.IGNORECASE):
        return "Output is an XML document, not HTML."
    parser = html5lib.HTMLParser(tree=_SourceTrackingBuilder, namespaceHTMLElements=False)
    # html5lib still expands the obsolete <isindex> into a form; the current standard (and
    # parse5) parse it as an unknown element: rename it to one.
    parser.parse(_ISINDEX.sub(r"\1isindexx", text), scripting=True)  # parse5's default
    lowered = text.lower()
    elements = list(_elements(parser.tree.document))
    if elements and _HTML_FIRST.match(text):
        # html5lib always creates <html> itself and merges the output's into it; parse5 builds
        # it from the output's tag when that tag comes first.
        elements[0].from_source = True
    body = next((element for element in elements if element.name == "body"), None)
    wrapped = body is not None and body.from_source and _LITERAL_WRAPPER["body"].search(lowered)
    if body is not None and not wrapped and _has_top_level_text(body):
        fence = " (it is wrapped in a Markdown code fence)" if text.startswith("```") else ""
        return f"Output has text outside HTML elements{fence}."
    for element in elements:
        name = element.name.lower()
        if name in _WRAPPERS:
            if element.from_source and _LITERAL_WRAPPER[name].search(lowered):
                return None
        elif name in HTML_ELEMENTS or "-" in name:
            return None
    return "Output has no HTML elements."


class _HtmlCheck(Check):
    """The HTML checks take no parameters."""

    allowed = frozenset()
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        """Nothing to configure."""


@register
class IsHtml(_HtmlCheck):
    """Pass when the output is HTML and nothing else (see the module docstring)."""

    kind = "is-html"

    @property
    def name(self) -> str:
        return "is HTML"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        problem = html_problem(attempt.output)
        return (True, "Output is HTML.") if problem is None else (False, problem)


_OPENING_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>")
_CLOSING_TAG = re.compile(r"</[a-zA-Z][a-zA-Z0-9-]*\s*>")
_SELF_CLOSING_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?/>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);")
_DOCTYPE = re.compile(r"<!DOCTYPE\s+html", re.IGNORECASE)
_COMMENT = re.compile(r"<!--[^-]*(?:-[^-]+)*-->")
_ATTRIBUTE = re.compile(r"\s[a-zA-Z-]+=\s*[\"'][^\"']*[\"']")
_COMMON_TAG = re.compile(
    r"<(html|head|body|div|span|p|a|img|h[1-6]|ul|ol|li|table|tr|td|th|form|input|button"
    r"|script|style|link|meta|br|hr)\b",
    re.IGNORECASE,
)


def html_indicators(text: str) -> int:
    """promptfoo's count of HTML indicators in ``text`` (``containsHtml``)."""
    opening, closing = bool(_OPENING_TAG.search(text)), bool(_CLOSING_TAG.search(text))
    count = 2 if opening and closing else int(opening or closing)
    count += sum(
        bool(pattern.search(text)) for pattern in (_SELF_CLOSING_TAG, _ENTITY, _COMMENT, _ATTRIBUTE)
    )
    count += 2 * bool(_DOCTYPE.search(text)) + 2 * bool(_COMMON_TAG.search(text))
    return count


@register
class ContainsHtml(_HtmlCheck):
    """Pass when the output contains HTML (see the module docstring)."""

    kind = "contains-html"

    @property
    def name(self) -> str:
        return "contains HTML"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = attempt.output[:HTML_MAX_INPUT_CHARS]
        if html_indicators(text) >= 2:
            return True, "Output contains HTML."
        return False, f"Output contains no HTML{empty_note(attempt.output)}."
