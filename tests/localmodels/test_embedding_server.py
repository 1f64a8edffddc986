"""The embedding server and grading.adapters.embeddings, with a fake encoder in place of the model:
requests go through LiteLLM over real HTTP on 127.0.0.1, so the wire format is what the real
server speaks."""

import asyncio
import base64
import json
import math
import struct
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web

from grading.adapters.clients import ModelRejected, ModelUnavailable
from grading.adapters.embeddings import LiteLLMEmbedder, embed
from localmodels.embedding import erf, read_safetensors
from localmodels.embedding_server import MAX_INPUTS, NotLoopback, build_app, require_loopback
from scripts import processes

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class FakeModel:
    name: str = "fake-embedder"


class FakeEncoder:
    """Embeds text i as a unit vector from its length, so each text has a known answer."""

    model = FakeModel()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.vector(text) for text in texts], dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(len(text.split()) + 2 for text in texts)

    @staticmethod
    def vector(text: str) -> list[float]:
        angle = len(text) / 10
        return [math.cos(angle), math.sin(angle), 0.0]


class ServerThread:
    """build_app(FakeEncoder()) on a free loopback port, in a background event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner = web.AppRunner(build_app(FakeEncoder()))  # type: ignore[arg-type]
        self.port = 0

    def start(self) -> "ServerThread":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        self.port = processes.free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    running = ServerThread().start()
    yield running
    running.stop()


def post(server: ServerThread, body: Any) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}/embeddings", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_string_input_gets_one_embedding_in_the_openai_format(server):
    status, body = post(server, {"model": "fake-embedder", "input": "hello world"})
    assert status == 200
    assert body == {
        "object": "list",
        "data": [
            {
                "object": "embedding",
                "index": 0,
                "embedding": pytest.approx(FakeEncoder.vector("hello world")),
            }
        ],
        "model": "fake-embedder",
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }


def test_base64_encoding_is_little_endian_float32(server):
    status, body = post(server, {"input": ["abc", "abcdefgh"], "encoding_format": "base64"})
    assert status == 200
    decoded = [
        list(struct.unpack("<3f", base64.b64decode(item["embedding"]))) for item in body["data"]
    ]
    assert decoded == [
        pytest.approx(FakeEncoder.vector("abc")),
        pytest.approx(FakeEncoder.vector("abcdefgh")),
    ]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not valid JSON"),
        ([1, 2], 400, "the body must be a JSON object"),
        ({"input": [1, 2]}, 400, "'input' must be a string or a list of strings"),
        ({"input": []}, 400, "'input' must not be empty"),
        ({"input": ["x"] * (MAX_INPUTS + 1)}, 400, f"at most {MAX_INPUTS} per request"),
        ({"input": "x", "encoding_format": "int8"}, 400, "'encoding_format' must be"),
        ({"input": "x", "model": "gpt-4o"}, 404, "model 'gpt-4o' not found"),
    ],
)
def test_bad_requests_get_an_openai_style_error(server, body, status, message):
    got_status, got = post(server, body)
    assert got_status == status
    assert message in got["error"]["message"]


def test_models_and_health_answer(server):
    with urllib.request.urlopen(f"{server.url}/models", timeout=10) as response:
        assert json.load(response)["data"][0]["id"] == "fake-embedder"
    health_url = server.url.removesuffix("/v1") + "/health"
    with urllib.request.urlopen(health_url, timeout=10) as response:
        assert json.load(response) == {"status": "ok"}


def test_litellm_returns_one_vector_per_text_in_input_order(server):
    texts = ["a", "a much longer text than the first", "mid length"]
    embedder = LiteLLMEmbedder(local_api_base=server.url, timeout=10)
    vectors = asyncio.run(embedder("local/fake-embedder", texts))
    assert vectors == [pytest.approx(FakeEncoder.vector(text)) for text in texts]


def test_embed_reads_the_local_url_from_settings(server, settings):
    settings.PROMPTCRAFT_LOCAL_EMBEDDING_URL = server.url
    vectors = asyncio.run(embed("local/fake-embedder", ["hello"]))
    assert vectors == [pytest.approx(FakeEncoder.vector("hello"))]


def test_no_texts_need_no_call():
    embedder = LiteLLMEmbedder(local_api_base="http://127.0.0.1:9/v1", timeout=1)
    assert asyncio.run(embedder("local/anything", [])) == []


def test_an_unknown_local_model_is_a_permanent_error(server):
    embedder = LiteLLMEmbedder(local_api_base=server.url, timeout=10)
    with pytest.raises(ModelRejected, match="was not found"):
        asyncio.run(embedder("local/no-such-model", ["x"]))


def test_an_unreachable_server_is_a_transient_error():
    closed_port = processes.free_port()  # nothing listens on it
    embedder = LiteLLMEmbedder(local_api_base=f"http://127.0.0.1:{closed_port}/v1", timeout=5)
    with pytest.raises(ModelUnavailable, match="unavailable right now"):
        asyncio.run(embedder("local/fake-embedder", ["x"]))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_loopback_hosts_are_accepted(host):
    assert require_loopback(host) == host


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com", ""])
def test_other_hosts_are_refused(host):
    with pytest.raises(NotLoopback, match="only binds to a loopback address"):
        require_loopback(host)


def test_the_command_refuses_a_non_loopback_bind_before_loading_anything():
    finished = subprocess.run(
        [sys.executable, "-m", "localmodels", "serve-embeddings", "--host", "0.0.0.0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 1
    assert "refusing to listen on '0.0.0.0'" in finished.stderr


def test_erf_matches_the_standard_library_to_float32_precision():
    points = np.linspace(-6, 6, 2401, dtype=np.float32)
    expected = np.array([math.erf(float(x)) for x in points])
    assert np.max(np.abs(erf(points) - expected)) < 5e-7


def test_read_safetensors_reads_float32_tensors_and_skips_others(tmp_path):
    matrix = np.arange(6, dtype="<f4").reshape(2, 3)
    ids = np.arange(4, dtype="<i8")
    header = {
        "__metadata__": {"format": "pt"},
        "ids": {"dtype": "I64", "shape": [4], "data_offsets": [0, 32]},
        "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [32, 56]},
    }
    encoded = json.dumps(header).encode()
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + ids.tobytes() + matrix.tobytes())
    tensors = read_safetensors(path)
    assert list(tensors) == ["w"]
    assert np.array_equal(tensors["w"], matrix)


def test_a_remote_model_goes_to_litellm_unchanged_and_a_local_one_to_the_local_server():
    embedder = LiteLLMEmbedder(local_api_base="http://127.0.0.1:8012/v1", timeout=7)
    remote = embedder._call_arguments("openai/text-embedding-3-small", ["x"])
    local = embedder._call_arguments("local/all-minilm-l6-v2", ["x"])
    assert remote == {
        "model": "openai/text-embedding-3-small",
        "input": ["x"],
        "timeout": 7,
        "num_retries": 0,
    }
    assert local["model"] == "openai/all-minilm-l6-v2"
    assert local["api_base"] == "http://127.0.0.1:8012/v1"
