"""The code sandbox: correct code passes, and every attack on the host or on the verdict fails.

Each attack is written as candidate code plus hidden tests that an honest sandbox fails (or, for
containment probes, that pass only when the attack was contained), so a broken sandbox fails
these tests rather than passing them silently.
"""

import asyncio
import os
import socket
import textwrap
import time
from pathlib import Path

import pytest

from grading.adapters.sandbox import (
    FILE_SIZE_BYTES,
    MAX_PROCESSES,
    OUTPUT_LIMIT,
    TMPFS_BYTES,
    SandboxConfig,
    run_code,
)
from grading.core.types import CodeJob, CodeReport
from tests.grading.sandbox_support import REQUIRES_SANDBOX

REPO = Path(__file__).resolve().parents[2]


pytestmark = REQUIRES_SANDBOX


def run(code: str, tests: str, **options) -> CodeReport:
    job = CodeJob(code=textwrap.dedent(code), tests=textwrap.dedent(tests), **options)
    return asyncio.run(run_code(job))


def processes_mentioning(marker: str) -> list[int]:
    """The pids of processes on the host whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


# --------------------------------------------------------------------------------------------
# Honest code


ADD_TESTS = """
    def test_small():
        assert add(2, 3) == 5

    def test_negative():
        assert add(-1, -1) == -2

    def test_import_by_module_name():
        from solution import add as plus
        assert plus(10, 5) == 15
"""


ADD_TESTS_SOURCE = textwrap.dedent(ADD_TESTS)


def test_a_correct_solution_passes_every_test():
    report = run("def add(a, b):\n    return a + b\n", ADD_TESTS)
    assert (report.passed, report.failed, report.status) == (3, 0, "ok"), report


def test_a_wrong_solution_fails_and_names_the_failing_test():
    report = run("def add(a, b):\n    return a - b if a < 0 else a + b\n", ADD_TESTS)
    assert (report.passed, report.failed, report.status) == (2, 1, "ok")
    assert report.failures == ("test_negative: AssertionError",)


def test_a_syntax_error_fails_every_test_with_the_reason():
    report = run("def add(a, b)\n    return a + b\n", ADD_TESTS)
    assert (report.passed, report.failed, report.status) == (0, 3, "ok")
    assert all("SyntaxError" in failure for failure in report.failures)
    assert "line 1" in report.failures[0]


def test_classes_exceptions_generators_and_plain_values_work_through_the_proxies():
    code = """
        GREETING = "hi"

        class Stack:
            def __init__(self):
                self.items = []
            def push(self, item):
                self.items.append(item)
            def pop(self):
                if not self.items:
                    raise IndexError("pop from empty stack")
                return self.items.pop()
            def __len__(self):
                return len(self.items)

        def squares(n):
            return (i * i for i in range(n))

        def parse(text):
            if not text:
                raise ValueError("empty")
            return {"words": text.split(), "chars": len(text), "ratio": 0.5}
    """
    tests = """
        def test_stack():
            stack = Stack()
            stack.push((1, "a"))
            assert len(stack) == 1 and stack
            assert stack.pop() == (1, "a")
            try:
                stack.pop()
            except IndexError as exc:
                assert "empty" in str(exc)
            else:
                assert False, "expected IndexError"

        def test_generator_and_constant():
            assert list(squares(4)) == [0, 1, 4, 9]
            assert GREETING == "hi"

        def test_exceptions_and_dicts():
            assert parse("a b") == {"words": ["a", "b"], "chars": 3, "ratio": 0.5}
            try:
                parse("")
            except ValueError:
                pass
            else:
                assert False
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (3, 0), report.failures


def test_each_test_gets_a_fresh_process_so_state_does_not_leak_between_tests():
    code = "calls = []\ndef count():\n    calls.append(1)\n    return len(calls)\n"
    tests = "def test_one():\n    assert count() == 1\n\ndef test_two():\n    assert count() == 1\n"
    assert run(code, tests).passed == 2


