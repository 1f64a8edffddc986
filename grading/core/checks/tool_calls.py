"""``is-valid-openai-tools-call``: the output is a list of tool calls that match their tools.

When the model answers with tool calls, the grader's output is their JSON list, as promptfoo's
output is: ``[{"id", "type": "function", "function": {"name", "arguments"}}]`` (``arguments`` a
JSON string, or an object). The check passes when there is at least one call, every call names
one of the tools (OpenAI function definitions: the exercise's, or the check's own ``tools``),
and its arguments validate against that tool's ``parameters`` JSON Schema. An object with a
``tool_calls`` list, or a single call object, is read the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry

from grading.core.checks.base import (
    JSON_REASON_MAX_CHARS,
    Check,
    one_line,
    quote,
    quote_list,
    register,
)
from grading.core.types import Attempt, RubricError, Tools, Verdict

__all__ = ["IsValidOpenaiToolsCall", "validate_tool_definitions"]

TOOL_CALLS_MAX_INPUT_CHARS = 200_000


def validate_tool_definitions(tools: Any) -> dict[str, Mapping[str, Any] | None]:
    """Return each function's ``parameters`` schema by name; raise RubricError on a bad list."""
    if not isinstance(tools, Sequence) or isinstance(tools, str):
        raise RubricError("tools must be a list of OpenAI function definitions")
    schemas: dict[str, Mapping[str, Any] | None] = {}
    for number, tool in enumerate(tools, start=1):
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if (
            not isinstance(tool, Mapping)
            or tool.get("type") != "function"
            or not isinstance(function, Mapping)
        ):
            raise RubricError(f'tool {number}: must be {{"type": "function", "function": {{…}}}}')
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise RubricError(f"tool {number}: the function needs a name")
        parameters = function.get("parameters")
        if parameters is None:
            # promptfoo fails every call to a tool declared without a parameters schema.
            if name in schemas:
                raise RubricError(f"tool {number}: a second function named {name!r}")
            schemas[name] = None
            continue
        if not isinstance(parameters, Mapping):
            raise RubricError(f"tool {number} ({name}): 'parameters' must be a JSON Schema object")
        try:
            jsonschema.Draft202012Validator.check_schema(parameters)
        except jsonschema.SchemaError as exc:
            raise RubricError(
                f"tool {number} ({name}): invalid parameters schema: {exc.message}"
            ) from exc
        if name in schemas:
            raise RubricError(f"tool {number}: a second function named {name!r}")
        schemas[name] = parameters
    return schemas


def _calls(text: str) -> list[Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, Mapping) and isinstance(data.get("tool_calls"), list):
        return list(data["tool_calls"])
    if isinstance(data, Mapping) and "function" in data:
        return [data]
    return list(data) if isinstance(data, list) else None


@register
class IsValidOpenaiToolsCall(Check):
    """Pass when the output is tool calls that match the tools' JSON Schemas (see module)."""

    kind = "is-valid-openai-tools-call"
    allowed = frozenset({"tools"})
    required = frozenset()

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.schemas = validate_tool_definitions(params["tools"]) if "tools" in params else None

    @property
    def name(self) -> str:
        return "is a valid tools call"

    def _evaluate_with(self, attempt: Attempt, tools: Tools) -> Verdict:
        schemas = self.schemas
        if schemas is None:
            try:
                schemas = validate_tool_definitions(tools.tool_definitions)
            except RubricError as exc:
                return Verdict(False, f"The exercise's tools are invalid: {exc}.", error=True)
        if not schemas:
            return Verdict(False, "The exercise declares no tools to call.", error=True)
        calls = _calls(attempt.output[:TOOL_CALLS_MAX_INPUT_CHARS].strip())
        if calls is None:
            return Verdict(False, "Output is not a list of tool calls.")
        if not calls:
            return Verdict(False, "Output calls no tool.")
        for number, call in enumerate(calls, start=1):
            problem = self._problem(call, schemas)
            if problem:
                return Verdict(
                    False, one_line(f"Tool call {number} {problem}.", JSON_REASON_MAX_CHARS)
                )
        names = [call["function"]["name"] for call in calls]
        return Verdict(True, f"Output calls {quote_list(names)} with valid arguments.")

    def _problem(self, call: Any, schemas: Mapping[str, Mapping[str, Any] | None]) -> str:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping):
            return "has no function"
        name = function.get("name")
        if not isinstance(name, str) or name not in schemas:
            return f"calls {quote(str(name))}, which is not one of {quote_list(sorted(schemas))}"
        schema = schemas[name]
        if schema is None:
            return f"calls {quote(name)}, whose tool declares no parameters schema"
        arguments = function.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except (ValueError, RecursionError):
                return f"to {quote(str(name))} has arguments that are not JSON"
        validator = jsonschema.Draft202012Validator(schema, registry=Registry())
        try:
            error = best_match(validator.iter_errors(arguments))
        except RecursionError:
            return f"to {quote(str(name))} has arguments nested too deeply"
        if error is not None:
            return f"to {quote(str(name))} does not match its schema: {error.message}"
        return ""
