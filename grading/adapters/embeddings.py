"""The real embedding client: every embedding call goes through LiteLLM.

`embed(model, texts)` has the shape of `grading.core.types.Tools.embed`. A `local/<name>` model
goes to the bundled embedding server (PROMPTCRAFT_LOCAL_EMBEDDING_URL, see
localmodels/embedding_server.py); any other model string goes to LiteLLM as is, which reads the
provider's key from its usual environment variable. Failures raise the same errors as model
calls (``clients.py``): ModelUnavailable when retrying may help, ModelRejected when not."""

import math
from collections.abc import Sequence
from typing import Any

from grading.adapters.clients import LOCAL_PREFIX, ModelUnavailable, classify_error


class LiteLLMEmbedder:
    """Embeds texts with any LiteLLM embedding model; `local/<name>` goes to the local server."""

    def __init__(self, *, local_api_base: str, timeout: float, retries: int = 0) -> None:
        self.local_api_base = local_api_base
        self.timeout = timeout
        self.retries = retries

    def _call_arguments(self, model: str, texts: Sequence[str]) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": model,
            "input": list(texts),
            "timeout": self.timeout,
            # Quick retries of this call; the Celery task retries the submission after that.
            "num_retries": self.retries,
        }
        if model.startswith(LOCAL_PREFIX):
            arguments["model"] = "openai/" + model.removeprefix(LOCAL_PREFIX)
            arguments["api_base"] = self.local_api_base
            arguments["api_key"] = "local-model-needs-no-key"
            arguments["encoding_format"] = "float"
        return arguments

    async def __call__(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Return one embedding per text, in order (an empty list for no texts).

        Guarantees as many vectors as texts, each a non-empty list of finite floats, all of
        the same length; anything else raises ModelUnavailable."""
        if not texts:
            return []
        import litellm  # slow to import (seconds): only where a model is really called

        try:
            response = await litellm.aembedding(**self._call_arguments(model, texts))
        except Exception as error:
            raise classify_error(error, model) from error
        return _vectors(response, model, len(texts))


def _vectors(response: Any, model: str, expected: int) -> list[list[float]]:
    items = list(getattr(response, "data", None) or [])
    if len(items) != expected:
        raise ModelUnavailable(
            f"The embedding model {model} returned {len(items)} embeddings for {expected} texts."
        )

    def field(item: Any, name: str) -> Any:
        return item.get(name) if isinstance(item, dict) else getattr(item, name, None)

    # The OpenAI format numbers the embeddings; a server may list them in any order.
    ordered = sorted(items, key=lambda item: field(item, "index") or 0)
    vectors: list[list[float]] = []
    for item in ordered:
        raw = field(item, "embedding")
        try:
            vector = [float(value) for value in raw]
        except (TypeError, ValueError):
            raise ModelUnavailable(
                f"The embedding model {model} returned an embedding that is not a list of numbers."
            ) from None
        if not vector or not all(math.isfinite(value) for value in vector):
            raise ModelUnavailable(f"The embedding model {model} returned an unusable embedding.")
        vectors.append(vector)
    if len({len(vector) for vector in vectors}) > 1:
        raise ModelUnavailable(f"The embedding model {model} returned vectors of mixed lengths.")
    return vectors


def default_embedder() -> LiteLLMEmbedder:
    """The embedder configured by settings."""
    from django.conf import settings

    return LiteLLMEmbedder(
        local_api_base=settings.PROMPTCRAFT_LOCAL_EMBEDDING_URL,
        timeout=settings.PROMPTCRAFT_MODEL_TIMEOUT,
        retries=settings.PROMPTCRAFT_MODEL_RETRIES,
    )


async def embed(model: str, texts: Sequence[str]) -> list[list[float]]:
    """Embed `texts` with `model` as configured by settings; usable as `Tools.embed`."""
    return await default_embedder()(model, texts)