def test_files_and_processes_do_not_survive_from_one_test_to_the_next():
    code = """
        import os, time
        def leave_traces():
            open("/tmp/trace", "w").close()
            if os.fork() == 0:
                time.sleep(0.2)
                open("/tmp/late-trace", "w").close()
                os._exit(0)
            return sorted(os.listdir("/tmp"))

        def traces():
            time.sleep(0.4)
            return sorted(os.listdir("/tmp"))
    """
    tests = """
        def test_first():
            assert leave_traces() == ["trace"]

        def test_second():
            assert traces() == []
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (2, 0), report.failures


def test_hidden_tests_that_parse_but_do_not_compile_are_an_error():
    # ast.parse accepts a module-level return; compiling it fails (as would syntax newer than
    # the sandbox's Python).
    report = run("def f():\n    return 1\n", "def test_f():\n    pass\n\nreturn 1\n")
    assert report.status == "error"
    assert "do not compile on the sandbox's Python" in report.message


def test_a_huge_or_deeply_nested_return_value_fails_cleanly():
    code = """
        def huge():
            return "x" * (8 * 1024 * 1024)

        def deep():
            value = []
            for _ in range(1000):
                value = [value]
            return value
    """
    tests = """
        def test_huge():
            assert len(huge()) == 8 * 1024 * 1024

        def test_deep():
            assert deep() is not None
            assert len(deep()) == 1
    """
    report = run(code, tests, memory_mb=512)
    assert (report.passed, report.failed, report.status) == (1, 1, "ok"), report.failures
    assert report.failures[0].startswith("test_huge: the candidate's answer exceeds 4 MB")


def test_a_generator_test_is_a_failure_not_a_vacuous_pass():
    report = run("def f():\n    return 1\n", "def test_gen():\n    yield\n    assert f() == 2\n")
    assert (report.passed, report.failed) == (0, 1)
    assert "not a generator" in report.failures[0]


def test_concurrent_runs_stay_separate():
    async def both() -> list[CodeReport]:
        jobs = [
            CodeJob(code=f"def add(a, b):\n    return a + b + {bias}\n", tests=ADD_TESTS_SOURCE)
            for bias in (0, 1, 0, 1)
        ]
        return await asyncio.gather(*(run_code(job) for job in jobs))

    assert [report.passed for report in asyncio.run(both())] == [3, 0, 3, 0]


def test_the_candidates_output_is_captured_and_truncated():
    code = "print('hello from the candidate')\nprint('x' * 100_000)\ndef f():\n    return 1\n"
    report = run(code, "def test_f():\n    assert f() == 1\n")
    assert report.passed == 1
    assert report.output.startswith("hello from the candidate\n")
    assert report.output.endswith("…[output truncated]")
    assert len(report.output.encode()) <= OUTPUT_LIMIT + 100


# --------------------------------------------------------------------------------------------
# Containment


def test_no_network_not_even_to_a_server_on_the_workers_loopback():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    # Abstract Unix sockets (D-Bus, X11…) belong to the network namespace too.
    abstract_name = f"\0promptcraft-sandbox-test-{os.getpid()}"
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(abstract_name)
    abstract.listen()
    try:
        code = """
            import errno, socket
            def connect(host, port):
                try:
                    socket.create_connection((host, port), timeout=2).close()
                    return "connected"
                except OSError as exc:
                    return errno.errorcode.get(exc.errno, str(exc))

            def connect_unix(name):
                client = socket.socket(socket.AF_UNIX)
                try:
                    client.connect(name)
                    return "connected"
                except OSError as exc:
                    return errno.errorcode.get(exc.errno, str(exc))
        """
        tests = f"""
            def test_the_workers_loopback_is_unreachable():
                # bwrap brings up a loopback of the sandbox's own, where nothing listens.
                assert connect("127.0.0.1", {port}) == "ECONNREFUSED"

            def test_public_address_is_unreachable():
                assert connect("1.1.1.1", 53) == "ENETUNREACH"

            def test_dns_fails():
                assert connect("example.com", 80) != "connected"

            def test_abstract_unix_socket_is_unreachable():
                assert connect_unix({abstract_name!r}) == "ECONNREFUSED"
        """
        report = run(code, tests)
        for listener in (server, abstract):
            listener.setblocking(False)
            with pytest.raises(BlockingIOError):
                listener.accept()  # no connection ever arrived
    finally:
        server.close()
        abstract.close()
    assert (report.passed, report.failed) == (4, 0), report.failures


def test_a_fork_bomb_is_contained_by_the_process_limit():
    code = """
        import os, time
        def forks():
            count = 0
            try:
                while count < 1000:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    count += 1
            except OSError as exc:
                return count, exc.errno
            return count, 0

        def bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """
    tests = f"""
        import errno
        def test_forking_stops_at_the_limit():
            count, error = forks()
            assert 5 < count < {MAX_PROCESSES}
            assert error == errno.EAGAIN

        def test_a_real_bomb_only_times_out():
            bomb()
    """
    report = run(code, tests, timeout_seconds=2)
    assert report.status == "ok"
    assert (report.passed, report.failed) == (1, 1), report.failures
    assert report.failures[0].startswith("test_a_real_bomb_only_times_out: ")


def test_a_memory_bomb_fails_with_a_memory_error():
    code = """
        def allocate_at_once():
            return len(bytearray(2 * 1024 ** 3))

        def allocate_slowly():
            blocks = []
            while True:
                blocks.append(bytearray(10 * 1024 ** 2))
    """
    tests = """
        def test_at_once():
            assert allocate_at_once() == 2 * 1024 ** 3

        def test_slowly():
            allocate_slowly()
    """
    report = run(code, tests, memory_mb=128)
    assert (report.passed, report.failed, report.status) == (0, 2, "ok")
    assert all("MemoryError" in failure for failure in report.failures), report.failures


def test_an_infinite_loop_is_killed_at_the_per_test_timeout():
    code = "def spin():\n    while True:\n        pass\n\ndef ok():\n    return 1\n"
    tests = "def test_spin():\n    spin()\n\ndef test_ok():\n    assert ok() == 1\n"
    report = run(code, tests, timeout_seconds=1)
    assert (report.passed, report.failed, report.status) == (1, 1, "ok")
    assert report.failures == ("test_spin: timed out after 1 s",)


def test_an_infinite_loop_at_import_time_fails_every_test():
    report = run("while True:\n    pass\n", ADD_TESTS, timeout_seconds=0.5)
    assert (report.passed, report.failed) == (0, 3)
    assert all("timed out" in failure for failure in report.failures)


def test_a_run_that_never_ends_is_killed_at_the_wall_clock_limit_with_everything_inside():
    marker = f"promptcraft-leftover-{os.getpid()}-{time.monotonic_ns()}"
    # The candidate leaves a detached process behind; the test itself never ends (a broken
    # hidden test), so only the worker's wall-clock limit stops the run.
    code = f"""
        import os
        def detach():
            if os.fork() == 0:
                os.setsid()
                os.execv("/usr/bin/python3", ["python3", "-c", "import time; time.sleep(60)",
                                              "{marker}"])
            return True
    """
    tests = """
        def test_forever():
            detach()
            while True:
                try:
                    while True:
                        pass
                except BaseException:  # swallows the harness's per-test alarm
                    pass
    """
    report = run(code, tests, timeout_seconds=0.5)
    assert (report.passed, report.failed, report.status) == (0, 1, "timeout")
    # Killing bwrap tears the PID namespace down asynchronously: allow it a moment.
    deadline = time.monotonic() + 2
    while processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(marker) == []


def test_the_tmpfs_fills_up_and_files_stop_at_the_size_limit():
    code = f"""
        import errno, os
        def fill_tmp():
            written = 0
            try:
                for number in range(100):
                    with open(f"/tmp/fill{{number}}", "wb") as handle:
                        for _ in range(4):
                            handle.write(b"x" * (1024 * 1024 - 1))
                            handle.flush()
                            written += 1024 * 1024 - 1
            except OSError as exc:
                return written, errno.errorcode[exc.errno]
            return written, "no error"

        def big_file():
            try:
                with open("/tmp/big", "wb") as handle:
                    handle.write(b"x" * ({FILE_SIZE_BYTES} + 1))
            except OSError as exc:
                return errno.errorcode[exc.errno]
            return "no error"

        def write_outside_tmp():
            found = []
            for path in ("/usr/evil", "/evil", "/dev/evil"):
                try:
                    open(path, "w").close()
                    found.append(path)
                except OSError:
                    pass
            return found
    """
    tests = f"""
        def test_tmpfs_is_full():
            written, error = fill_tmp()
            assert error == "ENOSPC"
            assert written <= {TMPFS_BYTES}

        def test_file_size_limit():
            assert big_file() == "EFBIG"

        def test_read_only_elsewhere():
            assert write_outside_tmp() == []
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (3, 0), report.failures


