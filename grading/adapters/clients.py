"""The real model client: every model call goes through LiteLLM. Only services construct it;
tests pass fakes or LiteLLM's `mock_response`."""

import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from grading.core.types import ToolUnavailable

LOCAL_PREFIX = "local/"


@dataclass(frozen=True)
class ModelRequest:
    model: str
    messages: tuple[dict[str, str], ...]
    temperature: float
    max_tokens: int
    tools: tuple[dict[str, Any], ...] = ()
    """OpenAI function definitions the model may call (the exercise's tools)."""


@dataclass(frozen=True)
class ModelReply:
    text: str
    finish_reason: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int | None
    """None only for a reply re-scored from a run stored without its latency."""
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


class LocalServerClient:
    """Talks to the bundled model server (llama.cpp's OpenAI-compatible API) directly.

    LiteLLM's per-call bookkeeping (price lookups, logging hooks, provider dispatch) costs
    about 3 ms of CPU per call, more than the rest of grading an item; for a server we run
    ourselves on 127.0.0.1 it buys nothing. Errors are classified as LiteLLM's are: connection
    failures, timeouts, 429 and 5xx are transient; other 4xx are permanent.
    """

    def __init__(self, *, api_base: str, timeout: float, retries: int = 0) -> None:
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self._sessions: dict[int, tuple[Any, Any]] = {}

    def _session(self) -> Any:
        """One HTTP session per event loop (a session cannot outlive its loop). A loop that
        ended without `aclose` leaves a stale entry: replaced, never reused."""
        import asyncio

        import aiohttp

        loop = asyncio.get_running_loop()
        stored = self._sessions.get(id(loop))
        if stored is None or stored[0] is not loop or stored[1].closed:
            session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=0),
            )
            self._sessions[id(loop)] = (loop, session)
            return session
        return stored[1]

    async def aclose(self) -> None:
        import asyncio

        stored = self._sessions.pop(id(asyncio.get_running_loop()), None)
        if stored is not None:
            await stored[1].close()

    async def complete(self, request: ModelRequest) -> ModelReply:
        """One call, retried up to `retries` times after a quick transient failure (a refused
        connection, 429, 5xx) — not after a timeout, which already waited its full time."""
        import asyncio

        for attempt in range(self.retries + 1):
            try:
                return await self._complete_once(request)
            except ModelUnavailable as error:
                if attempt == self.retries or "(Timeout)" in str(error):
                    raise
                await asyncio.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")

    async def _complete_once(self, request: ModelRequest) -> ModelReply:
        import aiohttp

        name = request.model.removeprefix(LOCAL_PREFIX)
        body = {
            "model": name,
            "messages": [dict(message) for message in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.tools:
            body["tools"] = [dict(tool) for tool in request.tools]
        started = time.monotonic()
        try:
            async with self._session().post(
                f"{self.api_base}/chat/completions", json=body
            ) as response:
                status = response.status
                payload = await response.json(content_type=None) if status == 200 else None
        except TimeoutError:
            raise ModelUnavailable(
                f"The grading model {request.model} is unavailable right now (Timeout)."
            ) from None
        except (aiohttp.ClientError, OSError, ValueError) as error:
            kind = type(error).__name__
            raise ModelUnavailable(
                f"The grading model {request.model} is unavailable right now ({kind})."
            ) from error
        if status != 200:
            raise _http_error(status, request.model)
        return _reply_from_json(payload, request.model, round((time.monotonic() - started) * 1000))


def tool_calls_text(tool_calls: Any) -> str:
    """A reply's tool calls as the output the checks see, as promptfoo does: the JSON list of
    ``{"id", "type", "function": {"name", "arguments"}}``; "" when the model called no tool."""
    if not isinstance(tool_calls, list) or not tool_calls:
        return ""
    calls = []
    for call in tool_calls:
        if not isinstance(call, dict):
            continue
        found = call.get("function")
        function: dict[str, Any] = found if isinstance(found, dict) else {}
        calls.append(
            {
                "id": call.get("id", ""),
                "type": call.get("type", "function"),
                "function": {
                    "name": function.get("name", ""),
                    "arguments": function.get("arguments", ""),
                },
            }
        )
    return json.dumps(calls, ensure_ascii=False) if calls else ""


def _http_error(status: int, model: str) -> ModelError:
    """The same classification LiteLLM's exception types get in `classify_error`."""
    if status == 429 or status >= 500:
        return ModelUnavailable(
            f"The grading model {model} is unavailable right now (HTTP {status})."
        )
    if status in (401, 403):
        return ModelRejected(f"The grading model {model} rejected our credentials (HTTP {status}).")
    if status == 404:
        return ModelRejected(f"The grading model {model} was not found.")
    return ModelRejected(f"The grading model {model} rejected the request (HTTP {status}).")


def _reply_from_json(payload: Any, model: str, latency_ms: int) -> ModelReply:
    try:
        choice = payload["choices"][0]
        text = tool_calls_text(choice["message"].get("tool_calls")) or (
            choice["message"].get("content") or ""
        )
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ModelUnavailable(f"The grading model {model} sent a malformed response.") from None
    usage = payload.get("usage") or {}
    version = " ".join(
        str(part) for part in (payload.get("model"), payload.get("system_fingerprint")) if part
    )
    return ModelReply(
        text=str(text),
        finish_reason=str(choice.get("finish_reason") or ""),
        prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"),
        latency_ms=latency_ms,
        cost_usd=0.0,  # our own server: no provider bill
        model_version=version[:200],
        raw=payload if isinstance(payload, dict) else {},
    )


class LiteLLMClient:
    """Calls any LiteLLM model; `local/<name>` goes to the bundled llama.cpp server, directly
    (see LocalServerClient) unless `local_via_litellm`."""

    def __init__(
        self,
        *,
        local_api_base: str,
        timeout: float,
        local_concurrency: int,
        remote_concurrency: int,
        mock_response: str | None = None,
        local_via_litellm: bool = False,
        retries: int = 0,
    ) -> None:
        self.local_api_base = local_api_base
        self.local_via_litellm = local_via_litellm
        self.timeout = timeout
        self.local_concurrency = local_concurrency
        self.remote_concurrency = remote_concurrency
        self.mock_response = mock_response
        self.retries = retries
        self.local = LocalServerClient(api_base=local_api_base, timeout=timeout, retries=retries)

    def concurrency_for(self, model: str) -> int:
        return self.local_concurrency if model.startswith(LOCAL_PREFIX) else self.remote_concurrency

    def _call_arguments(self, request: ModelRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": request.model,
            "messages": [dict(message) for message in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "timeout": self.timeout,
            # Quick retries of this call (LiteLLM needs `tenacity` for them); the Celery task
            # retries the submission with backoff after that, repeating only failed calls.
            "num_retries": self.retries,
        }
        if request.tools:
            arguments["tools"] = [dict(tool) for tool in request.tools]
        if request.model.startswith(LOCAL_PREFIX):
            arguments["model"] = "openai/" + request.model.removeprefix(LOCAL_PREFIX)
            arguments["api_base"] = self.local_api_base
            arguments["api_key"] = "local-model-needs-no-key"
        if self.mock_response is not None:
            arguments["mock_response"] = self.mock_response
        return arguments

    async def aclose(self) -> None:
        await self.local.aclose()

    async def complete(self, request: ModelRequest) -> ModelReply:
        direct = self.mock_response is None and not self.local_via_litellm
        if direct and request.model.startswith(LOCAL_PREFIX):
            return await self.local.complete(request)
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
        raw = _as_json(response)
        calls = ((raw.get("choices") or [{}])[0].get("message") or {}).get("tool_calls")
        return ModelReply(
            text=tool_calls_text(calls) or choice.message.content or "",
            finish_reason=str(choice.finish_reason or ""),
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            latency_ms=latency_ms,
            cost_usd=self._cost(response, request.model),
            model_version=version[:200],
            raw=raw,
        )

    def _cost(self, response: Any, model: str) -> float | None:
        if model.startswith(LOCAL_PREFIX):
            return 0.0  # our own server: no provider bill
        # LiteLLM prices every response it returns (`completion_cost`); reuse that figure.
        cost = (getattr(response, "_hidden_params", None) or {}).get("response_cost")
        return float(cost) if isinstance(cost, int | float) else None


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
        retries=settings.PROMPTCRAFT_MODEL_RETRIES,
    )


def token_count(model: str, text: str) -> int:
    """Tokens in `text` for `model`, with LiteLLM's tokenizer for it (bundled; no download)."""
    import litellm

    return int(litellm.token_counter(model=model, text=text))
