"""An OpenAI-compatible embeddings server for the bundled embedding model, on loopback only.

`python -m localmodels serve-embeddings [--port 8012]` serves:
  POST /v1/embeddings  {"model": "all-minilm-l6-v2", "input": "text" | ["text", …],
                        "encoding_format": "float" | "base64"}
  GET  /v1/models, GET /health

Texts are embedded as given (all-MiniLM-L6-v2 has no "query: "/"passage: " prefixes) and
vectors have unit length, so a dot product is their cosine similarity. The server has no
authentication and each request costs CPU, so it only binds to a loopback address."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from aiohttp import web

from .embedding import Encoder

DEFAULT_PORT = 8012
MAX_INPUTS = 256  # texts per request
MAX_BODY_BYTES = 8 * 1024 * 1024


class NotLoopback(ValueError):
    """The server was asked to listen on an address other machines could reach."""


def require_loopback(host: str) -> str:
    """Return ``host`` if it is a loopback address (or "localhost"), else raise NotLoopback."""
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise NotLoopback(
        f"refusing to listen on {host!r}: the embedding server has no authentication, "
        "so it only binds to a loopback address such as 127.0.0.1"
    )


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind}}, status=status)


def _texts_from(body: Any) -> list[str] | str:
    """The request's texts, or an error message."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        return "'input' must be a string or a list of strings (token arrays are not supported)"
    if not texts:
        return "'input' must not be empty"
    if len(texts) > MAX_INPUTS:
        return f"'input' has {len(texts)} texts; at most {MAX_INPUTS} per request"
    return texts


def build_app(encoder: Encoder) -> web.Application:
    model_name = encoder.model.name
    # One forward pass at a time: NumPy already uses every core for one, and a queue keeps
    # memory bounded. The event loop stays free to accept and reject requests meanwhile.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")

    async def embeddings(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the body is not valid JSON")
        texts = _texts_from(body)
        if isinstance(texts, str):
            return _error(400, texts)
        requested = body.get("model")
        if requested not in (None, "", model_name):
            return _error(404, f"model {requested!r} not found; this server has {model_name!r}")
        encoding_format = body.get("encoding_format") or "float"
        if encoding_format not in ("float", "base64"):
            return _error(400, "'encoding_format' must be 'float' or 'base64'")

        def run() -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
            return encoder.encode(texts), encoder.count_tokens(texts)

        vectors, tokens = await asyncio.get_running_loop().run_in_executor(executor, run)
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": (
                    base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
                    if encoding_format == "base64"
                    else vector.tolist()
                ),
            }
            for index, vector in enumerate(vectors)
        ]
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": model_name,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def models(_request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": model_name, "object": "model", "owned_by": "local"}]}
        )

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def shutdown(_app: web.Application) -> None:
        executor.shutdown(wait=False, cancel_futures=True)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/health", health)
    app.on_shutdown.append(shutdown)
    return app


def serve(host: str, port: int) -> None:
    """Verify and load the model, then serve until interrupted (SIGINT or SIGTERM)."""
    require_loopback(host)
    encoder = Encoder()
    print(f"Serving embedding model {encoder.model.name} on http://{host}:{port}/v1", flush=True)
    web.run_app(build_app(encoder), host=host, port=port, print=None, access_log=None)
