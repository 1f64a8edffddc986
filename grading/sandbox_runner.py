"""The trusted program that runs *inside* the code sandbox (see ``grading.sandbox``).

Never imported by the project: ``grading.sandbox`` passes this file's source to the system
Python inside bubblewrap (``python3 -I -S -c SOURCE harness RUN_ID``). It must therefore run on
the system Python (3.11 or later) with the standard library only, and must not use syntax newer
than 3.11.

Two roles, chosen by ``sys.argv[1]``:

``harness``
    Reads the job (JSON on stdin), runs the hidden tests *in its own process* and reports each
    result on its private results descriptor. It never executes candidate code: for every test
    it starts a fresh ``child`` process that holds the candidate module, and the tests reach the
    candidate's functions through proxies that send each call to that child. Return values come
    back as plain data (``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``,
    ``list``, ``tuple``, ``dict``, ``set``, ``frozenset``), rebuilt here as genuine built-in
    objects, so every ``assert`` is evaluated by trusted code on trusted values. Any other object
    stays in the child and is represented here by a ``Remote`` handle (attribute reads, calls,
    ``len``, ``bool``, iteration, indexing and ``in`` are forwarded).

``child``
    Sets its own resource limits, moves its protocol pipes off descriptors 0 and 1, executes the
    candidate code as the module ``solution`` and then answers the harness's requests. Everything
    in the child after the candidate's import is untrusted: it can only return wrong values.
"""

import builtins
import contextlib
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
import types

MESSAGE_LIMIT = 4 * 1024 * 1024
"""The longest protocol message (one JSON line) the harness accepts from a child."""

DEPTH_LIMIT = 100
"""How deeply nested a value may be to travel as plain data."""

ITEMS_LIMIT = 100_000
"""The most items a forwarded iteration returns."""

MESSAGE_CHARS = 300
"""The longest failure message reported for one test."""

PR_SET_DUMPABLE = 4


# --------------------------------------------------------------------------------------------
# Internal outcomes: BaseException subclasses, so that a test's ``except Exception`` cannot
# swallow them (and the harness fails the test even when a bare ``except:`` does).


class Broken(BaseException):
    """The child can no longer answer: it died, timed out or broke the protocol."""


class TestTimeout(BaseException):
    """The test ran past its time limit (raised by the SIGALRM handler)."""


class CandidateError(Exception):
    """An exception raised by candidate code whose type is not a built-in exception."""


# --------------------------------------------------------------------------------------------
# Plain-data encoding, shared by both roles. Each value is JSON: strings, booleans and null as
# themselves, everything else as a one-key object naming its type.


def encode(value, register, depth=0):
    """Encode ``value``; objects that are not plain data go through ``register`` (or raise)."""
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if depth > DEPTH_LIMIT:
        return register(value)
    if kind is int:
        return {"i": str(value)}
    if kind is float:
        return {"f": repr(value)}
    if kind is complex:
        return {"c": [repr(value.real), repr(value.imag)]}
    if kind is bytes:
        return {"b": value.hex()}
    if kind in (list, tuple, set, frozenset):
        tag = {list: "l", tuple: "t", set: "s", frozenset: "S"}[kind]
        return {tag: [encode(item, register, depth + 1) for item in value]}
    if kind is dict:
        return {
            "d": [
                [encode(key, register, depth + 1), encode(item, register, depth + 1)]
                for key, item in value.items()
            ]
        }
    return register(value)


def decode(data, resolve, depth=0):
    """Rebuild a value from ``encode``'s JSON; ``resolve`` turns handles into objects."""
    if data is None or isinstance(data, (bool, str)):
        return data
    if depth > DEPTH_LIMIT + 1 or not isinstance(data, dict) or len(data) != 1:
        raise ValueError("malformed value")
    ((tag, body),) = data.items()
    if tag == "i":
        return int(body)
    if tag == "f":
        return float(body)
    if tag == "c":
        return complex(float(body[0]), float(body[1]))
    if tag == "b":
        return bytes.fromhex(body)
    if tag in ("l", "t", "s", "S"):
        if not isinstance(body, list):
            raise ValueError("malformed sequence")
        items = [decode(item, resolve, depth + 1) for item in body]
        return {"l": list, "t": tuple, "s": set, "S": frozenset}[tag](items)
    if tag == "d":
        if not isinstance(body, list):
            raise ValueError("malformed dict")
        result = {}
        for pair in body:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError("malformed dict item")
            result[decode(pair[0], resolve, depth + 1)] = decode(pair[1], resolve, depth + 1)
        return result
    if tag in ("h", "r"):
        return resolve(tag, body)
    raise ValueError("unknown value tag")


