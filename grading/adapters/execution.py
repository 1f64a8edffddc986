"""Run a submission's model calls and checks: cached, concurrent, bounded per model.

Every model call of a submission (item × sample, then judge calls and embeddings) goes through
one `Executor`. It answers from the response cache when it can: the key is the model, its
parameters, the messages and the sample index, so an unchanged regrade makes no model call and
a new sample index is a new call. What is not cached runs concurrently, at most
`concurrency_for(model)` calls at a time per model. No Django ORM here: the caller reads and
writes rows before and after the event loop.
"""

import asyncio
import dataclasses
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches

from grading.adapters.clients import ModelClient, ModelReply, ModelRequest, ModelUnavailable
from grading.core.types import JudgeCall

logger = logging.getLogger(__name__)

Embedder = Callable[[str, Sequence[str]], Awaitable[list[list[float]]]]


def _digest(kind: str, payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def completion_key(request: ModelRequest, sample_index: int) -> str:
    """The cache key of one model call: model, parameters, messages and sample index."""
    payload: dict[str, Any] = {
        "model": request.model,
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "messages": [dict(message) for message in request.messages],
        "sample": sample_index,
    }
    if request.tools:  # only then: requests without tools keep their cache keys
        payload["tools"] = [dict(tool) for tool in request.tools]
    return _digest("completion", payload)


def embedding_key(model: str, texts: Sequence[str]) -> str:
    return _digest("embedding", {"model": model, "texts": list(texts)})


class ResponseCache:
    """The `responses` cache (Redis in production). A cache failure is a miss, never an error:
    losing the cache costs model calls, not grades."""

    def __init__(self, alias: str = "responses") -> None:
        self.cache = caches[alias]

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        try:
            return self.cache.get_many(list(keys))
        except Exception:
            logger.warning("Response cache unavailable: reading nothing", exc_info=True)
            return {}

    def set_many(self, values: Mapping[str, Any]) -> None:
        if not values:
            return
        try:
            self.cache.set_many(dict(values))
        except Exception:
            logger.warning("Response cache unavailable: storing nothing", exc_info=True)

    def delete_many(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        try:
            self.cache.delete_many(list(keys))
        except Exception:
            logger.warning("Response cache unavailable: could not evict", exc_info=True)

    async def aget(self, key: str) -> Any:
        try:
            return await self.cache.aget(key)
        except Exception:
            logger.warning("Response cache unavailable: reading nothing", exc_info=True)
            return None

    async def aset(self, key: str, value: Any) -> None:
        try:
            await self.cache.aset(key, value)
        except Exception:
            logger.warning("Response cache unavailable: storing nothing", exc_info=True)


@dataclass(frozen=True)
class Served:
    """A model reply and whether it came from the cache."""

    reply: ModelReply
    from_cache: bool


@dataclass
class CallCounts:
    model_calls: int = 0
    model_cached: int = 0
    tool_calls: int = 0
    tool_cached: int = 0


class Executor:
    """One submission's model calls, through the cache and per-model concurrency limits.

    With `offline=True` (re-scoring from stored outputs) a tool call that is not cached raises
    `ModelUnavailable` instead of calling a model.
    """

    def __init__(
        self,
        client: ModelClient,
        cache: ResponseCache | None = None,
        *,
        embedder: Embedder | None = None,
        offline: bool = False,
    ) -> None:
        self.client = client
        self.cache = cache or ResponseCache()
        self.embedder = embedder
        self.offline = offline
        self.counts = CallCounts()
        self.tool_keys: list[str] = []
        """Cache keys of the tool calls made: evicted if the grade ends in an error."""
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def run[T](self, coroutine: Awaitable[T]) -> T:
        """Run `coroutine` in a new event loop, then release the client's connections in it."""

        async def with_cleanup() -> T:
            try:
                return await coroutine
            finally:
                close = getattr(self.client, "aclose", None)
                if close is not None:
                    await close()

        return asyncio.run(with_cleanup())

    def _semaphore(self, model: str) -> asyncio.Semaphore:
        if model not in self._semaphores:
            self._semaphores[model] = asyncio.Semaphore(self.client.concurrency_for(model))
        return self._semaphores[model]

    async def _call(self, request: ModelRequest) -> ModelReply:
        async with self._semaphore(request.model):
            return await self.client.complete(request)

    # --- the learner's prompt on every item × sample -------------------------------------

    async def complete_all(self, requests: Sequence[tuple[ModelRequest, int]]) -> list[Served]:
        """Answer every (request, sample index): cached ones from the cache, the rest by calling
        the models concurrently. Stores new replies in the cache before returning.

        A permanent error wins over a transient one: retrying cannot fix it."""
        keys = [completion_key(request, sample) for request, sample in requests]
        cached = self.cache.get_many(keys)
        missing = [i for i, key in enumerate(keys) if _reply_or_none(cached.get(key)) is None]
        results = await self._call_all([requests[i][0] for i in missing])
        fresh = {i: r for i, r in zip(missing, results, strict=True) if isinstance(r, ModelReply)}
        # Keep what succeeded even if some calls failed: the retry only repeats the failures.
        self.cache.set_many({keys[i]: dataclasses.asdict(reply) for i, reply in fresh.items()})
        self.counts.model_calls += len(missing)
        self.counts.model_cached += len(keys) - len(missing)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            permanent = [e for e in errors if not isinstance(e, ModelUnavailable)]
            raise (permanent or errors)[0]
        return [
            Served(fresh[i], False) if i in fresh else Served(_reply(cached[key]), True)
            for i, key in enumerate(keys)
        ]

    async def _call_all(self, requests: list[ModelRequest]) -> list[ModelReply | BaseException]:
        return await asyncio.gather(*(self._call(r) for r in requests), return_exceptions=True)

    # --- tools the checks call ----------------------------------------------------------

    async def judge(self, call: JudgeCall) -> str:
        """`Tools.judge`: one cached chat completion for an LLM judge."""
        request = ModelRequest(
            model=call.model,
            messages=tuple(dict(message) for message in call.messages),
            temperature=call.temperature,
            max_tokens=call.max_tokens,
        )
        key = "judge-" + completion_key(request, call.attempt)
        self.tool_keys.append(key)
        cached = _reply_or_none(await self.cache.aget(key))
        if cached is not None:
            self.counts.tool_cached += 1
            return cached.text
        if self.offline:
            raise ModelUnavailable("This judge answer is not stored; re-run grading instead.")
        reply = await self._call(request)
        self.counts.tool_calls += 1
        await self.cache.aset(key, dataclasses.asdict(reply))
        return reply.text

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """`Tools.embed`: cached embeddings, one vector per text."""
        if self.embedder is None:
            raise RuntimeError("no embedding client is configured")
        key = embedding_key(model, texts)
        self.tool_keys.append(key)
        cached = await self.cache.aget(key)
        if isinstance(cached, list) and len(cached) == len(texts):
            self.counts.tool_cached += 1
            return cached
        if self.offline:
            raise ModelUnavailable("These embeddings are not stored; re-run grading instead.")
        async with self._semaphore(model):
            vectors = await self.embedder(model, texts)
        self.counts.tool_calls += 1
        await self.cache.aset(key, vectors)
        return vectors

    def forget_tool_calls(self) -> None:
        """Evict this grading's tool answers, so that a retry asks again (after an error)."""
        self.cache.delete_many(self.tool_keys)


def _reply_or_none(value: Any) -> ModelReply | None:
    if not isinstance(value, dict):
        return None
    try:
        return ModelReply(**value)
    except TypeError:  # stored by an older version with other fields: a miss
        return None


def _reply(value: Any) -> ModelReply:
    reply = _reply_or_none(value)
    if reply is None:
        raise ValueError("not a cached reply")
    return reply