def test_the_workers_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    code = """
        import os
        def snoop():
            seen = [repr(dict(os.environ))]
            for path in ("/proc/1/environ", "/proc/self/environ", "/proc/2/environ"):
                try:
                    with open(path, "rb") as handle:
                        seen.append(handle.read().decode(errors="replace"))
                except OSError as exc:
                    seen.append(f"{path}: {exc}")
            print("snooped:", seen)
            return seen
    """
    tests = """
        def test_snoop():
            found = snoop()
            assert False, str(found)
    """
    report = run(code, tests)
    assert "snooped:" in report.output
    assert "PATH" in report.failures[0]  # the environment was read and reported
    everything = report.output + "\n".join(report.failures) + report.message
    assert "sk-test-secret" not in everything
    assert "OPENAI_API_KEY" not in everything


def test_the_project_and_home_directories_are_not_visible():
    paths = [
        "/work/main/config/settings.py",
        str(REPO / "config" / "settings.py"),
        str(REPO / "grading" / "adapters" / "sandbox.py"),
        "/work/main/.venv/bin/python",
        "/root",
        "/home",
        "/etc/passwd",
        "/run",
        "/var",
        "/sys",
        "/proc",
    ]
    code = f"""
        import os
        def readable():
            found = []
            for path in {paths!r}:
                try:
                    if os.path.isdir(path):
                        os.listdir(path)
                    else:
                        open(path, "rb").close()
                    found.append(path)
                except OSError:
                    pass
            return found

        def top_level():
            return sorted(os.listdir("/"))
    """
    tests = """
        def test_nothing_readable():
            assert readable() == []

        def test_top_level():
            assert set(top_level()) <= {"bin", "dev", "lib", "lib32", "lib64", "libx32", "sbin",
                                        "tmp", "usr"}
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (2, 0), report.failures


def test_the_candidate_never_sees_the_hidden_tests():
    code = """
        import gc, os, sys
        def look():
            found = []
            for obj in gc.get_objects():
                if isinstance(obj, str) and "SECRET-EXPECTATION" in obj:
                    found.append("memory")
            for root, dirs, files in os.walk("/tmp"):
                found.extend(files)
            return found
    """
    tests = "def test_look():\n    assert look() == []  # SECRET-EXPECTATION\n"
    assert run(code, tests).passed == 1


# --------------------------------------------------------------------------------------------
# Forging a pass: the hidden tests below all fail for the candidate's real answers.

FORTY_TWO_TESTS = """
    def test_answer():
        assert answer() == 42

    def test_answer_again():
        assert answer() + 0 == 42
