"""Find and fill ``{{ name }}`` placeholders in prompt templates.

This is deliberately not a template engine: substitution is a single regex pass, so a
variable's value is inserted verbatim and a ``{{x}}`` inside a value is never expanded. There is
no escape syntax for literal ``{{``; text that is not a valid placeholder is left untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["PLACEHOLDER", "MissingVariable", "fill_value", "placeholders", "render_prompt"]

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""Matches ``{{name}}`` or ``{{ name }}``; group 1 is the variable name."""


class MissingVariable(Exception):
    """Raised when a template uses a placeholder the test input has no variable for.

    ``name`` is the first missing variable (in template order); ``names`` lists all of them.
    """

    def __init__(self, name: str, names: tuple[str, ...] = ()) -> None:
        self.name = name
        self.names = names or (name,)
        listed = ", ".join(f"{{{{{n}}}}}" for n in self.names)
        noun = "placeholder" if len(self.names) == 1 else "placeholders"
        super().__init__(f"the prompt uses {noun} {listed} but the test input has no such variable")

    def __reduce__(self) -> tuple[type[MissingVariable], tuple[str, tuple[str, ...]]]:
        # Keeps the exception picklable (e.g. across a task queue) despite the custom __init__.
        return (type(self), (self.name, self.names))


def placeholders(template: str) -> frozenset[str]:
    """Return the names of every ``{{ name }}`` placeholder in ``template``."""
    return frozenset(match.group(1) for match in PLACEHOLDER.finditer(template))


def render_prompt(template: str, variables: Mapping[str, str]) -> str:
    """Fill every placeholder of ``template`` from ``variables`` in one pass.

    Guarantees values are inserted verbatim (never re-expanded) and extra variables are ignored.
    Raises ``MissingVariable`` if a placeholder has no variable, and ``TypeError`` if a value
    it needs is not a string.
    """
    missing = tuple(
        dict.fromkeys(
            m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1) not in variables
        )
    )
    if missing:
        raise MissingVariable(missing[0], missing)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = variables[name]
        if not isinstance(value, str):
            raise TypeError(f"variable {name!r} must be a string, got {type(value).__name__}")
        return value

    return PLACEHOLDER.sub(substitute, template)


def fill_value(template: str, variables: Mapping[str, object]) -> str:
    """Fill the placeholders of a check's ``value`` as promptfoo does with the test's vars.

    Unlike ``render_prompt``, an unknown placeholder becomes the empty string (nunjucks renders
    an undefined variable as nothing) and non-string values are inserted as their text.
    """

    def substitute(match: re.Match[str]) -> str:
        value = variables.get(match.group(1))
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    return PLACEHOLDER.sub(substitute, template)
