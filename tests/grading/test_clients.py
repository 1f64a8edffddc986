"""The model clients against the OpenAI-compatible stub server: the direct client for the
bundled local server and the LiteLLM path must read replies and classify errors alike."""

import asyncio
import json

import pytest

from grading.adapters.clients import LiteLLMClient, ModelRejected, ModelRequest, ModelUnavailable


def client_for(url: str, *, via_litellm: bool, timeout: float = 10) -> LiteLLMClient:
    return LiteLLMClient(
        local_api_base=url,
        timeout=timeout,
        local_concurrency=2,
        remote_concurrency=4,
        local_via_litellm=via_litellm,
    )


def ask(client: LiteLLMClient, text: str, model: str = "local/stub"):  # type: ignore[no-untyped-def]
    async def call():  # type: ignore[no-untyped-def]
        try:
            return await client.complete(
                ModelRequest(model, ({"role": "user", "content": text},), 0.0, 32)
            )
        finally:
            await client.aclose()

    return asyncio.run(call())


both_paths = pytest.mark.parametrize("via_litellm", [False, True], ids=["direct", "litellm"])


@both_paths
def test_a_reply_carries_text_usage_version_and_the_raw_response(stub_model, via_litellm):
    reply = ask(client_for(stub_model.url, via_litellm=via_litellm), "three little words")
    assert reply.text == "three little words"
    assert reply.finish_reason == "stop"
    assert (reply.prompt_tokens, reply.completion_tokens) == (3, 3)
    assert "stub" in reply.model_version
    assert reply.raw["choices"][0]["message"]["content"] == "three little words"
    assert reply.cost_usd == 0.0  # our own server: nothing to pay
    assert reply.latency_ms >= 0


@both_paths
@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (503, ModelUnavailable, "unavailable"),
        (500, ModelUnavailable, "unavailable"),
        (429, ModelUnavailable, "unavailable"),
        (401, ModelRejected, "credentials"),
        (404, ModelRejected, "not found"),
        (400, ModelRejected, "rejected the request"),
    ],
)
def test_http_errors_are_classified_the_same_way_on_both_paths(
    stub_model, via_litellm, status, error, message
):
    with pytest.raises(error, match=message):
        ask(client_for(stub_model.url, via_litellm=via_litellm), f"[[stub:status={status}]]")


@both_paths
def test_an_unreachable_server_is_transient(via_litellm):
    with pytest.raises(ModelUnavailable):
        ask(client_for("http://127.0.0.1:9/v1", via_litellm=via_litellm), "hello")


@both_paths
def test_a_slow_server_times_out_as_transient(stub_model, via_litellm):
    client = client_for(stub_model.url, via_litellm=via_litellm, timeout=0.5)
    with pytest.raises(ModelUnavailable):
        ask(client, "[[stub:sleep=3]] hello")


def test_litellm_prices_a_remote_models_reply():
    client = LiteLLMClient(
        local_api_base="http://127.0.0.1:9/v1",
        timeout=5,
        local_concurrency=1,
        remote_concurrency=4,
        mock_response="Paris is the capital.",
    )
    reply = ask(client, "Capital of France?", model="openai/gpt-4o-mini")
    assert reply.text == "Paris is the capital."
    assert reply.cost_usd is not None
    assert reply.cost_usd > 0


def test_the_direct_client_works_across_event_loops_without_being_closed(stub_model):
    # Each grading runs its own event loop; a loop that ends without `aclose` must not leave
    # a session behind that a later loop (which may reuse the same id) tries to use.
    client = client_for(stub_model.url, via_litellm=False)
    request = ModelRequest("local/stub", ({"role": "user", "content": "again"},), 0.0, 8)
    for _ in range(3):
        assert asyncio.run(client.local.complete(request)).text == "again"


@both_paths
def test_a_quick_transient_failure_is_retried_within_the_call(stub_model, via_litellm):
    client = LiteLLMClient(
        local_api_base=stub_model.url,
        timeout=10,
        local_concurrency=1,
        remote_concurrency=1,
        local_via_litellm=via_litellm,
        retries=2,
    )
    text = f"[[stub:fail-first=2]] retried {via_litellm}"
    assert ask(client, text).text == text


@both_paths
def test_retries_give_up_after_the_configured_number(stub_model, via_litellm):
    client = LiteLLMClient(
        local_api_base=stub_model.url,
        timeout=10,
        local_concurrency=1,
        remote_concurrency=1,
        local_via_litellm=via_litellm,
        retries=1,
    )
    with pytest.raises(ModelUnavailable):
        ask(client, f"[[stub:fail-first=9]] not enough {via_litellm}")


def test_tool_calls_become_the_json_output_promptfoo_checks():
    from grading.adapters.clients import tool_calls_text

    calls = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]
    assert json.loads(tool_calls_text(calls)) == calls
    assert tool_calls_text(None) == ""
    assert tool_calls_text([]) == ""
