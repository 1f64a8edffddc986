"""Real processes for integration and browser tests: Redis and a Celery worker."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import redis
from django.db import connection

from scripts import processes
from scripts.run import bundled_redis_server

ROOT = Path(__file__).resolve().parent.parent


def wait_for(what: str, ready, timeout: float, process=None, log: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    gone = processes.exited(process) if process is not None else (lambda: None)
    processes.wait_until(what, ready, timeout, gone=gone, log=log)


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def start_bundled_redis(url: str) -> subprocess.Popen[bytes]:
    port = urlsplit(url).port
    directory = tempfile.mkdtemp(prefix="promptcraft-test-redis-")
    process = subprocess.Popen(
        [
            bundled_redis_server(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            directory,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for("Redis", lambda: redis_answers(url), 20, process)
    return process


def test_database_url() -> str:
    """A DATABASE_URL for the test database this process uses, for a worker process."""
    settings = connection.settings_dict
    name = settings["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(name)}"


class CeleryWorker:
    """`celery worker` in its own process, on this test session's queue and test database."""

    def __init__(self, *, model_url: str, log_dir: Path) -> None:
        self.log = log_dir / "celery-worker.log"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=test_database_url(),
            PROMPTCRAFT_LOCAL_MODEL_URL=model_url,
            PYTHONUNBUFFERED="1",
        )
        self.log_handle = self.log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_handle,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            "the Celery worker",
            lambda: b" ready." in self.log.read_bytes(),
            60,
            self.process,
            self.log,
        )

    def pool_process_ids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_handle.close()
