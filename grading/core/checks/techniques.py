"""Technique checks: does the prompt use a prompting technique?

Few-shot examples, delimited variables, a role, an output format, a request for reasoning.
They read the learner's system and user templates (not the rendered prompt, whose test input
could contain the very words they look for) and are heuristics: each documents what it
recognises, and reasons quote the part of the learner's prompt that satisfied it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from grading.core.checks.base import (
    Check,
    plural,
    quote,
    register,
    require_bool,
    require_int,
)
from grading.core.checks.prompt import prompt_templates
from grading.core.templating import PLACEHOLDER
from grading.core.types import Attempt, Verdict


def without_placeholders(text: str) -> str:
    """Return ``text`` with every ``{{placeholder}}`` blanked, so names never count as cues."""
    return PLACEHOLDER.sub(" ", text)


def find_cue(text: str, cues: Sequence[re.Pattern[str]]) -> re.Match[str] | None:
    """Return the earliest match of any of ``cues`` in ``text``, or None."""
    found = [match for cue in cues if (match := cue.search(text))]
    return min(found, key=lambda match: match.start()) if found else None


def cue_patterns(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE | re.MULTILINE) for pattern in patterns)


# ----- few-shot examples

_LABEL_START = re.compile(
    # "Input:", "Q1:", "**Customer:**", "- Expected output:" at the start of a line (1-3 words).
    r"^[ \t]*(?:[-*>#•]+[ \t]*)?[*_]{0,2}"
    r"(?P<label>[^\W\d_][\w'’-]{0,24}(?:[ \t][\w'’#-]{1,24}){0,2})"
    r"[*_]{0,2}[ \t]*:[*_]{0,2}(?=[ \t]|$)",
    re.MULTILINE,
)
_LABEL_INLINE = re.compile(
    # "Sentiment:" inside a line ("Text: great film Sentiment: positive"): one capitalised word.
    r"(?<=[ \t])[*_]{0,2}(?P<label>[A-Z][\w'’-]{0,24})[*_]{0,2}:(?=[ \t])"
)
_LABEL_QUOTED = re.compile(
    # JSON-style keys ('{"text": "…", "label": "…"}'), anywhere.
    r"[\"'](?P<label>[A-Za-z_][\w -]{0,24})[\"'][ \t]*:"
)
_EXAMPLE_TAG = re.compile(r"<example(?:[ _-]{0,3}\d+)?(?:[ \t][^<>]{0,200})?>", re.IGNORECASE)
_EXAMPLE_END = re.compile(r"</?example", re.IGNORECASE)
_NUMBERED_EXAMPLE = re.compile(
    r"^[ \t]*(?:[-*>#]+[ \t]*)?[*_]{0,2}(?:example|sample|exemple|beispiel|ejemplo|esempio)"
    r"[ \t]*(?:#|no\.?|n°)?[ \t]*(?P<number>\d+)\b",
    re.IGNORECASE | re.MULTILINE,
)
_EXAMPLE_HEADING = re.compile(
    r"^[ \t]*(?:[-*>#]+[ \t]*)?[*_]{0,2}(?:example|sample)[*_]{0,2}[ \t]*[:.]",
    re.IGNORECASE | re.MULTILINE,
)
_ARROW = re.compile(r"->|=>|→|⇒")
_TABLE_SEPARATOR = re.compile(
    r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$"
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# fmt: off
_KNOWN_LABELS = frozenset({
    "input", "output", "q", "a", "question", "answer", "user", "assistant", "human", "ai",
    "bot", "customer", "agent", "text", "review", "sentence", "label", "sentiment", "category",
    "class", "classification", "result", "response", "reply", "query", "message", "email",
    "ticket", "summary", "article", "translation", "source", "target", "expected", "example",
    "prompt", "completion", "tags", "topic", "intent", "entities",
})
# fmt: on
"""Labels that make even a single labelled pair an example (repeated pairs always count)."""
# fmt: off
_INSTRUCTION_LABELS = frozenset({
    "note", "notes", "important", "warning", "caution", "tip", "rule", "rules", "remember",
    "reminder", "constraint", "constraints", "requirement", "requirements", "context", "task",
    "role", "persona", "format", "goal", "instructions", "instruction", "tone", "audience",
    "style", "nb", "ps", "hint", "do", "don't", "dont", "never", "always",
})
# fmt: on
"""Labels of instructions, not of examples: pairs with one of them never count."""


def is_example_content(text: str) -> bool:
    """True when ``text`` (up to its first blank line) has words and no ``{{placeholder}}``."""
    first_paragraph = _PARAGRAPH_BREAK.split(text.strip(), maxsplit=1)[0]
    return bool(re.search(r"\w", first_paragraph)) and not PLACEHOLDER.search(first_paragraph)


def label_key(label: str) -> str:
    """Return the label casefolded without a trailing number: "Input 2" is "input"."""
    return " ".join(re.sub(r"[\s#\d]+$", "", label.casefold()).split())


def count_labelled_pairs(text: str) -> tuple[int, str]:
    """Count repeated label pairs such as "Input: … Output: …" or "Q: … A: …".

    Labels are short (1-3 words) and end in a colon: at the start of a line, or inside one
    when they are one capitalised word or a quoted JSON key. An example is a label followed
    by a *different* label, both with content that has words and no ``{{placeholder}}`` (so
    the final "Input: {{text}} / Output:" slot is not an example). The count is that of the
    most frequent pair. Pairs with an instruction label ("Note:", "Important:", "Task:"…)
    never count, and a pair seen once counts only if one of its labels is a usual one (input,
    answer, user…).
    """
    matches = sorted(
        {
            m.start("label"): m
            for pattern in (_LABEL_QUOTED, _LABEL_INLINE, _LABEL_START)
            for m in pattern.finditer(text)
        }.values(),
        key=lambda m: m.start(),
    )
    labels = []  # (key, shown label, content)
    for position, match in enumerate(matches):
        end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        key = label_key(match.group("label"))
        if key and match.end() <= end:
            labels.append((key, match.group("label").strip(), text[match.end() : end]))
    pairs: dict[tuple[str, str], int] = {}
    shown: dict[tuple[str, str], str] = {}
    for (key_a, label_a, content_a), (key_b, label_b, content_b) in itertools.pairwise(labels):
        if key_a != key_b and is_example_content(content_a) and is_example_content(content_b):
            pairs[key_a, key_b] = pairs.get((key_a, key_b), 0) + 1
            shown.setdefault((key_a, key_b), f"'{label_a}:'/'{label_b}:' pairs")
    best, how = 0, ""
    for pair, count in pairs.items():
        if _INSTRUCTION_LABELS.intersection(pair):
            continue
        if count == 1 and not _KNOWN_LABELS.intersection(pair):
            continue
        if count > best:
            best, how = count, shown[pair]
    return best, how


def count_example_tags(text: str) -> int:
    """Count ``<example>`` (or ``<example 2>``…) elements whose content has words."""
    count = 0
    for match in _EXAMPLE_TAG.finditer(text):
        end = _EXAMPLE_END.search(text, match.end())
        content = text[match.end() : end.start() if end else len(text)]
        count += bool(re.search(r"\w", without_placeholders(content)))
    return count


def count_arrow_lines(text: str) -> int:
    """Count lines such as ``"I loved it" -> positive`` (both sides words, no placeholder)."""
    count = 0
    for line in text.splitlines():
        # Split rather than one regex: a lazy "left side" before the arrow is quadratic.
        sides = _ARROW.split(line, maxsplit=1)
        count += len(sides) == 2 and all(is_example_content(side) for side in sides)
    return count


def count_table_rows(text: str) -> int:
    """Count the data rows of Markdown tables (input/output tables) without placeholders."""
    rows, best, in_table = 0, 0, False
    for line in text.splitlines():
        if _TABLE_SEPARATOR.match(line):
            rows, in_table = 0, True
        elif in_table and "|" in line:
            cells = [cell for cell in line.strip().strip("|").split("|") if cell.strip()]
            rows += len(cells) >= 2 and all(is_example_content(cell) for cell in cells)
        else:
            in_table = False
        best = max(best, rows)
    return best


@functools.lru_cache(maxsize=64)  # the same template is checked on every item and sample
def count_examples(text: str) -> tuple[int, str]:
    """Return how many few-shot examples ``text`` holds and how they were recognised.

    Each detector counts one way of writing examples; the largest count wins (an
    ``<example>`` block holding an "Input:/Output:" pair is counted once, not twice):
    ``<example>`` tags, numbered "Example 1:" headings, repeated "Example:" headings, labelled
    pairs (see ``count_labelled_pairs``: "Input:/Output:", "Q:/A:", "User:/Assistant:",
    "Text: … Sentiment: …"), "x -> y" lines, and Markdown table rows. Examples supplied through
    a ``{{placeholder}}`` cannot be seen and do not count.
    """
    numbered = {m.group("number") for m in _NUMBERED_EXAMPLE.finditer(text)}
    pair_count, pair_how = count_labelled_pairs(text)
    candidates = [
        (count_example_tags(text), "<example> blocks"),
        (len(numbered), "numbered 'Example N' headings"),
        (len(_EXAMPLE_HEADING.findall(text)), "'Example:' headings"),
        (pair_count, pair_how),
        (count_arrow_lines(text), "'input -> output' lines"),
        (count_table_rows(text), "table rows"),
    ]
    return max(candidates, key=lambda candidate: candidate[0])


@register
class PromptFewShot(Check):
    """Pass when the prompt (system or user template) holds at least ``min_examples`` examples.

    See ``count_examples`` for what is recognised as an example.
    """

    kind = "prompt-few-shot"
    allowed = frozenset({"min_examples"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.min_examples = require_int({"min_examples": 2, **params}, "min_examples", minimum=1)

    @property
    def name(self) -> str:
        return f"prompt has at least {plural(self.min_examples, 'few-shot example')}"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str] | Verdict:
        count, how = count_examples(prompt_templates(attempt))
        details = {"examples": count, "recognised_as": how if count else ""}
        if count >= self.min_examples:
            reason = f"Prompt has {plural(count, 'few-shot example')} ({how}; need "
            return Verdict(True, f"{reason}{self.min_examples}).", details=details)
        found = f"{plural(count, 'few-shot example')} ({how})" if count else "no few-shot examples"
        return Verdict(
            False,
            f"Prompt has {found}, need {self.min_examples}: add worked input/output examples.",
            details=details,
        )


# ----- role, output format, reasoning

_ROLE_NOUN_ENDINGS = (
    "er", "or", "ist", "ian", "ant", "ent", "ive", "eer", "ect", "ge", "ch", "ef", "ot", "ert",
    "ai", "bot", "ary", "ess", "ee", "yst", "ic",
)  # fmt: skip
# fmt: off
_NOT_ROLE_NOUNS = frozenset({
    "reminder", "matter", "answer", "number", "other", "letter", "user", "component",
    "parameter", "alternative", "consequence", "result", "rule", "whole", "example", "bonus",
    "fallback", "default", "side", "remainder", "fraction", "percent", "percentage",
    "paragraph", "chapter", "list", "string", "integer", "json", "object", "table",
})
# fmt: on
_AS_A_ROLE = re.compile(
    r"(?:^|[.!?:;]\s+|\n)as\s+(?:an?|the|your)\s+(?:[\w-]+\s+){0,3}?(?P<noun>[\w-]+)\s*,",
    re.IGNORECASE,
)
ROLE_CUES = cue_patterns(
    r"\byou(?:\s+are|['’]re)\s+(?:now\s+|acting\s+as\s+)?(?:an?|the|my|our)\s+"
    r"(?!(?:few|lot|bit|list|set|number|couple|piece|text)\b)[^.,;:!?\n]{1,60}",
    # "You are Max, a cheerful barista": a capitalised name, then the role.
    r"\byou(?:\s+are|['’]re)\s+(?-i:[A-Z])[\w-]*(?:\s+(?-i:[A-Z])[\w-]*)?\s*,\s*"
    r"(?:an?|the)\s+[^.,;:!?\n]{1,60}",
    r"\b(?:act|acting|behave)\s+(?:as|like)\s+[^.,;:!?\n]{1,60}",
    r"\b(?:pretend|imagine)\s+(?:to\s+be|(?:that\s+)?you(?:\s+are|['’]re))\b[^.\n]{0,40}",
    r"\byour\s+(?:role|persona|character)\s+(?:is|will\s+be)\b[^.\n]{0,40}",
    r"\b(?:take\s+on|play|assume|adopt)\s+the\s+(?:role|persona|part)\s+of\b[^.\n]{0,40}",
    r"\bin\s+your\s+role\s+(?:as|of)\b[^.\n]{0,40}",
    r"^[ \t]*(?:role|persona)[ \t]*:[ \t]*\S[^\n]{0,40}",
    # French, German, Spanish, Italian, Portuguese: "you are a …" and "act as …".
    r"\b(?:tu\s+es|vous\s+êtes)\s+(?:une?|le|la|l['’])\s*[\w-]+",
    r"\b(?:agis|agissez|joue|jouez)\s+(?:comme|le\s+rôle)\b[^.\n]{0,40}",
    r"\b(?:du\s+bist|sie\s+sind)\s+(?:ein|eine|der|die|das)\s+[\w-]+",
    r"\b(?:agiere|handle|fungiere)\s+als\b[^.\n]{0,40}",
    r"\b(?:eres|usted\s+es)\s+(?:una?|el|la)\s+[\w-]+",
    r"\b(?:actúa|actua|actúe)\s+como\b[^.\n]{0,40}",
    r"\b(?:sei|lei\s+è)\s+(?:una?|il|lo|la|l['’])\s*[\w-]+",
    r"\b(?:você\s+é|tu\s+és)\s+(?:uma?|o|a)\s+[\w-]+",
    r"\b(?:aja|atue)\s+como\b[^.\n]{0,40}",
)
"""Ways to give the model a role: "You are a…", "Act as…", "Your role is…", "Role:"…"""


def find_role(text: str) -> str:
    """Return the phrase of ``text`` that assigns the model a role or persona, or ``""``.

    Besides ``ROLE_CUES`` it accepts "As an experienced editor, …" when the noun before the
    comma looks like a role (editor, scientist, assistant…), not "As a result, …".
    """
    found = [match for cue in ROLE_CUES if (match := cue.search(text))]
    for match in _AS_A_ROLE.finditer(text):
        noun = match.group("noun").casefold()
        if noun.endswith(_ROLE_NOUN_ENDINGS) and noun not in _NOT_ROLE_NOUNS:
            found.append(match)
            break
    if not found:
        return ""
    return min(found, key=lambda match: match.start()).group().strip(" \t\n.,!?:;")


_NUMBER_WORD = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a\s+single|single)"
FORMAT_CUES = cue_patterns(
    r"\bjson\b|\b(?:yaml|xml|csv|tsv|markdown|html|latex)\b",
    r"\b(?:match(?:es|ing)?|follow(?:s|ing)?|conform(?:s|ing)?\s+to)\s+(?:the|this)\s+schema\b",
    r"\b(?:with|using|containing|include|includes)\s+(?:the\s+|these\s+)?(?:keys?|fields?|properties)\b",
    r"\bbullet(?:ed)?(?:[\s-]+points?|\s+list|s)?\b|\bnumbered\s+list\b",
    r"\b(?:as|in)\s+an?\s+(?:\w+\s+)?list\b",
    r"\bcomma[\s-]separated\b|\bone\s+per\s+line\b|\b(?:each|one)\s+on\s+(?:a\s+)?(?:new|separate|its\s+own)\s+line\b",
    r"\b(?:markdown|html)\s+table\b|\b(?:as|in(?:to)?)\s+a\s+table\b|\btable\s+with\s+(?:the\s+)?(?:columns?|headers?|rows?)\b",
    r"\b(?:respond|reply|answer|output|return|print|write)\s+(?:\w+\s+){0,2}only\b",
    r"\bonly\s+(?:respond|reply|answer|output|return|print|write|give)\b|\bnothing\s+else\b",
    r"\bno\s+(?:other|additional|extra)\s+(?:text|words|commentary|explanations?)\b",
    r"\bwithout\s+(?:any\s+)?(?:explanations?|preamble|commentary|additional\s+text)\b",
    rf"\b{_NUMBER_WORD}\s+(?:words?|sentences?|paragraphs?|lines?|bullet\s+points?|bullets?|"
    r"items?|characters?|emojis?)\b",
    r"\b(?:at\s+most|no\s+more\s+than|under|fewer\s+than|less\s+than|up\s+to|maximum\s+of)"
    r"\s+\d+\s+(?:words?|sentences?|characters?|lines?|tokens?)\b",
    r"\b(?:in|using|use|follow)\s+(?:the\s+|this\s+|these\s+)?(?:following\s+)?"
    r"(?:format|template|structure)\b",
    r"\b(?:output|response|answer|reply)\s+format\b|\bformat(?:ted)?\s+(?:as|like)\b",
    r"^[ \t]*format[ \t]*:",
    r"<(?:answer|response|output|result|final(?:_answer)?|json|summary|label|classification|"
    r"category)\s*>",
    # "Put your answer in <answer> tags", not "the article inside <article> tags".
    r"\b(?:answer|respond|reply|output|write|put|wrap|return|place|enclose|give)\b[^.\n]{0,40}"
    r"\b(?:inside|within|between|in)\s+<\w+>\s*(?:and\s+</\w+>\s*)?tags?\b",
    r"\bon\s+(?:its|their)\s+own\s+lines?\b|\bon\s+(?:the|a)\s+(?:last|final|separate)\s+line\b",
    r"\b(?:respond|reply|answer|output|return|classify|label|choose)\b[^.\n]{0,60}"
    r"\b(?:one\s+of|either)\b",
    r"\b(?:yes|true)\s*(?:/|or)\s*(?:no|false)\b",
    r"\b(?:all\s+)?(?:lower|upper)[\s-]?case\b|\ball\s+caps\b",
    r"\b(?:start|begin)\s+(?:your|the)\s+(?:answer|response|reply|output)\s+with\b",
)
"""Ways to specify the output format: JSON/schema/keys, lists, tables, "respond with only…",
lengths ("one word", "3 sentences"), "in the format…", answer tags, a fixed set of answers."""

REASONING_CUES = cue_patterns(
    r"\bstep[\s-]+by[\s-]+step\b",
    r"\bthink\s+(?:(?:it|this|that)\s+)?(?:through|carefully|aloud|out\s+loud|hard)\b",
    r"\bthink\s+about\s+(?:it|this|the\s+\w+)\s+(?:first|before)\b",
    r"\b(?:explain|show|describe|state|give|outline|write\s+(?:out|down))\s+(?:your|the|all)\s+"
    r"(?:reasoning|work(?:ing)?|thinking|thought\s+process|steps|rationale|logic)\b",
    r"\breason(?:ing)?\s+(?:through|about|carefully|step)\b",
    r"\bchain[\s-]+of[\s-]+thought\b|\blet['’]?s\s+think\b",
    r"\bbefore\s+(?:answering|you\s+answer|giving\s+(?:your|the|an?)\s+(?:final\s+)?answer|"
    r"responding|you\s+respond|deciding|you\s+decide|concluding)\b",
    r"<(?:thinking|reasoning|scratchpad|thoughts?|analysis)\s*>|\bscratch\s*pad\b",
    r"\b(?:work|walk)\s+(?:(?:it|me|us)\s+)?through\b|\bwork\s+it\s+out\b",
    r"\bbreak\s+(?:it|this|the\s+\w+)\s+down\b|\bbreak\s+down\s+the\b",
    r"\bfirst(?:ly)?\b(?:(?!\n[ \t]*\n)[\s\S]){0,200}?"
    r"\b(?:then|next|second(?:ly)?|after\s+that|finally)\b",
    r"\bstep\s*1\b(?:(?!\n[ \t]*\n)[\s\S]){0,300}?\bstep\s*2\b",
    r"\b(?:schritt\s+für\s+schritt|étape\s+par\s+étape|paso\s+a\s+paso|"
    r"passo\s+(?:a|dopo)\s+passo)\b",
    r"一步一步|逐步|ステップバイステップ|段階的に|단계별로",
)
"""Ways to ask for reasoning: "step by step", "think it through", "explain your reasoning",
"before answering", <thinking> tags, "first … then …" plans (within a paragraph)."""

FINAL_ANSWER_CUES = cue_patterns(
    r"\bfinal\s+(?:answer|result|verdict|response|output|label|classification|decision)\b",
    r"<(?:answer|final(?:_answer)?|result|output|response|verdict)\s*>",
    r"\bon\s+(?:the|a)\s+(?:last|final|separate|new)\s+line\b|\bon\s+its\s+own\s+line\b",
    r"\b(?:then|finally|afterwards|after\s+that)\s*,?\s+(?:give|state|write|output|provide|return|print)"
    r"\s+(?:only\s+)?(?:the|your)\s+(?:answer|result|verdict|label|conclusion)\b",
    r"\bafter\s+(?:your|the)\s+(?:reasoning|thinking|explanation|analysis)\b",
    r"\bseparate(?:ly)?\b[^.\n]{0,40}\banswer\b|\banswer\b[^.\n]{0,40}\bseparate(?:ly)?\b",
)
"""Ways to keep the final answer apart from the reasoning: "final answer", <answer> tags,
"on the last line", "then give the answer", "after your reasoning"."""


@register
class PromptStatesRole(Check):
    """Pass when the system or user template gives the model a role or persona.

    Recognises "You are a/an/the …", "Act as …", "Pretend you are …", "Your role is …",
    "Take on the role of …", "Role: …", "As an experienced editor, …", and the same first two
    in French, German, Spanish, Italian and Portuguese.
    """

    kind = "prompt-states-role"
    allowed = frozenset()
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        """No parameters."""

    @property
    def name(self) -> str:
        return "prompt states a role"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        phrase = find_role(without_placeholders(prompt_templates(attempt)))
        if phrase:
            return True, f"Prompt states a role: {quote(phrase)}."
        return False, "Prompt states no role: tell the model who it is (e.g. 'You are a …')."


@register
class PromptSpecifiesFormat(Check):
    """Pass when the system or user template specifies the output format (see ``FORMAT_CUES``)."""

    kind = "prompt-specifies-format"
    allowed = frozenset()
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        """No parameters."""

    @property
    def name(self) -> str:
        return "prompt specifies an output format"

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        match = find_cue(without_placeholders(prompt_templates(attempt)), FORMAT_CUES)
        if match:
            return True, f"Prompt specifies the output format: {quote(match.group().strip())}."
        return False, (
            "Prompt does not specify an output format (e.g. JSON keys, a list, "
            "'respond with only …', a length)."
        )


@register
class PromptAsksReasoning(Check):
    """Pass when the prompt asks for step-by-step reasoning (see ``REASONING_CUES``).

    With ``final_answer: true`` the prompt must also ask for the final answer apart from the
    reasoning (see ``FINAL_ANSWER_CUES``), so that it can be read without the reasoning.
    """

    kind = "prompt-asks-reasoning"
    allowed = frozenset({"final_answer"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.final_answer = require_bool(params, "final_answer", False)

    @property
    def name(self) -> str:
        base = "prompt asks for step-by-step reasoning"
        return base + " and a separate final answer" if self.final_answer else base

    def _evaluate(self, attempt: Attempt) -> tuple[bool, str]:
        text = without_placeholders(prompt_templates(attempt))
        reasoning = find_cue(text, REASONING_CUES)
        if not reasoning:
            return False, (
                "Prompt does not ask for reasoning (e.g. 'think step by step', "
                "'explain your reasoning before answering')."
            )
        asks = f"Prompt asks for reasoning: {quote(reasoning.group().strip())}"
        if not self.final_answer:
            return True, asks + "."
        final = find_cue(text, FINAL_ANSWER_CUES)
        if not final:
            return False, f"{asks}, but not for a separate final answer (e.g. 'Final answer: …')."
        return True, f"{asks}; final answer: {quote(final.group().strip(), 40)}."
