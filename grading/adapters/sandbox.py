"""Run model-written Python against hidden unit tests, and instructors' scripts, in bubblewrap.

``run_code`` is the ``Tools.run_code`` the grading core's ``code-tests`` check calls;
``run_script`` is the ``Tools.run_script`` of ``python`` checks and ``transform``: the
instructor's functions run in a child of the same harness, under the same limits, called with
the output and context as JSON data, and only the JSON data they return is read back (over the
harness's nonce-tagged channel, so what a script prints is never taken for a result). Neither
runs code unsandboxed: when bubblewrap is missing or cannot create its namespaces, it
returns ``CodeReport(status="error")`` with a message saying what to fix.

Threat model
============

The candidate code is hostile: a learner can steer the model into writing anything. It must not

1. **forge a pass.** The tests are executed by a trusted harness (``sandbox_runner.py``)
   that never runs candidate code itself. For each test it starts a fresh child process holding
   only the candidate module; the test's calls reach the candidate through proxies and the return
   values come back over a pipe as *plain data* (numbers, strings, bytes, lists, tuples, dicts,
   sets), rebuilt in the harness as genuine built-in objects. So every ``assert`` runs in trusted
   code on trusted values: printing fake results, ``sys.exit(0)``, ``os._exit(0)``,
   monkeypatching ``builtins`` or ``AssertionError``, or returning an object whose ``__eq__``
   always says yes, all happen in the child and can only make a test fail. What the candidate
   does to *its own* ``builtins`` stays in the child; the names it defines do reach the tests'
   namespace, so only those the tests mention are put there, never one that is a builtin's or
   one the tests define themselves: a candidate ``def abs(x): return 0`` cannot answer the
   tests' ``abs(...)`` (rule in ``grading/adapters/sandbox_runner.py``). The harness reports
   over a descriptor that only it holds (children are started with ``close_fds``; no ``/proc`` is
   mounted, so no ``/proc/PID/fd`` reopening; the harness is non-dumpable, so a child running
   under the same uid cannot ``ptrace`` it; it is PID 1 of the sandbox (``--as-pid-1``), so no
   bwrap init process holds the pipe and signals from inside only reach it when it handles
   them), each line prefixed by a random per-run nonce the children never see. A candidate
   that crashes, stops or signals the harness only makes its remaining tests fail. The worker
   trusts nothing else: it counts the test names it parsed itself from the hidden tests, and a
   test without a result from the harness has failed.
2. **learn the hidden tests.** They stay in the harness's memory; children never receive them.
   What reaches the learner is the failing tests' names and messages, and those never quote the
   candidate: its code receives the tests' arguments, so an exception it raises is reported by
   its built-in type only ("the code raised ValueError"), an exception the tests raise on its
   results by type only, a crash without exit status (rules in ``sandbox_runner.py``).
   An assertion's own message is reported in full: authors should put neither the answer nor
   the code's result in it.
3. **read secrets.** The sandbox is started through ``env -i`` (bwrap's own environment would
   otherwise be readable from ``/proc/1/environ``) and ``--clearenv``; no ``/proc`` is mounted.
   The filesystem is ``/usr`` (read-only; the system Python, stdlib only, run with ``-I -S`` so
   no site-packages or virtualenv), the ``/lib*`` and ``/bin`` links, a minimal ``/dev`` and a
   small ``/tmp`` tmpfs; everything but ``/tmp`` is read-only (bwrap's root and ``/dev`` are
   tmpfs mounts, remounted read-only). Not the project, ``/work``, ``/root``, ``/home``, ``/etc``.
4. **reach the network.** ``--unshare-all`` gives it a network namespace of its own: a loopback
   where nothing listens, no route anywhere else.
5. **exhaust the machine.** Per child: ``RLIMIT_AS`` (``memory_mb``), ``RLIMIT_CPU``; for the
   whole sandbox: ``RLIMIT_NPROC``, ``RLIMIT_FSIZE``, ``RLIMIT_NOFILE``, no core dumps, a tmpfs
   of ``TMPFS_BYTES``, per-test wall-clock alarms in the harness, and a wall-clock limit on the
   whole run after which the worker kills bwrap (``--die-with-parent`` and the PID namespace
   then kill every process left inside). Between tests the harness kills every other process in
   the sandbox and empties ``/tmp``, so tests share no state. Output is cut to ``OUTPUT_LIMIT``.
   ``RLIMIT_NPROC`` counts processes per real uid and is never enforced for real root, even in a
   user namespace, so a worker running as root starts bwrap as ``nobody`` (``SANDBOX_UID``); the
   harness sets the limit inside the sandbox's own user namespace, where it counts only the
   sandbox's processes (never the worker's other processes of the same uid).
6. **escape.** bubblewrap with a new user namespace (capabilities dropped, no new privileges,
   ``--disable-userns`` against nested namespaces), ``--new-session`` against terminal
   injection. Kernel exploits are out of scope.

Not covered: a candidate may still waste its own CPU/memory budget, write junk to its own
output, or sabotage its own remaining tests. Tests can only exchange plain data
and candidate handles with the candidate (no callbacks, no ``isinstance`` against its classes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grading.core.checks.code import hidden_test_names
from grading.core.types import CodeJob, CodeReport, ScriptJob, ScriptReport

__all__ = ["SandboxConfig", "run_code", "run_script"]

RUNNER_SOURCE = (Path(__file__).parent / "sandbox_runner.py").read_text(encoding="utf-8")

OUTPUT_LIMIT = 16 * 1024
"""The most bytes of the candidate's stdout and stderr kept in the report."""

