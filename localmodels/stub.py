"""An OpenAI-compatible stub model server on 127.0.0.1, for tests and benchmarks.

It answers /v1/chat/completions by echoing the last user message, after an optional delay, so
a test controls the "model output" through the prompt. A message containing `[[stub:status=N]]`
gets HTTP status N instead (e.g. 500 for a transient failure, 401 for a permanent one), and one
containing `[[stub:sleep=S]]` is answered S seconds later; the first N requests with a message
containing `[[stub:fail-first=N]]` get a 503 (a transient failure that a retry gets past).
Run alone: `python -m localmodels.stub --port 8099 --latency 0.2`."""

import argparse
import asyncio
import re
import threading
import time
from typing import Any

from aiohttp import web

STATUS_MARKER = re.compile(r"\[\[stub:status=(\d{3})\]\]")
SLEEP_MARKER = re.compile(r"\[\[stub:sleep=(\d+(?:\.\d+)?)\]\]")
FAIL_FIRST_MARKER = re.compile(r"\[\[stub:fail-first=(\d+)\]\]")


def _reply_body(request_body: dict[str, Any], text: str) -> dict[str, Any]:
    prompt_words = sum(len(str(m.get("content", "")).split()) for m in request_body["messages"])
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request_body.get("model", "stub"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": len(text.split()),
            "total_tokens": prompt_words + len(text.split()),
        },
    }


def build_app(*, latency: float, received: list[dict[str, Any]] | None = None) -> web.Application:
    seen: dict[str, int] = {}  # how often each `fail-first` prompt was asked

    async def chat_completions(request: web.Request) -> web.Response:
        body = await request.json()
        if received is not None:
            received.append(body)
        if latency:
            await asyncio.sleep(latency)
        user_messages = [m for m in body["messages"] if m.get("role") == "user"]
        text = str(user_messages[-1]["content"]) if user_messages else ""
        sleep = SLEEP_MARKER.search(text)
        if sleep:
            await asyncio.sleep(float(sleep.group(1)))
        fail_first = FAIL_FIRST_MARKER.search(text)
        if fail_first:
            seen[text] = seen.get(text, 0) + 1
            if seen[text] <= int(fail_first.group(1)):
                error = {"error": {"message": "stub transient failure", "type": "stub"}}
                return web.json_response(error, status=503)
        marker = STATUS_MARKER.search(text)
        if marker:
            status = int(marker.group(1))
            rejection = {
                "error": {"message": f"stub status {status}", "type": "stub", "code": status}
            }
            return web.json_response(rejection, status=status)
        return web.json_response(_reply_body(body, text))

    async def models(_request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "stub", "object": "model"}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/v1/models", models)
    return app


class StubModelServer:
    """The stub server running in a background thread; `url` is its OpenAI base URL."""

    def __init__(self, *, latency: float = 0.0, port: int = 0) -> None:
        self.latency = latency
        self.port = port
        self.received: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "StubModelServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(build_app(latency=self.latency, received=self.received))
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr,attr-defined]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localmodels.stub")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    web.run_app(build_app(latency=args.latency), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