"""


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(
            """
            import sys
            for fd in (1, 2):
                import os
                os.write(fd, b'{"test": "test_answer", "passed": true}\\n{"done": true}\\n')
            print("2 passed, 0 failed")
            def answer():
                return 41
            """,
            id="prints-fake-results",
        ),
        pytest.param(
            """
            import json, os
            def answer():
                record = json.dumps({"test": "test_answer", "passed": True}).encode()
                for fd in range(3, 1024):
                    for line in (record, b'{"done": true}'):
                        try:
                            os.write(fd, line + b"\\n")
                        except OSError:
                            pass
                return 41
            """,
            id="writes-to-every-descriptor",
        ),
        pytest.param(
            "import os\ndef answer():\n    os._exit(0)\n",
            id="os-exit-0-during-the-test",
        ),
        pytest.param(
            "import sys\nsys.exit(0)\ndef answer():\n    return 42\n", id="exit-at-import"
        ),
        pytest.param("import sys\ndef answer():\n    sys.exit(0)\n", id="sys-exit-during-the-test"),
        pytest.param(
            """
            import builtins
            class Never(Exception):
                pass
            builtins.AssertionError = Never
            builtins.__import__ = lambda *args, **kwargs: None
            def answer():
                return 41
            """,
            id="monkeypatches-builtins",
        ),
        pytest.param(
            """
            class AlwaysEqual:
                def __eq__(self, other):
                    return True
                def __add__(self, other):
                    return self
            def answer():
                return AlwaysEqual()
            """,
            id="always-equal-object",
        ),
        pytest.param(
            """
            class Liar(int):
                def __eq__(self, other):
                    return True
                __hash__ = int.__hash__
            def answer():
                return Liar(41)
            """,
            id="int-subclass-that-lies",
        ),
        pytest.param(
            "import os, signal\ndef answer():\n    os.kill(1, signal.SIGKILL)\n    return 41\n",
            id="kills-the-harness",
        ),
        pytest.param(
            "import os, signal\ndef answer():\n    os.kill(1, signal.SIGSTOP)\n    return 41\n",
            id="stops-the-harness",
        ),
        pytest.param(
            """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            def answer():
                for pid in range(1, 10):
                    if pid != os.getpid() and libc.ptrace(16, pid, 0, 0) == 0:
                        print("attached to", pid)
                return 41
            """,
            id="ptraces-the-harness",
        ),
        pytest.param(
            "import os, sys\ndef answer():\n    sys.stdout.write('x')\n    os.close(0)\n"
            "    os.close(1)\n    os.close(3)\n    os.close(4)\n    return 42\n",
            id="closes-the-protocol-descriptors",
        ),
    ],
)
def test_the_candidate_cannot_forge_a_pass(attack):
    report = run(attack, FORTY_TWO_TESTS, timeout_seconds=1)
    assert report.passed == 0, report
    assert report.failed == 2
    assert "attached to" not in report.output


def test_a_forged_pass_on_one_test_does_not_spill_onto_the_next():
    code = "import os\ndef answer():\n    return 42\ndef crash():\n    os._exit(0)\n"
    tests = """
        def test_crash():
            crash()
            assert True

        def test_answer():
            assert answer() == 42
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (1, 1)
    assert report.failures == ("test_crash: the candidate's process exited during the test",)