RESULTS_LIMIT = 1024 * 1024
"""The most bytes read from the harness's results pipe."""

TMPFS_BYTES = 16 * 1024 * 1024
FILE_SIZE_BYTES = 4 * 1024 * 1024
MAX_PROCESSES = 32
"""Per sandbox (bwrap's init, the harness, a child and whatever the child forks)."""
MAX_OPEN_FILES = 64
STARTUP_SECONDS = 3.0
"""Wall-clock allowance on top of the tests' own time limits for starting the sandbox."""
MAX_WALL_SECONDS = 120.0
"""No run lasts longer than this, however many tests it has."""

MAX_CONCURRENT_SANDBOXES = max(1, os.cpu_count() or 1)
"""Sandboxes one worker process runs at once (per event loop); the others wait their turn."""

SANDBOX_UID = 65534
"""``nobody``: the uid bwrap runs as when the worker is root (see the module docstring)."""


@dataclass(frozen=True)
class SandboxConfig:
    """Where the sandbox's programs live (defaults: Debian's)."""

    bwrap: str = "/usr/bin/bwrap"
    python: str = "/usr/bin/python3"
    """Must live under ``/usr``: it is all the sandbox sees of the host."""
    env: str = "/usr/bin/env"


DEFAULT_CONFIG = SandboxConfig()


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots() -> asyncio.Semaphore:
    """This event loop's semaphore (asyncio primitives cannot be shared between loops)."""
    loop = asyncio.get_running_loop()
    if loop not in _SLOTS:
        _SLOTS[loop] = asyncio.Semaphore(MAX_CONCURRENT_SANDBOXES)
    return _SLOTS[loop]


def _error(message: str, output: str = "") -> CodeReport:
    return CodeReport(passed=0, failed=0, status="error", output=output, message=message)


def configuration_problem(config: SandboxConfig = DEFAULT_CONFIG) -> str:
    """Return why the sandbox cannot run here (a sentence), or "" when its programs exist."""
    if not os.access(config.bwrap, os.X_OK):
        return (
            f"the code sandbox needs bubblewrap at {config.bwrap} "
            "(Debian/Ubuntu: apt-get install bubblewrap); code is never run unsandboxed"
        )
    if not config.python.startswith("/usr/") or not os.access(config.python, os.X_OK):
        return f"the code sandbox needs the system Python at {config.python} (under /usr)"
    if not os.access(config.env, os.X_OK):
        return f"the code sandbox needs {config.env}"
    return ""


def _bwrap_argv(config: SandboxConfig, run_id: str) -> list[str]:
    mounts = ["--ro-bind", "/usr", "/usr"]
    for path in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(path):
            mounts += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            mounts += ["--ro-bind", path, path]
    return [
        config.env,
        "-i",
        "PATH=/usr/bin:/bin",
        config.bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        # The harness is PID 1: no bwrap init holding the results pipe that a candidate could
        # ptrace, no signals from inside the sandbox, and its exit kills everything left inside.
        "--as-pid-1",
        *mounts,
        "--dev",
        "/dev",
        "--remount-ro",
        "/dev",  # bwrap's /dev is a tmpfs: writable, it would be an unbounded disk
        "--size",
        str(TMPFS_BYTES),
        "--tmpfs",
        "/tmp",
        "--remount-ro",
        "/",  # the root bwrap builds is a tmpfs too
        "--chdir",
        "/tmp",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "LC_ALL",
        "C.UTF-8",
        "--",
        config.python,
        "-I",
        "-S",
        "-c",
        RUNNER_SOURCE,
        "harness",
        run_id,
    ]


