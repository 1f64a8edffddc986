"""The trusted program that runs *inside* the code sandbox (see ``grading.adapters.sandbox``).

Never imported by the project: ``grading.adapters.sandbox`` passes this file's source to the system
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

    **Which candidate names the tests see.** Only names the tests mention as identifiers
    (``ast.Name`` nodes anywhere in them) that the candidate module defines publicly, minus
    every name of ``builtins`` and every name the tests bind at module level (``symtable``), are
    put in the tests' global namespace. So a candidate defining ``abs``, ``len`` or ``sorted``
    never replaces the builtins the tests call, and an unmentioned global (say, a huge constant)
    never crosses the pipe. The tests reach anything else through the module ``solution``:
    ``import solution`` or ``from solution import name`` fetch the name on demand, and that is
    the test author's explicit choice even for a builtin's name (``from solution import max``
    tests the candidate's ``max``, in that scope only). ``from solution import *`` imports the
    public names minus the builtins' (the module's ``__all__``).

    **What a failure message may say.** The message reaches the learner, so it must not
    carry hidden test data, and everything the candidate's code says may carry it (it receives
    the tests' arguments). A test fails with

    * ``AssertionError`` plus the assert's own message (written by the test author: authors
      should not put expected values *or the code's results* in it, since the code chooses its
      results), or the full message of a ``NameError``, ``ImportError`` or ``AttributeError``
      raised by the tests (built from the tests' identifiers: "name 'add' is not defined");
    * "the code raised ValueError" for an exception raised by candidate code, whatever its
      message: only the name of a built-in exception type, "an exception of a class it
      defined" otherwise (a class name is a string the code chooses). The tests themselves
      still see the full exception;
    * "the test raised TypeError" for any other exception raised by the tests, whose message
      could quote a value the code returned (``int(result)``: "invalid literal … 'SECRET'");
    * the harness's own words for timeouts, limits, crashes and protocol breaks (no exit status,
      no signal the code could choose to send, except the limits' SIGXCPU, SIGKILL, SIGSEGV);
    * the compiler's message for a syntax error in the candidate's code, which the harness
      finds by compiling the code itself (compiling runs nothing) before any test: the
      code's source was fixed before it saw any test, and a child's import reports are not
      trusted (candidate code may have rewritten them). An exception raised while importing
      the code is reported by type only.

    A low-bandwidth channel remains and is accepted: which tests pass, and which of the few
    dozen built-in exception types the code raises.

    **Instructor scripts** (job ``"mode": "script"``: ``python`` checks and ``transform``) use
    the same machinery: the script is the child's module, and the harness calls its functions
    in turn through a proxy, ``function(value, context)``, the first with the model's output,
    then reports the last return value (plain JSON data) on its results descriptor. The script
    is the instructor's, so its exceptions are reported in full ("NameError: name 'x' is not
    defined"); what it is handed (the output, the test's variables) is only ever data.

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
    """An exception raised by candidate code that cannot be rebuilt as its built-in type."""


class Unsupported(TypeError):
    """An operation the sandbox does not support; its message (written here) is reported."""


REMOTE_MESSAGE = "_sandbox_remote_message"
"""The attribute that keeps a rebuilt exception's ``"Type: message"`` line as the child wrote it
(reported for instructor scripts only)."""

CANDIDATE_TYPE = "_sandbox_candidate_type"
"""The attribute that marks an exception rebuilt from the candidate's: the name of its built-in
type, or "" for a class of the candidate's own."""

BUILTIN_NAMES = frozenset(vars(builtins))
"""Names a candidate global never takes over in the tests' namespace (see the docstring)."""

