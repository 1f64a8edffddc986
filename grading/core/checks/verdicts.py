"""Parsing the judge's answer: per-criterion verdicts validated against a JSON Schema, and
the judge's own report that an output tried to manipulate it (evidence starting "INJECTION:").
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from typing import Any

import jsonschema

from grading.core.checks.base import (
    one_line,
)

# --------------------------------------------------------------------------------------------
# Parsing the judge's answer


class UnusableAnswer(ValueError):
    """The judge's answer is not a valid verdict; the message says why in a few words."""


def _verdict_schema(ids: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["criteria"],
        "properties": {
            "criteria": {
                "type": "array",
                "minItems": len(ids),
                "maxItems": len(ids),
                "items": {
                    "type": "object",
                    "required": ["id", "met", "evidence"],
                    "properties": {
                        "id": {"enum": list(ids)},
                        "met": {"type": "boolean"},
                        "evidence": {"type": "string"},
                    },
                },
            }
        },
    }


_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n(.*?)```", re.DOTALL)


def _json_objects(text: str) -> list[Any]:
    """Every JSON object in ``text``: the whole text, fenced blocks, then objects in prose."""
    decoder = json.JSONDecoder()
    stripped = text.strip()
    try:
        return [json.loads(stripped)]
    except ValueError:
        pass
    found: list[Any] = []
    for block in _FENCE.findall(text):
        try:
            found.append(json.loads(block.strip()))
        except ValueError:
            continue
    if found:
        return found
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        found.append(value)
        position = text.find("{", end)
    if not any(isinstance(value, dict) and "criteria" in value for value in found):
        repaired = _with_matching_closers(text)
        if repaired is not None:
            with contextlib.suppress(ValueError):
                found.append(json.loads(repaired))
    return found


_CLOSER = {"{": "}", "[": "]"}


def _with_matching_closers(text: str) -> str | None:
    """The first ``{…}`` of ``text`` with each wrong closing bracket replaced by the right one.

    Small judges often write ``}}]`` for ``}]}``; nothing else is repaired, and the result
    must still parse and match the verdict schema.
    """
    start = text.find("{")
    if start == -1:
        return None
    pieces: list[str] = []
    stack: list[str] = []
    in_string = escaped = False
    for char in text[start:]:
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char == '"':
            in_string = True
        elif char in _CLOSER:
            stack.append(_CLOSER[char])
        elif char in "}]":
            char = stack.pop()
        pieces.append(char)
        if not stack:
            return "".join(pieces)
    return None


def parse_verdict(text: str, ids: Sequence[str]) -> dict[str, tuple[bool, str]]:
    """Return ``{criterion id: (met, evidence)}`` from a judge's answer, or raise UnusableAnswer.

    The JSON object may be wrapped in prose or a Markdown fence, but exactly one distinct
    object with a ``criteria`` key must be present and it must match the verdict schema: each
    id exactly once, ``met`` a boolean, ``evidence`` a string (other keys are ignored).
    """
    candidates = [
        value for value in _json_objects(text) if isinstance(value, dict) and "criteria" in value
    ]
    distinct = {json.dumps(value, sort_keys=True) for value in candidates}
    if not distinct:
        raise UnusableAnswer("no JSON object with a 'criteria' list was found")
    if len(distinct) > 1:
        raise UnusableAnswer("it contains several different verdicts")
    verdict = candidates[0]
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(_verdict_schema(ids)).iter_errors(verdict)
    )
    if error is not None:
        where = "".join(f"[{part!r}]" for part in error.absolute_path) or "the answer"
        raise UnusableAnswer(f"{where}: {one_line(error.message, 120)}")
    answered = [item["id"] for item in verdict["criteria"]]
    if sorted(answered) != sorted(ids):
        repeated = sorted({i for i in answered if answered.count(i) > 1})
        raise UnusableAnswer(f"criterion {repeated[0]!r} is answered more than once")
    return {item["id"]: (item["met"], item["evidence"]) for item in verdict["criteria"]}


# The marker the judge prompt asks for: evidence that starts with "INJECTION:" (any case,
# possibly in Markdown bold or quotes). Mere mentions of prompt injection are not enough: on a
# prompt-engineering course, "It defines prompt injection correctly." is praise of an answer.
_INJECTION_MARKER = re.compile(r"[\W_]{0,6}injection[\s*_`'\"\])]{0,4}:", re.IGNORECASE)
# A marker followed by a denial ("INJECTION: none", "INJECTION: no injection found") is a
# judge filling in the field, not a report. "INJECTION: no criterion is met…" is a report.
_DENIAL = re.compile(
    r"[\W_]*(?:none|nothing|n/?a|false|no|not)(?:[\W_]*$|\s*[.,;)]"
    r"|\s+(?:prompt\s+)?(?:injections?|manipulation|attempt|sign|evidence|instructions?|issues?"
    r"|detected|found|present|applicable|seen|observed|suspicious|problems?|concerns?)\b)",
    re.IGNORECASE,
)


def reports_manipulation(evidence: str) -> bool:
    """Whether a judge's evidence reports that the output tried to manipulate the grading.

    Only the marker the judge is told to use counts: evidence starting with "INJECTION:",
    unless what follows denies it ("INJECTION: none"). Evidence that merely mentions or
    describes prompt injection does not flag the output.
    """
    marker = _INJECTION_MARKER.match(evidence)
    return marker is not None and not _DENIAL.match(evidence, marker.end())
