"""Value types shared by the grading core: attempts, tools, check results and grades."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NO_TOOLS",
    "Attempt",
    "CheckResult",
    "CodeJob",
    "CodeReport",
    "JudgeCall",
    "RubricError",
    "ScriptJob",
    "ScriptReport",
    "ToolUnavailable",
    "Tools",
    "Verdict",
]


class RubricError(ValueError):
    """Raised when an exercise's rubric is misconfigured (not when an output fails a check).

    Messages built by ``build_checks`` name the offending check, e.g.
    ``"check 2 (regex): invalid pattern: unterminated character set at position 0"``.
    """


class ToolUnavailable(Exception):
    """A tool (judge, embeddings) failed transiently: grading is retried, never scored.

    Checks let it propagate; the scoring layer re-raises it instead of turning it into a
    check error, so a provider outage becomes a retry rather than a wrong or missing verdict.
    """


@dataclass(frozen=True)
class Attempt:
    """One model run (one test input, one sample): what the checks look at."""

    prompt: str
    """The learner's prompt template, before placeholder substitution."""
    rendered_prompt: str
    """The prompt actually sent to the model (placeholders filled)."""
    output: str
    """The model's text output."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """The test input's variables."""
    system_prompt: str = ""
    """The learner's system prompt template (may be empty)."""
    model: str = ""
    """The model that produced ``output``, as LiteLLM names it."""
    sample_index: int = 0
    latency_ms: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    """What the call cost, from LiteLLM's price table; None when unknown (e.g. a local model)."""
    finish_reason: str = ""
    """Why generation stopped: ``stop``, ``length``, ``content_filter``, ``tool_calls``…"""


@dataclass(frozen=True)
class JudgeCall:
    """One chat completion a check asks the grader's model for (an LLM judge, for instance)."""

    model: str
    messages: tuple[Mapping[str, str], ...]
    temperature: float = 0.0
    max_tokens: int = 512
    attempt: int = 0
    """0 for the first call; 1 for the retry after an unusable answer. Part of the cache key."""


@dataclass(frozen=True)
class CodeJob:
    """Candidate code and the hidden tests to run against it in the sandbox."""

    code: str
    tests: str
    language: str = "python"
    timeout_seconds: float = 5.0
    """Each test's wall-clock limit, starting the candidate's process and importing it included."""
    memory_mb: int = 256
    """Each candidate process's address-space limit."""


@dataclass(frozen=True)
class CodeReport:
    """What the sandbox found: the test counts are computed outside the candidate's process."""

    passed: int
    failed: int
    status: str
    """``ok`` (every test ran), ``timeout`` (the run's wall-clock limit stopped it), ``crashed``
    (the harness stopped early) or ``error`` (the tests could not run: ``passed + failed == 0``).
    A test that hits a limit (time, memory, CPU) fails with that reason; the run stays ``ok``."""
    output: str = ""
    """The candidate's truncated stdout and stderr."""
    failures: tuple[str, ...] = ()
    """One line per failed test, e.g. ``"test_empty: AssertionError"`` or
    ``"test_slow: timed out after 5 s"``; never the message of an exception the code raised."""
    message: str = ""
    """Why the status is not ``ok`` (e.g. a configuration problem), for the grader's log."""


@dataclass(frozen=True)
class ScriptJob:
    """An instructor's Python (a ``python`` check or a ``transform``) to run in the sandbox.

    ``source`` is a module defining ``functions``; the sandbox calls them in turn as
    ``function(value, context)``, the first with ``output``, each next one with what the previous
    returned, and reports the last one's return value."""

    source: str
    functions: tuple[str, ...]
    output: Any
    context: Mapping[str, Any]
    timeout_seconds: float = 5.0
    """Wall-clock limit for the whole job, starting the process and importing included."""
    memory_mb: int = 256


@dataclass(frozen=True)
class ScriptReport:
    """What an instructor's script returned, or why it returned nothing.

    ``status`` is ``ok`` (``value`` is the last function's return value, as JSON data),
    ``failed`` (the script raised, timed out or returned something that is not JSON data:
    ``message`` says so and ``function`` names the function that failed), or ``error`` (the
    sandbox could not run it: a configuration problem, never the script's fault)."""

    status: str
    value: Any = None
    message: str = ""
    function: str = ""
    output: str = ""
    """What the script printed (truncated)."""


@dataclass(frozen=True)
class Tools:
    """What the grading core may use besides the attempt: injected, so the core does no I/O.

    A check that needs a tool that is not provided reports a configuration *error*, not a fail.
    """

    judge: Callable[[JudgeCall], Awaitable[str]] | None = None
    """Run one chat completion for a judge and return its text."""
    embed: Callable[[str, Sequence[str]], Awaitable[list[list[float]]]] | None = None
    """Return one embedding per text, from the named embedding model."""
    run_code: Callable[[CodeJob], Awaitable[CodeReport]] | None = None
    """Run candidate code against hidden tests in the sandbox."""
    run_script: Callable[[ScriptJob], Awaitable[ScriptReport]] | None = None
    """Run an instructor's Python (``python`` checks, ``transform``) in the sandbox."""
    count_tokens: Callable[[str, str], int] | None = None
    """Count the tokens of a text (second argument) with the named model's tokenizer."""
    judge_model: str = ""
    """The default model for LLM judges."""
    tool_definitions: tuple[Mapping[str, Any], ...] = ()
    """The exercise's tools (OpenAI function definitions), for ``is-valid-openai-tools-call``."""
    one_criterion_per_call: frozenset[str] = frozenset()
    """Judge models asked about one criterion per call (small models answer several at once
    unreliably); the others get every criterion in one call."""
    embedding_model: str = ""
    """The default model for embedding similarity."""
    secrets: tuple[str, ...] = ()
    """Hidden inputs and expected outputs: what the learner's prompt must not contain."""
    seed: str = ""
    """A per-submission secret (e.g. for a judge's delimiters); never shown to the learner."""


NO_TOOLS = Tools()


@dataclass(frozen=True)
class Verdict:
    """What a check's evaluation returns before it becomes a ``CheckResult``."""

    passed: bool
    reason: str
    score: float | None = None
    """Defaults to 1.0 when passed and 0.0 otherwise."""
    error: bool = False
    """The check could not reach a verdict (grader failure or configuration); never a fail."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """JSON-compatible extras shown to the learner, e.g. a judge's per-criterion evidence."""
    flagged: bool = False
    """The output tried to manipulate the grader: fails with score 0, even under ``not-``."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of running one check against one attempt.

    Guarantees ``0.0 <= score <= 1.0`` and ``weight > 0`` (raises ``ValueError`` otherwise).
    """

    name: str
    """The check's display name, e.g. ``"contains 'Paris'"``."""
    kind: str
    """The registry key, e.g. ``"contains"``."""
    passed: bool
    score: float
    """0.0 to 1.0."""
    weight: float
    """Strictly positive."""
    reason: str
    """One human-readable line, e.g. ``"Output contains 'Paris'."``."""
    error: bool = False
    """True when the check could not be evaluated: the grade is incomplete, not failed."""
    details: Mapping[str, Any] = field(default_factory=dict)
    flagged: bool = False
    """The output tried to manipulate the grader (e.g. "give full marks"): failed, score 0."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be between 0 and 1, got {self.score!r}")
        if not (self.weight > 0 and math.isfinite(self.weight)):
            raise ValueError(f"weight must be a finite number > 0, got {self.weight!r}")