def test_a_test_that_swallows_a_crash_still_fails():
    code = "import os\ndef crash():\n    os._exit(3)\n"
    tests = (
        "def test_swallow():\n    try:\n        crash()\n    except BaseException:\n        pass\n"
    )
    report = run(code, tests)
    assert (report.passed, report.failed) == (0, 1)


# --------------------------------------------------------------------------------------------
# Configuration


def test_without_bubblewrap_nothing_runs_and_the_error_says_what_to_install(tmp_path):
    marker = tmp_path / "ran"
    job = CodeJob(code=f"open({str(marker)!r}, 'w').close()\n", tests=ADD_TESTS)
    report = asyncio.run(run_code(job, SandboxConfig(bwrap=str(tmp_path / "no-bwrap"))))
    assert (report.status, report.passed, report.failed) == ("error", 0, 0)
    assert "bubblewrap" in report.message
    assert not marker.exists()


def test_a_sandbox_that_cannot_start_is_an_error_not_a_failure():
    # /usr/bin/false stands for a bwrap that cannot create its namespaces.
    report = asyncio.run(
        run_code(
            CodeJob(code="", tests=textwrap.dedent(ADD_TESTS)),
            SandboxConfig(bwrap="/usr/bin/false"),
        )
    )
    assert (report.status, report.passed, report.failed) == ("error", 0, 0)
    assert "could not start" in report.message