async def _read_capped(stream: asyncio.StreamReader | None, into: bytearray, limit: int) -> bool:
    """Read ``stream`` to its end, keeping at most ``limit`` bytes; True if some were dropped."""
    dropped = False
    if stream is None:
        return dropped
    while chunk := await stream.read(65536):
        room = limit - len(into)
        if len(chunk) > room:
            dropped = True
        into += chunk[: max(room, 0)]
    return dropped


async def _feed(stream: asyncio.StreamWriter | None, data: bytes) -> None:
    if stream is None:
        return
    try:
        stream.write(data)
        await stream.drain()
        stream.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the sandbox died before reading the job: reported from its output


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def run_code(job: CodeJob, config: SandboxConfig = DEFAULT_CONFIG) -> CodeReport:
    """Run ``job.code`` against ``job.tests`` in the sandbox and count the tests that passed.

    Guarantees: candidate code only ever runs inside bubblewrap; ``passed + failed`` is the
    number of hidden ``test_*`` functions (0 only with status ``error``); a test counts as
    passed only when the harness reported it over its private channel; once started, the run
    takes at most ``timeout_seconds`` per test plus ``STARTUP_SECONDS`` (capped at
    ``MAX_WALL_SECONDS``); at most ``MAX_CONCURRENT_SANDBOXES`` run at once per event loop.
    ``job.timeout_seconds`` is each test's wall-clock limit (import of the code included);
    ``job.memory_mb`` is each candidate process's address-space limit.
    """
    async with _slots():
        return await _run_code(job, config)


async def _run_code(job: CodeJob, config: SandboxConfig) -> CodeReport:
    if job.language != "python":
        return _error(f"the code sandbox runs Python only, not {job.language!r}")
    problem = configuration_problem(config)
    if problem:
        return _error(problem)
    try:
        names = hidden_test_names(job.tests)
    except (SyntaxError, ValueError) as exc:
        return _error(f"the hidden tests do not parse: {exc}")
    if not names:
        return _error("the hidden tests define no test_* function")

    nonce = secrets.token_hex(16)
    per_test = max(0.1, float(job.timeout_seconds))
    wall = min(per_test * len(names) + STARTUP_SECONDS, MAX_WALL_SECONDS)
    job_fields = {"code": job.code, "tests": job.tests}
    run = await _run_sandbox(config, nonce, job_fields, per_test, int(job.memory_mb), wall)
    if isinstance(run, str):
        return _error(run)
    results, output, output_dropped, timed_out = run
    return _report(names, nonce, results, output, output_dropped, timed_out, wall)


async def _run_sandbox(
    config: SandboxConfig,
    nonce: str,
    job_fields: Mapping[str, Any],
    timeout_seconds: float,
    memory_mb: int,
    wall: float,
) -> tuple[bytes, bytes, bool, bool] | str:
    """Start the harness on a job and wait for it, at most ``wall`` seconds.

    Returns the results pipe's bytes, the captured output, whether output was dropped and
    whether the wall-clock limit stopped it; or why bwrap could not start."""
    run_id = secrets.token_hex(8)
    payload = json.dumps(
        {
            **job_fields,
            "nonce": nonce,
            "runner": RUNNER_SOURCE,
            "timeout_seconds": timeout_seconds,
            "cpu_seconds": int(timeout_seconds) + 1,
            "memory_mb": memory_mb,
            "max_processes": MAX_PROCESSES,
            "file_size_bytes": FILE_SIZE_BYTES,
            "max_open_files": MAX_OPEN_FILES,
        }
    ).encode()

    # RLIMIT_NPROC never binds real root: drop to nobody first (see the module docstring).
    as_nobody = (
        {"user": SANDBOX_UID, "group": SANDBOX_UID, "extra_groups": []} if os.geteuid() == 0 else {}
    )
    try:
        process = await asyncio.create_subprocess_exec(
            *_bwrap_argv(config, run_id),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            cwd="/",
            env={"PATH": "/usr/bin:/bin"},
            **as_nobody,  # type: ignore[arg-type]
        )
    except OSError as exc:
        return f"the code sandbox could not start: {exc}"

    results = bytearray()
    output = bytearray()
    timed_out = False
    output_dropped = False
    try:
        reading = asyncio.gather(
            _feed(process.stdin, payload),
            _read_capped(process.stdout, results, RESULTS_LIMIT),
            _read_capped(process.stderr, output, OUTPUT_LIMIT),
            process.wait(),
        )
        try:
            _, _, output_dropped, _ = await asyncio.wait_for(reading, wall)
        except TimeoutError:
            timed_out = True
    finally:
        if process.returncode is None:
            _kill(process)
            await process.wait()
    return bytes(results), bytes(output), output_dropped, timed_out