def describe(exc):
    """Return ``"Type: message"`` for an exception, on one line, cut to ``MESSAGE_CHARS``."""
    try:
        text = str(exc)
    except BaseException:
        text = "(unprintable message)"
    line = type(exc).__name__ + (": " + text if text else "")
    line = " ".join(line.split())
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data) :]


# --------------------------------------------------------------------------------------------
# The child: holds the candidate module and answers requests.


def child_main(memory_mb, cpu_seconds):
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    requests = os.fdopen(os.dup(0), "rb")
    responses = os.dup(1)
    os.dup2(2, 1)  # the candidate's prints go to the captured output, not to the protocol
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)

    handles = {}

    def register(value):
        handle = len(handles)
        handles[handle] = value
        return {"h": [handle, type(value).__name__, callable(value)]}

    def resolve(tag, body):
        if tag != "r":
            raise ValueError("the harness sends references only")
        return handles[body]

    def reply(message):
        write_all(responses, json.dumps(message).encode() + b"\n")

    code = json.loads(requests.readline())["code"]
    module = types.ModuleType("solution")
    module.__file__ = "solution.py"
    sys.modules["solution"] = module
    register(module)
    try:
        exec(compile(code, "solution.py", "exec"), module.__dict__)
    except BaseException as exc:
        reply({"error": describe(exc), "syntax": isinstance(exc, SyntaxError)})
        return
    reply({"value": None})

    for line in requests:
        try:
            request = json.loads(line)
            target = handles[request["h"]]
            op = request["op"]
            if op == "globals":
                names = sorted(name for name in vars(target) if not name.startswith("_"))
                result = [[name, getattr(target, name)] for name in names]
            elif op == "getattr":
                result = getattr(target, request["name"])
            elif op == "call":
                args = [decode(item, resolve) for item in request["args"]]
                kwargs = {key: decode(item, resolve) for key, item in request["kwargs"].items()}
                result = target(*args, **kwargs)
            elif op == "len":
                result = len(target)
            elif op == "bool":
                result = bool(target)
            elif op == "iter":
                result = []
                for item in target:
                    if len(result) >= ITEMS_LIMIT:
                        raise OverflowError(f"more than {ITEMS_LIMIT} items")
                    result.append(item)
            elif op == "getitem":
                result = target[decode(request["key"], resolve)]
            elif op == "contains":
                result = decode(request["key"], resolve) in target
            elif op == "str":
                result = str(target)
            else:
                raise ValueError(f"unknown operation {op!r}")
            message = {"value": encode(result, register)}
        except BaseException as exc:
            message = {"error": describe(exc), "type": type(exc).__name__}
        try:
            reply(message)
        except BaseException as exc:  # e.g. a value too large to encode
            reply({"error": describe(exc), "type": type(exc).__name__})


# --------------------------------------------------------------------------------------------
# The harness: runs the tests against proxies, one fresh child per test.