def test_bad_hidden_tests_and_other_languages_are_errors():
    assert asyncio.run(run_code(CodeJob(code="", tests="def test_(:\n"))).status == "error"
    assert asyncio.run(run_code(CodeJob(code="", tests="x = 1\n"))).status == "error"
    report = asyncio.run(run_code(CodeJob(code="", tests=ADD_TESTS, language="ruby")))
    assert report.status == "error"
    assert "Python only" in report.message


def test_the_code_tests_check_grades_a_model_answer_through_the_real_sandbox():
    from grading.core.checks import build_checks
    from grading.core.types import Attempt, Tools

    (check,) = build_checks([{"type": "code-tests", "tests": textwrap.dedent(ADD_TESTS)}])
    output = "Sure:\n```python\ndef add(a, b):\n    return a + b if a >= 0 else a - b\n```\n"
    attempt = Attempt(prompt="p", rendered_prompt="p", output=output)
    result = asyncio.run(check.arun(attempt, Tools(run_code=run_code)))
    assert (result.passed, result.error) == (False, False)
    assert result.score == pytest.approx(2 / 3)
    assert result.reason == (
        "Passed 2 of 3 hidden tests; first failure: test_negative: AssertionError."
    )


# --------------------------------------------------------------------------------------------
# Shadowing the builtins the hidden tests call


def test_the_candidate_cannot_shadow_the_builtins_the_tests_call():
    code = """
        def area(r):
            return 0
        def abs(x):
            return 0
        def sorted(x, **k):
            return [1, 2, 3]
        def len(x):
            return 3
        def isinstance(x, t):
            return True
        def all(x):
            return True
    """
    tests = """
        def test_abs():
            assert abs(area(2) - 12.566) < 0.01

        def test_sorted():
            assert sorted(area(1)) == [1, 2, 3]

        def test_len():
            assert len(area(5)) == 3

        def test_isinstance_and_all():
            assert isinstance(area(1), list) and all([area(1)])
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (0, 4), report.failures
    assert report.failures == (
        "test_abs: AssertionError",
        "test_sorted: the test raised TypeError",
        "test_len: the test raised TypeError",
        "test_isinstance_and_all: AssertionError",
    )
    # A star import brings the candidate's public names, but not those of builtins.
    star = "from solution import *\n\n" + textwrap.dedent(tests)
    assert run(code, star).failures == report.failures


def test_only_the_names_the_tests_use_are_fetched_and_the_tests_own_names_win():
    # The huge constant is never mentioned by the tests, so it never crosses the pipe (it would
    # exceed the message limit); the tests' own helper shadows the candidate's.
    code = """
        HUGE = "x" * (8 * 1024 * 1024)
        def helper():
            return "the candidate's helper"
        def add(a, b):
            return a + b
    """
    tests = """
        def helper():
            return "the tests' helper"

        def test_add():
            assert add(1, 2) == 3
            assert helper() == "the tests' helper"

        def test_module_access():
            import solution
            from solution import add as plus
            assert plus(2, 2) == solution.add(2, 2) == 4

        def test_missing_name():
            assert subtract(3, 1) == 2
    """
    report = run(code, tests, memory_mb=512)
    assert (report.passed, report.failed) == (2, 1), report.failures
    assert report.failures == ("test_missing_name: NameError: name 'subtract' is not defined",)


def test_an_explicit_import_of_a_builtin_name_is_the_test_authors_choice():
    code = "def max(values):\n    return 7\n"
    tests = """
        def test_own_max():
            from solution import max
            assert max([1, 2]) == 7

        def test_builtin_max_elsewhere():
            assert max([1, 2]) == 2
    """
    report = run(code, tests)
    assert (report.passed, report.failed) == (2, 0), report.failures


# --------------------------------------------------------------------------------------------
# Leaking the hidden tests through failure messages

SECRET_TESTS = """
    def test_secret():
        assert solve([17, 42, 99], key="hunter2") == 1

    def test_own_class():
        assert own_class([17, 42, 99], key="hunter2") == 1

    def test_assertion_from_the_code():
        assert assertion([17, 42, 99], key="hunter2") == 1

    def test_value_checked_by_the_test():
        assert int(echo([17, 42, 99], key="hunter2")) == 1

    def test_exit_status():
        assert exit_with([17, 42, 99], key="hunter2") == 1

    def test_missing_key():
        assert lookup()["hunter2"] == 1
