import asyncio
from collections.abc import Callable

from grading.adapters.clients import ModelReply, ModelRequest


class FakeModelClient:
    """Answers each request with `answer(request)`; records calls and peak concurrency."""

    def __init__(
        self,
        answer: Callable[[ModelRequest], str] | None = None,
        *,
        concurrency: int = 4,
        delay: float = 0.0,
        error: Exception | None = None,
    ) -> None:
        self.answer = answer or (lambda request: request.messages[-1]["content"])
        self.concurrency = concurrency
        self.delay = delay
        self.error = error
        self.requests: list[ModelRequest] = []
        self.in_flight = 0
        self.peak_in_flight = 0

    def concurrency_for(self, model: str) -> int:
        return self.concurrency

    async def complete(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if self.error is not None:
                raise self.error
            text = self.answer(request)
        finally:
            self.in_flight -= 1
        return ModelReply(
            text=text, finish_reason="stop", prompt_tokens=7, completion_tokens=3, latency_ms=5
        )
