"""Technique check ``prompt-delimits-variables``: every test input reaches the model inside
delimiters (XML tags, quotes, fences, headings), so data cannot pass for instructions.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from typing import Any

from grading.core.checks.base import (
    LIST_MAX_ITEMS,
    Check,
    register,
    require_str_list,
)
from grading.core.checks.prompt import unix_newlines
from grading.core.checks.techniques import without_placeholders
from grading.core.templating import PLACEHOLDER
from grading.core.types import Attempt, RubricError

# ----- delimited variables

DELIMITED_BLOCK_MAX_TEXT = 80
"""The most non-space characters, besides placeholders, of a tag/fence/section around a
variable: a block that also holds the instructions does not separate the data from them."""

_QUOTE_PAIRS = {'"': '"', "'": "'", "`": "`", "“": "”", "‘": "’", "«": "»", "„": "“", "「": "」"}
_XML_TAG = re.compile(r"<(?P<close>/?)(?P<name>[A-Za-z_][\w:.-]*)(?:\s[^<>]*?)?(?P<self>/?)>")
_FENCE = re.compile(
    r"`{3,}|\"{3,}|'{3,}|~{3,}|#{3,}(?![ \t]*\w)|^[ \t]*(?:-{3,}|={3,})[ \t]*$", re.MULTILINE
)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+\S[^\n]*$", re.MULTILINE)


Span = tuple[int, int]
"""(start, end) offsets of a block's content in a template."""


def xml_enclosures(template: str) -> dict[int, Span]:
    """Map each placeholder's start to the content of the innermost closed element around it.

    One pass over tags and placeholders with a stack of open elements. A placeholder waits
    on the element open around it; when that element (or, if it is never closed, an element
    further out) closes, the placeholder gets that element's content span. Linear time, so
    a pathological template cannot stall grading.
    """
    events = sorted(
        [*_XML_TAG.finditer(template), *PLACEHOLDER.finditer(template)],
        key=lambda match: match.start(),
    )
    enclosures: dict[int, Span] = {}
    stack: list[tuple[str, int, list[int]]] = []  # (tag name, content start, waiting)
    open_names: dict[str, int] = {}  # how many elements of each name are on the stack
    for match in events:
        start = match.start()
        if match.re is PLACEHOLDER:
            if stack:
                stack[-1][2].append(start)
            continue
        if match.group("self"):
            continue
        name = match.group("name").casefold()
        if not match.group("close"):
            stack.append((name, match.end(), []))
            open_names[name] = open_names.get(name, 0) + 1
            continue
        if not open_names.get(name):
            continue  # a closing tag with nothing to close
        depth = len(stack) - 1
        while stack[depth][0] != name:
            depth -= 1
        span = (stack[depth][1], start)
        for popped_name, _, waiting in stack[depth:]:
            open_names[popped_name] -= 1
            for placeholder_start in waiting:
                enclosures[placeholder_start] = span
        del stack[depth:]
    return enclosures


def fence_blocks(template: str) -> dict[str, list[Span]]:
    """Return, per fence character, the content spans between pairs of that fence.

    Fences are runs of 3 or more backticks, double or single quotes, tildes, or ``#`` not
    followed by a heading's words, and lines of ``---`` or ``===``. Each list is sorted and
    its spans are disjoint.
    """
    blocks: dict[str, list[Span]] = {}
    opened: dict[str, int] = {}
    for match in _FENCE.finditer(template):
        marker = match.group().strip()[0]
        if marker in opened:
            blocks.setdefault(marker, []).append((opened.pop(marker), match.start()))
        else:
            opened[marker] = match.end()
    return blocks


def heading_sections(template: str) -> list[Span]:
    """Return the text under each Markdown heading, up to the next heading (sorted, disjoint)."""
    headings = list(_HEADING.finditer(template))
    ends = [heading.start() for heading in headings[1:]] + [len(template)]
    return [(heading.end(), end) for heading, end in zip(headings, ends, strict=False)]


def enclosing_span(spans: Sequence[Span], start: int, end: int) -> Span | None:
    """Return the span of sorted, disjoint ``spans`` that holds [start, end), or None."""
    position = bisect.bisect_right(spans, start, key=lambda span: span[0]) - 1
    if position >= 0 and spans[position][0] <= start and end <= spans[position][1]:
        return spans[position]
    return None


