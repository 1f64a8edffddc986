"""The real model client: every model call goes through LiteLLM. Only services construct it;
tests pass fakes or LiteLLM's `mock_response`."""

import os
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

# Importing litellm otherwise fetches a price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from grading.core.types import ToolUnavailable

LOCAL_PREFIX = "local/"


@dataclass(frozen=True)
class ModelRequest:
    model: str
    messages: tuple[dict[str, str], ...]
    temperature: float
    max_tokens: int


@dataclass(frozen=True)
class ModelReply:
    text: str
    finish_reason: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    cost_usd: float | None = None
    """From LiteLLM's price table; 0 for the local model; None when the price is unknown."""
    model_version: str = ""
    """What the provider says answered (its model name and system fingerprint)."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The provider's response as JSON, kept for provenance."""


class ModelError(Exception):
    """A model call failed; the message is safe to show to the learner."""


class ModelUnavailable(ModelError, ToolUnavailable):
    """A transient failure (timeout, connection refused, rate limit, 5xx): worth retrying."""


class ModelRejected(ModelError):
    """A permanent failure (bad key, unknown model, request too long): retrying cannot help."""


class ModelClient(Protocol):
    def concurrency_for(self, model: str) -> int: ...

    async def complete(self, request: ModelRequest) -> ModelReply: ...


class LiteLLMClient:
    """Calls any LiteLLM model; `local/<name>` goes to the bundled llama.cpp server."""

    def __init__(
        self,
        *,
        local_api_base: str,
        timeout: float,
        local_concurrency: int,
        remote_concurrency: int,
        mock_response: str | None = None,
    ) -> None:
        self.local_api_base = local_api_base
        self.timeout = timeout
        self.local_concurrency = local_concurrency
        self.remote_concurrency = remote_concurrency
        self.mock_response = mock_response

    def concurrency_for(self, model: str) -> int:
        return self.local_concurrency if model.startswith(LOCAL_PREFIX) else self.remote_concurrency

    def _call_arguments(self, request: ModelRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": request.model,
            "messages": [dict(message) for message in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "timeout": self.timeout,
            # Retries are the Celery task's job, with backoff across the whole submission.
            "num_retries": 0,
        }
        if request.model.startswith(LOCAL_PREFIX):
            arguments["model"] = "openai/" + request.model.removeprefix(LOCAL_PREFIX)
            arguments["api_base"] = self.local_api_base
            arguments["api_key"] = "local-model-needs-no-key"
        if self.mock_response is not None:
            arguments["mock_response"] = self.mock_response
        return arguments

    async def complete(self, request: ModelRequest) -> ModelReply:
        import litellm  # slow to import (seconds): only where a model is really called

        started = time.monotonic()
        try:
            response = await litellm.acompletion(**self._call_arguments(request))
        except Exception as error:
            raise classify_error(error, request.model) from error
        latency_ms = round((time.monotonic() - started) * 1000)
        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        version = " ".join(
            str(part)
            for part in (
                getattr(response, "model", ""),
                getattr(response, "system_fingerprint", ""),
            )
            if part
        )
        return ModelReply(
            text=choice.message.content or "",
            finish_reason=str(choice.finish_reason or ""),
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            latency_ms=latency_ms,
            cost_usd=self._cost(response, request.model),
            model_version=version[:200],
            raw=_as_json(response),
        )

    def _cost(self, response: Any, model: str) -> float | None:
        if model.startswith(LOCAL_PREFIX):
            return 0.0  # our own server: no provider bill
        import litellm

        try:
            return float(litellm.completion_cost(completion_response=response))
        except Exception:  # LiteLLM raises for models missing from its price table
            return None


def _as_json(response: Any) -> dict[str, Any]:
    """The response as plain JSON (for storage), or {} if the object cannot be dumped."""
    try:
        dumped = response.model_dump(mode="json")
    except Exception:  # a mock or an unexpected object: provenance is best effort
        return {}
    return dumped if isinstance(dumped, dict) else {}


def classify_error(error: Exception, model: str) -> ModelError:
    """Turn a LiteLLM exception into a transient or permanent error with a learner-safe message.

    The provider's own message can contain request details, so only its class name is kept."""
    from litellm import exceptions as llm

    transient = (
        llm.Timeout,
        llm.APIConnectionError,
        llm.RateLimitError,
        llm.ServiceUnavailableError,
        llm.InternalServerError,
        llm.BadGatewayError,
    )
    kind = type(error).__name__
    if isinstance(error, llm.ContextWindowExceededError):
        return ModelRejected(f"The prompt is too long for {model}.")
    if isinstance(error, llm.AuthenticationError | llm.PermissionDeniedError):
        return ModelRejected(f"The grading model {model} rejected our credentials ({kind}).")
    if isinstance(error, llm.NotFoundError):
        return ModelRejected(f"The grading model {model} was not found.")
    if isinstance(error, transient):
        return ModelUnavailable(f"The grading model {model} is unavailable right now ({kind}).")
    if isinstance(error, llm.BadRequestError | llm.UnprocessableEntityError):
        return ModelRejected(f"The grading model {model} rejected the request ({kind}).")
    if isinstance(error, llm.APIError):
        return ModelUnavailable(f"The grading model {model} failed ({kind}).")
    return ModelRejected(f"Calling {model} failed ({kind}).")


def default_client() -> LiteLLMClient:
    """The client configured by settings."""
    from django.conf import settings

    return LiteLLMClient(
        local_api_base=settings.PROMPTCRAFT_LOCAL_MODEL_URL,
        timeout=settings.PROMPTCRAFT_MODEL_TIMEOUT,
        local_concurrency=settings.PROMPTCRAFT_LOCAL_CONCURRENCY,
        remote_concurrency=settings.PROMPTCRAFT_REMOTE_CONCURRENCY,
    )