class Child:
    """One candidate process, spoken to over its stdin and stdout (which it moves aside)."""

    def __init__(self, job, run_id):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-S",
                "-u",  # unbuffered: the child is killed, not asked to exit, after each test
                "-c",
                job["runner"],
                "child",
                run_id,
                str(job["memory_mb"]),
                str(job["cpu_seconds"]),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the harness's stderr: the sandbox's captured output
            close_fds=True,  # never the results descriptor
            start_new_session=True,
            cwd="/tmp",
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/tmp"},
        )
        self.broken = ""
        self.send({"code": job["code"]})

    def send(self, message):
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            self.fail_with_exit_status()

    def fail(self, reason):
        self.broken = self.broken or reason
        raise Broken(self.broken)

    def fail_with_exit_status(self):
        try:
            status = self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            self.fail("the candidate's process stopped answering")
        if status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            hint = {
                "SIGXCPU": " (CPU time limit)",
                "SIGKILL": " (killed: CPU time or memory limit)",
                "SIGSEGV": " (crashed, possibly out of memory)",
            }.get(name, "")
            self.fail(f"the candidate's process was killed by {name}{hint}")
        self.fail(f"the candidate's process exited with status {status} during the test")

    def receive(self):
        line = self.process.stdout.readline(MESSAGE_LIMIT + 1)
        if not line:
            self.fail_with_exit_status()
        if len(line) > MESSAGE_LIMIT or not line.endswith(b"\n"):
            self.fail(f"the candidate's answer exceeds {MESSAGE_LIMIT // (1024 * 1024)} MB")
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("not an object")
            if "error" in message:
                return None, message
            return decode(message["value"], self.resolve), None
        except Broken:
            raise
        except Exception:
            self.fail("the candidate's process broke the sandbox protocol")

    def resolve(self, tag, body):
        if tag != "h" or not isinstance(body, list) or len(body) != 3:
            raise ValueError("malformed handle")
        handle, type_name, is_callable = body
        if not (isinstance(handle, int) and isinstance(type_name, str)):
            raise ValueError("malformed handle")
        return Remote(self, handle, type_name[:80], bool(is_callable))

    def request(self, op, handle, **fields):
        if self.broken:
            raise Broken(self.broken)
        self.send(dict(fields, op=op, h=handle))
        value, error = self.receive()
        if error is not None:
            raise rebuild_exception(error)
        return value

    def start(self):
        """Wait until the candidate module is imported; raise what its import raised."""
        _value, error = self.receive()
        if error is not None:
            exc = CandidateError(str(error.get("error", "")))
            exc.syntax = bool(error.get("syntax"))
            raise exc

    def stop(self):
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def rebuild_exception(error):
    """Re-raise a candidate's exception as the built-in type of that name, if there is one."""
    message = str(error.get("error", ""))
    type_name = error.get("type")
    cls = getattr(builtins, type_name, None) if isinstance(type_name, str) else None
    if isinstance(cls, type) and issubclass(cls, Exception) and cls is not CandidateError:
        text = message.split(": ", 1)[1] if ": " in message else ""
        try:
            return cls(text)
        except Exception:
            pass
    return CandidateError(message)


class Remote:
    """A candidate object that stays in the child; operations are forwarded to it."""

    __slots__ = ("_callable", "_child", "_handle", "_type")

    def __init__(self, child, handle, type_name, is_callable):
        object.__setattr__(self, "_child", child)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_callable", is_callable)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._child.request("getattr", self._handle, name=name)

    def __setattr__(self, name, value):
        raise TypeError("the tests cannot modify the candidate's objects")

    def __call__(self, *args, **kwargs):
        return self._child.request(
            "call",
            self._handle,
            args=[encode(arg, refuse) for arg in args],
            kwargs={key: encode(arg, refuse) for key, arg in kwargs.items()},
        )

    def __len__(self):
        return self._child.request("len", self._handle)

    def __bool__(self):
        return self._child.request("bool", self._handle)

    def __iter__(self):
        return iter(self._child.request("iter", self._handle))

    def __getitem__(self, key):
        return self._child.request("getitem", self._handle, key=encode(key, refuse))

    def __contains__(self, key):
        return self._child.request("contains", self._handle, key=encode(key, refuse))

    def __str__(self):
        return self._child.request("str", self._handle)

    def __repr__(self):
        return f"<candidate {self._type} object>"


def refuse(value):
    """Encode a Remote as a reference; anything else that is not plain data cannot be sent."""
    if isinstance(value, Remote):
        return {"r": value._handle}
    raise TypeError(f"a {type(value).__name__} cannot be passed to the candidate's code")


def test_names(tree):
    """The names of the top-level ``def test_*`` functions, in order, each once."""
    import ast

    names = []
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef)
            and node.name.startswith("test_")
            and node.name not in names
        ):
            names.append(node.name)
    return names


def on_alarm(signum, frame):
    raise TestTimeout()


