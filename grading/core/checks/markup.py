"""XML checks (``is-xml``, ``contains-xml``), parsed safely with defusedxml. HTML checks are in
``htmlmarkup``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from typing import Any

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from grading.core.checks.base import (
    NAME_SNIPPET_CHARS,
    Check,
    empty_note,
    one_line,
    plural,
    quote,
    quote_list,
    register,
    require_str,
    require_str_list,
    show,
)
from grading.core.types import Attempt, RubricError

# --------------------------------------------------------------------------------------------
# XML checks

CONTAINS_XML_MAX_INPUT_CHARS = 100_000
"""``contains-xml`` only looks for XML in the first this-many characters of the output."""

CONTAINS_XML_MAX_CANDIDATES = 200
"""``contains-xml`` parses at most this many candidate elements."""

XML_TAG_LOOKBACK = 64
"""``contains-xml`` matches a closing tag with one of the last this-many unclosed tags only."""

_XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w.\-:]*)(?:\s[^<>]*)?/?>")


class _NotXml(Exception):
    """Internal: the text is not well-formed (or not acceptable) XML; the message says why."""


def _parse_xml(text: str) -> ElementTree.Element:
    """Parse ``text`` as one XML document without expanding entities or fetching anything.

    ``defusedxml`` refuses entity declarations (billion laughs, quadratic blowup) and external
    references (XXE); a DOCTYPE without them is accepted. Raises ``_NotXml``.
    """
    try:
        return SafeElementTree.fromstring(text, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _NotXml(
            f"it declares entities or external references, which are refused ({exc})"
        ) from exc
    except ElementTree.ParseError as exc:
        raise _NotXml(str(exc)) from exc
    except (ValueError, RecursionError) as exc:
        raise _NotXml(str(exc) or type(exc).__name__) from exc


def _local_name(tag: object) -> str:
    """Return an element's tag without its ``{namespace}`` (comments and PIs have none)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _has_element_path(root: ElementTree.Element, path: Sequence[str]) -> bool:
    """Whether ``root`` is named ``path[0]`` and has a chain of children named ``path[1:]``."""
    if _local_name(root.tag) != path[0]:
        return False
    level = [root]
    for name in path[1:]:
        level = [child for element in level for child in element if _local_name(child.tag) == name]
        if not level:
            return False
    return True


def _require_element_paths(params: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """Read required element paths from ``required`` (a list) or ``value`` (promptfoo style).

    As in promptfoo, ``value`` may be a comma-separated string or a list; each path is dotted
    from the root element, e.g. ``"answer.reason"``.
    """
    if "required" in params and "value" in params:
        raise RubricError("give the required elements as 'required' or 'value', not both")
    key = "required" if "required" in params else "value"
    if key not in params:
        return ()
    raw = params[key]
    if key == "value" and isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    paths = require_str_list({key: raw}, key)
    parsed: list[tuple[str, ...]] = []
    for path in paths:
        parts = tuple(part.strip() for part in path.split("."))
        if not all(parts):
            raise RubricError(f"{key!r}: {show(path)} is not a dotted element path like 'a.b'")
        parsed.append(parts)
    return tuple(parsed)


class _XmlCheck(Check):
    """Shared parameters of the XML checks: ``root`` and required element paths."""

    allowed = frozenset({"value", "required", "root"})
    required = frozenset()
    what: str

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.paths = _require_element_paths(params)
        self.root = require_str(params, "root", non_empty=True) if "root" in params else None

    @property
    def name(self) -> str:
        details = []
        if self.root is not None:
            details.append(f"root {quote(self.root, NAME_SNIPPET_CHARS)}")
        if self.paths:
            details.append(f"with {quote_list(['.'.join(p) for p in self.paths])}")
        return f"{self.what}{' (' + ', '.join(details) + ')' if details else ''}"

    def _problem(self, root: ElementTree.Element) -> str | None:
        """Return what the parsed document lacks, or None when it meets the requirements."""
        if self.root is not None and _local_name(root.tag) != self.root:
            return (
                f"its root element is {quote(_local_name(root.tag))}, expected {quote(self.root)}"
            )
        missing = [".".join(path) for path in self.paths if not _has_element_path(root, path)]
        if missing:
            return f"it is missing {plural(len(missing), 'element')} {quote_list(missing)}"
        return None


@register
class IsXml(_XmlCheck):
    """Pass when the whole output (whitespace stripped) is one well-formed XML document.

    Optional ``root`` (the root element's name) and required element paths (``required`` list
    or promptfoo's ``value``: ``"answer.reason"`` means a root ``answer`` with a ``reason``
    child). Namespaces are ignored when matching names. Markdown fences are not stripped.
    """

    kind = "is-xml"
    what = "is XML"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = attempt.output.strip()
        if not text:
            return False, "Output is empty, expected XML."
        try:
            root = _parse_xml(text)
        except _NotXml as exc:
            hint = " (it is wrapped in a Markdown code fence)" if text.startswith("```") else ""
            return False, one_line(f"Output is not well-formed XML{hint}: {exc}.")
        problem = self._problem(root)
        if problem is not None:
            return False, one_line(f"Output is well-formed XML but {problem}.")
        return True, f"Output is well-formed XML (root {quote(_local_name(root.tag))})."


def _xml_candidates(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of elements in ``text`` whose tags balance, outermost first."""
    stack: list[tuple[str, int]] = []
    spans: list[tuple[int, int]] = []
    for match in _XML_TAG.finditer(text):
        closing, name = match.group(1) == "/", match.group(2)
        if not closing:
            if match.group(0).endswith("/>"):
                spans.append((match.start(), match.end()))
            else:
                stack.append((name, match.start()))
            continue
        # Look back a bounded number of open tags: an unmatched closing tag must not cost a
        # scan of the whole stack (30,000 "<a>" then "</b>"s would be quadratic).
        for index in range(len(stack) - 1, max(-1, len(stack) - 1 - XML_TAG_LOOKBACK), -1):
            if stack[index][0] == name:
                spans.append((stack[index][1], match.end()))
                del stack[index:]
                break
    spans.sort(key=lambda span: (span[0], -span[1]))
    return spans


@register
class ContainsXml(_XmlCheck):
    """Pass when the output contains a well-formed XML element anywhere (prose, fences…).

    Like promptfoo's ``contains-xml``, balanced tags are found, outermost first, and each is
    parsed on its own. Unlike promptfoo, an element nested in a well-formed element that fails
    the requirements is still tried, so ``root: item`` finds the ``<item>`` of a ``<list>``.
    Only the first ``CONTAINS_XML_MAX_INPUT_CHARS`` characters are searched.
    """

    kind = "contains-xml"
    what = "contains XML"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = attempt.output[:CONTAINS_XML_MAX_INPUT_CHARS]
        spans = _xml_candidates(text)
        first_problem: str | None = None
        tried = 0
        for start, end in spans:
            if tried >= CONTAINS_XML_MAX_CANDIDATES:
                break
            tried += 1
            try:
                root = _parse_xml(text[start:end])
            except _NotXml:
                continue
            problem = self._problem(root)
            if problem is None:
                root_name = quote(_local_name(root.tag))
                return True, f"Output contains well-formed XML (root {root_name})."
            first_problem = first_problem or f"{quote(_local_name(root.tag))}: {problem}"
        if first_problem is not None:
            return False, one_line(
                f"Output contains XML but none meets the requirements; first, {first_problem}."
            )
        if spans:
            return False, "Output contains tags but no well-formed XML element."
        return False, f"Output contains no XML{empty_note(attempt.output)}."