TRUSTED_MESSAGE_TYPES = (AssertionError, NameError, ImportError, AttributeError)
"""Exceptions raised by the tests whose full message is reported (see the module docstring)."""


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
        reply({"error": describe(exc), "type": type(exc).__name__})
        return
    reply({"value": None})

    for line in requests:
        try:
            request = json.loads(line)
            target = handles[request["h"]]
            op = request["op"]
            if op == "names":
                result = sorted(
                    name
                    for name in vars(target)
                    if isinstance(name, str) and not name.startswith("_")
                )
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
        # Neither the exit status nor an arbitrary signal is reported: the code chooses them,
        # so they could spell out the test's arguments (see the module docstring).
        if status < 0:
            limit = {
                signal.SIGXCPU: "SIGXCPU (CPU time limit)",
                signal.SIGKILL: "SIGKILL (killed: CPU time or memory limit)",
                signal.SIGSEGV: "SIGSEGV (crashed, possibly out of memory)",
            }.get(-status, "a signal")
            self.fail(f"the candidate's process was killed by {limit}")
        self.fail("the candidate's process exited during the test")

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
        """Wait until the candidate module is imported; return what its import raised, or None.

        The exception is rebuilt like any candidate exception (see ``rebuild_exception``).
        """
        _value, error = self.receive()
        return None if error is None else rebuild_exception(error)

    def names(self):
        """The candidate module's public global names, as the child reports them."""
        names = self.request("names", 0)
        if not isinstance(names, list):
            self.fail("the candidate's process broke the sandbox protocol")
        return frozenset(
            name
            for name in names
            if isinstance(name, str) and name.isidentifier() and not name.startswith("_")
        )

    def stop(self):
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def rebuild_exception(error):
    """Rebuild a candidate's exception as the built-in type of that name, if there is one.

    The tests see its message; the result is marked (``CANDIDATE_TYPE``) so that a failure
    report names only its type (see ``failure_message``).
    """
    message = str(error.get("error", ""))
    type_name = error.get("type")
    cls = getattr(builtins, type_name, None) if isinstance(type_name, str) else None
    builtin = isinstance(cls, type) and issubclass(cls, BaseException)
    exc = None
    if builtin and issubclass(cls, Exception):
        text = message.split(": ", 1)[1] if ": " in message else ""
        with contextlib.suppress(Exception):  # e.g. UnicodeDecodeError needs five arguments
            exc = cls(text)
    if exc is None:
        exc = CandidateError(message)
    setattr(exc, CANDIDATE_TYPE, cls.__name__ if builtin else "")
    setattr(exc, REMOTE_MESSAGE, message)
    return exc


def raised_by_the_code(exc):
    """The name of ``exc``'s built-in type, or a phrase for a class the candidate defined."""
    return getattr(exc, CANDIDATE_TYPE, "") or "an exception of a class it defined"


def failure_message(exc):
    """What a failure report may say about ``exc``, which ended a test (see the docstring)."""
    if getattr(exc, CANDIDATE_TYPE, None) is not None:
        return "the code raised " + raised_by_the_code(exc)
    if isinstance(exc, (Unsupported, *TRUSTED_MESSAGE_TYPES)):
        return describe(exc)
    return "the test raised " + type(exc).__name__


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
        raise Unsupported("the tests cannot modify the candidate's objects")

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
    raise Unsupported(f"a {type(value).__name__} cannot be passed to the candidate's code")


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


def names_to_inject(tree, source):
    """The names the tests may receive from the candidate (see the module docstring).

    Every identifier the tests mention, minus the builtins' names and the names the tests bind
    at module level. Mentions that turn out to be local are harmless: a local wins.
    """
    import ast
    import symtable

    mentioned = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    module_level = symtable.symtable(source, "hidden_tests.py", "exec")
    own = {
        symbol.get_name()
        for symbol in module_level.get_symbols()
        if symbol.is_assigned() or symbol.is_imported()
    }
    return frozenset(mentioned - own - BUILTIN_NAMES)


def solution_module(child, names):
    """The module ``solution`` the tests may import: it fetches the candidate's names lazily."""
    module = types.ModuleType("solution")
    module.__all__ = sorted(names - BUILTIN_NAMES)

    def fetch(name):
        if name not in names:
            raise AttributeError(f"module 'solution' has no attribute {name!r}")
        value = child.request("getattr", 0, name=name)
        setattr(module, name, value)
        return value

    module.__getattr__ = fetch  # PEP 562: called for names not fetched yet
    return module


def on_alarm(signum, frame):
    raise TestTimeout()


def run_test(job, run_id, tests_code, wanted, name, deadline_seconds):
    """Run one test against a fresh child; return ``(passed, message)``.

    ``wanted``: the names the tests may receive from the candidate (``names_to_inject``).
    """
    child = None
    timed_out = False
    outcome = None
    signal.setitimer(signal.ITIMER_REAL, deadline_seconds)
    try:
        try:
            child = Child(job, run_id)
            import_error = child.start()
            if import_error is not None:
                outcome = (False, "importing the code raised " + raised_by_the_code(import_error))
            else:
                candidate_names = child.names()
                module = solution_module(child, candidate_names)
                namespace = {"__name__": "hidden_tests", "__builtins__": builtins}
                for entry_name in sorted(wanted & candidate_names):
                    namespace[entry_name] = getattr(module, entry_name)
                sys.modules["solution"] = module
                exec(tests_code, namespace)
                returned = namespace[name]()
                if isinstance(returned, (types.GeneratorType, types.CoroutineType)):
                    returned.close()
                    raise Unsupported(
                        "a test must be a plain function, not a generator or coroutine"
                    )
                outcome = (True, "")
        except TestTimeout:
            timed_out = True
        except Broken as exc:
            outcome = (False, str(exc))
        except BaseException as exc:
            outcome = (False, failure_message(exc))
    except TestTimeout:  # fired while handling another exception
        timed_out = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.modules.pop("solution", None)
        if child is not None:
            child.stop()
    if timed_out:
        return False, f"timed out after {deadline_seconds:g} s"
    if child is not None and child.broken:  # even if the test swallowed the exception
        return False, child.broken
    return outcome