"""

LEAKING_CODE = """
    import os
    def solve(*a, **k):
        raise ValueError(repr((a, k)))

    def own_class(*a, **k):
        raise type("Leak_" + str(a[0][0]) + k["key"], (Exception,), {})(repr(a))

    def assertion(*a, **k):
        raise AssertionError(repr((a, k)))

    def echo(*a, **k):
        return repr((a, k))

    def exit_with(*a, **k):
        os._exit(a[0][0])

    class Table:
        def __getitem__(self, key):
            raise KeyError(key)

    def lookup():
        return Table()
"""


def test_the_codes_exceptions_do_not_reveal_the_hidden_tests_data():
    report = run(LEAKING_CODE, SECRET_TESTS)
    assert (report.passed, report.failed) == (0, 6)
    assert report.failures == (
        "test_secret: the code raised ValueError",
        "test_own_class: the code raised an exception of a class it defined",
        "test_assertion_from_the_code: the code raised AssertionError",
        "test_value_checked_by_the_test: the test raised ValueError",
        "test_exit_status: the candidate's process exited during the test",
        "test_missing_key: the code raised KeyError",
    )


def test_the_tests_can_still_read_the_codes_exception_messages():
    code = "def check(x):\n    raise ValueError(f'bad value {x}')\n"
    tests = """
        def test_message():
            try:
                check(3)
            except ValueError as exc:
                assert str(exc) == "bad value 3"
            else:
                assert False, "expected ValueError"
    """
    assert run(code, tests).passed == 1


def test_an_import_time_exception_is_reported_by_type_only():
    code = "raise ValueError('some text the code chose')\ndef add(a, b):\n    return a + b\n"
    report = run(code, ADD_TESTS)
    assert (report.passed, report.failed) == (0, 3)
    assert set(report.failures) == {
        f"{name}: importing the code raised ValueError"
        for name in ("test_small", "test_negative", "test_import_by_module_name")
    }


def test_the_code_tests_check_shows_no_hidden_data_in_its_reason_or_details():
    from grading.core.checks import build_checks
    from grading.core.types import Attempt, Tools

    (check,) = build_checks([{"type": "code-tests", "tests": textwrap.dedent(SECRET_TESTS)}])
    output = f"```python\n{textwrap.dedent(LEAKING_CODE)}```\n"
    attempt = Attempt(prompt="p", rendered_prompt="p", output=output)
    result = asyncio.run(check.arun(attempt, Tools(run_code=run_code)))
    assert (result.passed, result.error) == (False, False)
    assert result.reason == (
        "Passed 0 of 6 hidden tests; first failure: test_secret: the code raised ValueError."
    )
    visible = result.reason + repr(result.details)
    for secret in ("17", "42", "99", "hunter2"):
        assert secret not in visible