def run_test(job, run_id, tests_code, name, deadline_seconds):
    """Run one test against a fresh child; return ``(passed, message, syntax_error)``."""
    child = None
    timed_out = False
    outcome = None
    signal.setitimer(signal.ITIMER_REAL, deadline_seconds)
    try:
        try:
            child = Child(job, run_id)
            try:
                child.start()
            except CandidateError as exc:
                signal.setitimer(signal.ITIMER_REAL, 0)
                return False, "importing the code raised " + str(exc), exc.syntax
            module = types.ModuleType("solution")
            namespace = {"__name__": "hidden_tests", "__builtins__": builtins}
            for entry_name, value in child.request("globals", 0):
                setattr(module, entry_name, value)
                namespace[entry_name] = value
            sys.modules["solution"] = module
            exec(tests_code, namespace)
            returned = namespace[name]()
            if isinstance(returned, (types.GeneratorType, types.CoroutineType)):
                returned.close()
                raise TypeError("a test must be a plain function, not a generator or coroutine")
            outcome = (True, "")
        except TestTimeout:
            timed_out = True
        except Broken as exc:
            outcome = (False, str(exc))
        except BaseException as exc:
            outcome = (False, describe(exc))
    except TestTimeout:  # fired while handling another exception
        timed_out = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.modules.pop("solution", None)
        if child is not None:
            child.stop()
    if timed_out:
        return False, f"timed out after {deadline_seconds:g} s", False
    if child is not None and child.broken:  # even if the test swallowed the exception
        return False, child.broken, False
    passed, message = outcome
    return passed, message, False


def reset_sandbox():
    """Between tests: kill every process left in the sandbox, reap them, empty ``/tmp``.

    The harness is PID 1 of the sandbox's PID namespace, so ``kill(-1)`` reaches exactly the
    candidate's processes and orphans are reparented to it (unreaped, they would count against
    RLIMIT_NPROC). Best effort: a candidate can only spoil its own later tests.
    """
    with contextlib.suppress(OSError):
        os.kill(-1, signal.SIGKILL)
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.001)  # killed but not yet dead
    with contextlib.suppress(BaseException):
        clear_directory("/tmp")


def clear_directory(path):
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        try:
            if os.path.isdir(full) and not os.path.islink(full):
                os.chmod(full, 0o700)
                clear_directory(full)
                os.rmdir(full)
            else:
                os.unlink(full)
        except OSError:
            pass


def harness_main(run_id):
    job = json.loads(sys.stdin.buffer.read())
    results = os.dup(1)  # the only copy of the results pipe: children never inherit it
    os.dup2(2, 1)  # prints from the tests join the candidate's output
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)

    # Without this, a candidate process (same uid) could ptrace the harness and rewrite its
    # results; a non-dumpable process can only be traced with CAP_SYS_PTRACE, which nothing in
    # the sandbox has.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    for limit, value in (
        (resource.RLIMIT_NPROC, job["max_processes"]),
        (resource.RLIMIT_FSIZE, job["file_size_bytes"]),
        (resource.RLIMIT_NOFILE, job["max_open_files"]),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
    signal.signal(signal.SIGALRM, on_alarm)

    nonce = job["nonce"]

    def report(record):
        write_all(results, (nonce + " " + json.dumps(record) + "\n").encode())

    import ast

    try:
        tree = ast.parse(job["tests"], "hidden_tests.py")
        tests_code = compile(tree, "hidden_tests.py", "exec")
    except (SyntaxError, ValueError) as exc:
        version = ".".join(map(str, sys.version_info[:2]))
        report(
            {
                "fatal": f"the hidden tests do not compile on the sandbox's Python {version}: "
                + describe(exc)
            }
        )
        return
    names = test_names(tree)
    report({"started": True, "tests": len(names)})
    syntax_error = ""
    for name in names:
        started = time.monotonic()
        if syntax_error:
            passed, message = False, syntax_error
        else:
            passed, message, is_syntax = run_test(
                job, run_id, tests_code, name, job["timeout_seconds"]
            )
            if is_syntax:
                syntax_error = message
            reset_sandbox()
        report(
            {
                "test": name,
                "passed": passed,
                "message": message,
                "seconds": round(time.monotonic() - started, 3),
            }
        )
    report({"done": True})


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "child":
        child_main(int(sys.argv[3]), int(sys.argv[4]))
    elif role == "harness":
        try:
            harness_main(sys.argv[2])
        except BaseException:
            traceback.print_exc()
            sys.exit(70)