def as_json_data(value, depth=0):
    """``value`` as JSON data (tuples become lists, keys strings, as ``json.dumps`` does);
    raise ``Unsupported`` naming what is not JSON data (a set, bytes, NaN, a custom object)."""
    kind = type(value)
    if value is None or kind in (bool, str, int):
        return value
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise Unsupported(f"{value!r} is not a JSON number")
        return value
    if depth > DEPTH_LIMIT:
        raise Unsupported("the value is nested too deeply")
    if kind in (list, tuple):
        return [as_json_data(item, depth + 1) for item in value]
    if kind is dict:
        data = {}
        for key, item in value.items():
            if type(key) not in (str, int, float, bool) and key is not None:
                raise Unsupported(f"a {type(key).__name__} key is not JSON data")
            name = key if type(key) is str else json.dumps(key)
            data[name] = as_json_data(item, depth + 1)
        return data
    name = value._type if isinstance(value, Remote) else kind.__name__
    raise Unsupported(f"a {name} object is not JSON data")


def script_failure(exc):
    """What a failed script step reports: the exception as the script raised it."""
    return getattr(exc, REMOTE_MESSAGE, "") or describe(exc)


def run_script(job, run_id, deadline_seconds):
    """Call the script's functions in turn in a fresh child; return the record to report."""
    child = None
    step = ""
    record = None
    timed_out = False
    signal.setitimer(signal.ITIMER_REAL, deadline_seconds)
    try:
        try:
            child = Child(job, run_id)
            import_error = child.start()
            if import_error is not None:
                record = {"script": "failed", "message": script_failure(import_error)}
            else:
                value = job["output"]
                for step in job["functions"]:
                    function = child.request("getattr", 0, name=step)
                    value = as_json_data(function(value, job["context"]))
                record = {"script": "ok", "value": value}
        except TestTimeout:
            timed_out = True
        except Broken as exc:
            record = {"script": "failed", "function": step, "message": str(exc)}
        except BaseException as exc:
            message = script_failure(exc)
            if isinstance(exc, Unsupported):
                message = "it returned " + message.removeprefix("Unsupported: ")
            record = {"script": "failed", "function": step, "message": message}
    except TestTimeout:  # fired while handling another exception
        timed_out = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if child is not None:
            child.stop()
    if timed_out:
        message = f"timed out after {deadline_seconds:g} s"
        return {"script": "failed", "function": step, "message": message}
    if child is not None and child.broken:
        return {"script": "failed", "function": step, "message": child.broken}
    return record


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

    if job.get("mode") == "script":
        try:
            compile(job["code"], "script.py", "exec")
        except Exception as exc:
            report({"script": "failed", "message": describe(exc)})
            return
        report({"started": True})
        report(run_script(job, run_id, job["timeout_seconds"]))
        report({"done": True})
        return

    import ast

    try:
        tree = ast.parse(job["tests"], "hidden_tests.py")
        tests_code = compile(tree, "hidden_tests.py", "exec")
        wanted = names_to_inject(tree, job["tests"])
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
    # Compiling runs nothing, and only this compiler's message on the code's own source is
    # trusted to describe a syntax error (see the module docstring).
    try:
        compile(job["code"], "solution.py", "exec")
        syntax_error = ""
    except Exception as exc:  # SyntaxError; ValueError (NUL bytes); RecursionError; MemoryError
        syntax_error = "importing the code raised " + describe(exc)
    report({"started": True, "tests": len(names)})
    for name in names:
        started = time.monotonic()
        if syntax_error:
            passed, message = False, syntax_error
        else:
            passed, message = run_test(
                job, run_id, tests_code, wanted, name, job["timeout_seconds"]
            )
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