def _records(nonce: str, results: bytes) -> list[dict[str, Any]]:
    """The harness's records: JSON objects on lines that start with the run's nonce."""
    records = []
    prefix = nonce.encode() + b" "
    for line in results.split(b"\n"):
        if not line.startswith(prefix):
            continue
        try:
            record = json.loads(line[len(prefix) :])
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _output_text(output: bytes, dropped: bool) -> str:
    text = output.decode("utf-8", errors="replace")
    return text + "\n…[output truncated]" if dropped else text


def _startup_failure(text: str) -> str:
    lines = text.strip().splitlines() or ["no output"]
    # bwrap explains itself on its first line; a Python traceback on its last.
    why = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    return f"the code sandbox could not start: {why}"


def _report(
    names: list[str],
    nonce: str,
    results: bytes,
    output: bytes,
    output_dropped: bool,
    timed_out: bool,
    wall: float,
) -> CodeReport:
    """Build the report from the harness's nonce-tagged lines only; missing tests failed."""
    started = done = False
    fatal = ""
    outcomes: dict[str, tuple[bool, str]] = {}
    for record in _records(nonce, results):
        if isinstance(record.get("fatal"), str):
            fatal = record["fatal"]
        elif record.get("started") is True:
            started = True
        elif record.get("done") is True:
            done = True
        elif isinstance(record.get("test"), str) and record["test"] not in outcomes:
            outcomes[record["test"]] = (record.get("passed") is True, str(record.get("message")))

    text = _output_text(output, output_dropped)
    if fatal:
        return _error(fatal, text)
    if not started:
        return _error(_startup_failure(text), text)

    missing = "timed out" if timed_out else "no result (the sandbox stopped before this test)"
    passed = 0
    failures: list[str] = []
    for name in names:
        ok, message = outcomes.get(name, (False, missing))
        if ok:
            passed += 1
        else:
            failures.append(f"{name}: {message}" if message else name)
    if timed_out:
        status, message = "timeout", f"the run was stopped after {wall:g} s"
    elif done:
        status, message = "ok", ""
    else:
        status, message = "crashed", "the sandbox's harness stopped before the end"
    return CodeReport(
        passed=passed,
        failed=len(names) - passed,
        status=status,
        output=text,
        failures=tuple(failures),
        message=message,
    )


async def run_script(job: ScriptJob, config: SandboxConfig = DEFAULT_CONFIG) -> ScriptReport:
    """Run an instructor's script (a ``python`` check, a ``transform``) in the sandbox.

    The same bubblewrap sandbox and limits as ``run_code``: the script runs in a child of the
    harness, never in this process; ``job.output`` and ``job.context`` reach it as JSON data and
    only JSON data comes back. Guarantees: status ``ok`` only with the value the harness read
    from the script over its private channel; ``failed`` for anything the script did (raised,
    timed out, returned something that is not JSON data), ``error`` when the sandbox could not
    run. Takes at most ``job.timeout_seconds`` plus ``STARTUP_SECONDS``.
    """
    async with _slots():
        return await _run_script(job, config)


async def _run_script(job: ScriptJob, config: SandboxConfig) -> ScriptReport:
    problem = configuration_problem(config)
    if problem:
        return ScriptReport(status="error", message=problem)
    nonce = secrets.token_hex(16)
    timeout = max(0.1, float(job.timeout_seconds))
    wall = min(timeout + STARTUP_SECONDS, MAX_WALL_SECONDS)
    job_fields = {
        "mode": "script",
        "code": job.source,
        "tests": "",
        "functions": list(job.functions),
        "output": job.output,
        "context": dict(job.context),
    }
    try:
        json.dumps(job_fields)
    except (TypeError, ValueError) as exc:
        return ScriptReport(status="error", message=f"the script's input is not JSON data: {exc}")
    run = await _run_sandbox(config, nonce, job_fields, timeout, int(job.memory_mb), wall)
    if isinstance(run, str):
        return ScriptReport(status="error", message=run)
    results, output, output_dropped, timed_out = run
    text = _output_text(output, output_dropped)
    records = _records(nonce, results)
    outcome = next((record for record in records if "script" in record), None)
    if outcome is None:
        if timed_out:
            return ScriptReport("failed", message=f"timed out after {timeout:g} s", output=text)
        if not any(record.get("started") is True for record in records):
            return ScriptReport(status="error", message=_startup_failure(text), output=text)
        return ScriptReport("failed", message="the sandbox stopped before the end", output=text)
    function = str(outcome.get("function") or "")
    if outcome["script"] == "ok":
        return ScriptReport("ok", value=outcome.get("value"), function=function, output=text)
    return ScriptReport(
        "failed", message=str(outcome.get("message", "")), function=function, output=text
    )
