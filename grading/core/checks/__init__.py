"""The check catalogue: every rubric check type, and ``build_checks`` to load a rubric.

Each module registers its checks with ``@register``; importing this package imports them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from grading.core.checks import (
    code,
    delimiters,
    flagging,
    htmlmarkup,
    judge,
    language,
    markup,
    metrics,
    operations,
    prompt,
    scripts,
    similarity,
    sql,
    strings,
    structure,
    tables,
    techniques,
    tool_calls,
    verdicts,
)
from grading.core.checks.base import CHECKS, Check, escape
from grading.core.templating import fill_value
from grading.core.types import RubricError

__all__ = ["CHECKS", "Check", "build_checks", "check_kinds"]

# Imported for their @register side effect.
_MODULES = (
    strings,
    structure,
    markup,
    htmlmarkup,
    sql,
    tables,
    metrics,
    language,
    similarity,
    tool_calls,
    prompt,
    techniques,
    delimiters,
    operations,
    flagging,
    verdicts,
    judge,
    code,
    scripts,
)


def check_kinds() -> list[str]:
    """Every type a rubric may name, the ``not-`` forms included, sorted."""
    return sorted([*CHECKS, *(f"not-{kind}" for kind in CHECKS)])


LABEL_MAX_CHARS = 120


def _label(value: object) -> str:
    """A rubric's optional display name for a check: one line of plain text."""
    if not isinstance(value, str) or len(value) > LABEL_MAX_CHARS or "\n" in value:
        raise RubricError(f"'label' must be one line of at most {LABEL_MAX_CHARS} characters")
    return value.strip()


def _filled(value: Any, variables: Mapping[str, Any]) -> Any:
    """A check's ``value`` with ``{{var}}`` filled from the test input, as promptfoo renders
    assertion values: a string, or each string of a list; objects are left as they are."""
    if isinstance(value, str):
        return fill_value(value, variables)
    if isinstance(value, list):
        return [fill_value(v, variables) if isinstance(v, str) else v for v in value]
    return value


def build_checks(
    rubric: Sequence[Mapping[str, Any]], variables: Mapping[str, Any] | None = None
) -> list[Check]:
    """Build the checks of a rubric (a JSON list of check objects), validating all of it.

    With ``variables`` (a test input's), every check's ``value`` is a template filled from them
    first, as in promptfoo; prompt-side checks (``prompt-*``) keep their value as written, since
    they look at the learner's template, where ``{{name}}`` is literal text.
    Raises ``RubricError`` at the first problem, prefixed ``"check N (type): "`` (N from 1).
    Guarantees the returned checks are ready to run and never raise ``RubricError`` later.
    """
    if isinstance(rubric, (str, bytes)) or not isinstance(rubric, Sequence):
        raise RubricError(f"a rubric must be a list of checks, got {type(rubric).__name__}")
    checks: list[Check] = []
    for number, entry in enumerate(rubric, start=1):
        if not isinstance(entry, Mapping):
            raise RubricError(f"check {number}: must be an object, got {type(entry).__name__}")
        kind = entry.get("type")
        if kind is None:
            raise RubricError(f"check {number}: missing 'type'")
        if not isinstance(kind, str):
            raise RubricError(f"check {number}: 'type' must be a string, got {kind!r}")
        if kind.removeprefix("not-") == "javascript":
            raise RubricError(
                f"check {number} (javascript): JavaScript assertions are not supported; write "
                "the same test as a 'python' check (an expression over `output` and `context`, "
                "or a function body that returns a bool, a score or {pass, score, reason})"
            )
        negated = kind.startswith("not-") and kind not in CHECKS
        cls = CHECKS.get(kind.removeprefix("not-") if negated else kind)
        if cls is None:
            close = difflib.get_close_matches(kind, check_kinds(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(CHECKS)}"
            raise RubricError(f"check {number} ({escape(kind, 40)}): unknown check type; {hint}")
        params = {
            key: value for key, value in entry.items() if key not in ("type", "weight", "label")
        }
        transform = None if cls.handles_transform else params.pop("transform", None)
        if variables is not None and "value" in params and not cls.kind.startswith("prompt-"):
            params["value"] = _filled(params["value"], variables)
        non_str = [key for key in params if not isinstance(key, str)]
        try:
            if non_str:
                raise RubricError(f"parameter names must be strings, got {non_str[0]!r}")
            check = cls(weight=entry.get("weight", 1.0), **params)
            if negated:
                check = check.negated()
            if transform is not None:
                if cls.kind.startswith("prompt-"):
                    raise RubricError(
                        "'transform' changes the model's output; prompt checks read the prompt"
                    )
                check = scripts.Transformed(check, transform)
            check.label = _label(entry.get("label", ""))
        except RubricError as exc:
            raise RubricError(f"check {number} ({kind}): {exc}") from exc
        checks.append(check)
    return checks