def is_quoted(template: str, start: int, end: int) -> bool:
    """True when [start, end) sits directly between matching quotes (spaces or tabs aside)."""
    before, after = start - 1, end
    while before >= 0 and template[before] in " \t":
        before -= 1
    while after < len(template) and template[after] in " \t":
        after += 1
    return (
        before >= 0
        and after < len(template)
        and _QUOTE_PAIRS.get(template[before]) == template[after]
    )


def placeholder_delimiters(template: str) -> list[tuple[str, str]]:
    """Return (variable name, how it is delimited or ``""``) for every placeholder occurrence.

    See ``PromptDelimitsVariables`` for what counts as delimited.
    """
    xml = xml_enclosures(template)
    fences = fence_blocks(template)
    sections = heading_sections(template)
    text_chars: dict[Span, int] = {}  # cached: many placeholders may share a block

    def short(span: Span) -> bool:
        if span not in text_chars:
            block = without_placeholders(template[span[0] : span[1]])
            text_chars[span] = sum(not char.isspace() for char in block)
        return text_chars[span] <= DELIMITED_BLOCK_MAX_TEXT

    found: list[tuple[str, str]] = []
    for match in PLACEHOLDER.finditer(template):
        start, end = match.span()
        candidates: list[tuple[str, Span | None]] = [
            ("tags", xml.get(start)),
            *(("a fenced block", enclosing_span(spans, start, end)) for spans in fences.values()),
            ("a section", enclosing_span(sections, start, end)),
        ]
        how = "quotes" if is_quoted(template, start, end) else ""
        for method, span in candidates:
            if not how and span is not None and short(span):
                how = method
        found.append((match.group(1), how))
    return found


def placeholder_list(names: Sequence[str]) -> str:
    """Return ``{{a}}, {{b}}`` for the first few names, then "and N more"."""
    shown = ", ".join(f"{{{{{name}}}}}" for name in names[:LIST_MAX_ITEMS])
    hidden = len(names) - LIST_MAX_ITEMS
    return f"{shown} and {hidden} more" if hidden > 0 else shown


@register
class PromptDelimitsVariables(Check):
    """Pass when every ``{{variable}}`` (or each of ``variables``) is delimited everywhere.

    A placeholder is delimited when it is directly inside quotes (``"{{x}}"``, ``“{{x}}”``,
    backticks), or inside an XML-style element (``<text>{{text}}</text>``), a fenced block
    (triple backticks, triple quotes, ``###`` or ``---`` lines) or a Markdown ``#`` section whose
    other text is short (at most ``DELIMITED_BLOCK_MAX_TEXT`` characters): wrapping the whole
    prompt in one tag does not separate the data from the instructions.
    """

    kind = "prompt-delimits-variables"
    allowed = frozenset({"variables"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.variables: tuple[str, ...] = ()
        if "variables" in params:
            self.variables = require_str_list(params, "variables")
            for name in self.variables:
                if not PLACEHOLDER.fullmatch(f"{{{{{name}}}}}"):
                    raise RubricError(f"{name!r} is not a valid placeholder name")

    @property
    def name(self) -> str:
        if self.variables:
            return f"prompt delimits {placeholder_list(self.variables)}"
        return "prompt delimits every variable"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        found: dict[str, list[str]] = {}
        for template in (attempt.system_prompt, attempt.prompt):
            for variable, how in placeholder_delimiters(unix_newlines(template)):
                found.setdefault(variable, []).append(how)
        wanted = list(self.variables) or list(found)
        if not wanted:
            return True, "Prompt has no {{variables}} to delimit."
        missing = [name for name in wanted if name not in found]
        if missing:
            return False, f"Prompt does not use {placeholder_list(missing)}."
        bare = [name for name in wanted if not all(found[name])]
        if bare:
            return False, (
                f"Prompt does not delimit {placeholder_list(bare)}: wrap each variable in tags "
                "(<text>{{text}}</text>), triple quotes or a fenced block."
            )
        hows = [f"{{{{{name}}}}} ({found[name][0]})" for name in wanted[:LIST_MAX_ITEMS]]
        more = len(wanted) - LIST_MAX_ITEMS
        return True, "Prompt delimits " + ", ".join(hows) + (
            f" and {more} more." if more > 0 else "."
        )
