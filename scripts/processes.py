"""Process helpers shared by `make run`'s supervisor, `make bench` and the tests: free ports,
waiting until a service is ready, and stopping a whole process group.

Standard library only, so that it imports before Django (or anything else) is set up.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (chosen by the kernel)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:`port`."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def http_answers(url: str, timeout: float = 2) -> bool:
    """Whether `url` answers 200 (loopback servers only: nothing here reaches the network)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def redis_answers(port: int, host: str = LOOPBACK) -> bool:
    """Whether a Redis server answers PING on `host`:`port` (no client library needed)."""
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class NotReady(RuntimeError):
    """A service did not become ready in time, or its process exited first."""


def wait_until(
    what: str,
    ready: Callable[[], bool],
    timeout: float,
    *,
    gone: Callable[[], str | None] = lambda: None,
    log: Path | None = None,
    interval: float = 0.1,
) -> None:
    """Poll `ready()` until it is true; raise NotReady after `timeout` seconds, or as soon as
    `gone()` returns a reason (the process starting the service exited). The message ends with
    the tail of `log`, if given."""
    deadline = time.monotonic() + timeout
    reason = f"did not become ready within {timeout:.0f} s"
    while time.monotonic() < deadline:
        if ready():
            return
        exited = gone()
        if exited:
            reason = exited
            break
        time.sleep(interval)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise NotReady(f"{what} {reason}" + (f"\n{tail}" if tail else ""))


def exited(process: subprocess.Popen[bytes]) -> Callable[[], str | None]:
    """A `gone` callable for `wait_until`: the reason once `process` has exited."""
    return lambda: None if process.poll() is None else f"exited with code {process.returncode}"


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Ask `process` (started with `start_new_session=True`) to stop with SIGTERM, wait up to
    `timeout` seconds, then kill whatever is left of its process group. Safe to call twice."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
