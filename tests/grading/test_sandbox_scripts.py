"""Instructor scripts (``python`` checks, ``transform``) in the real code sandbox.

The script is trusted to mean what its author wrote, never to touch the host: it runs in the
same bubblewrap sandbox as candidate code, and only JSON data comes back.
"""

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from grading.adapters.sandbox import SandboxConfig, run_script
from grading.core.checks import build_checks
from grading.core.checks.scripts import script_source
from grading.core.types import Attempt, ScriptJob, ScriptReport, Tools
from tests.grading.sandbox_support import REQUIRES_SANDBOX

pytestmark = REQUIRES_SANDBOX

REPO = Path(__file__).resolve().parents[2]


def script(code: str, output: Any = "out", context: dict | None = None, **options) -> ScriptReport:
    job = ScriptJob(
        source=script_source({"main": code}),
        functions=("main",),
        output=output,
        context=context or {"vars": {}},
        **options,
    )
    return asyncio.run(run_script(job))


def test_the_value_the_script_returns_comes_back_as_json_data():
    report = script(
        "{'n': len(output), 'vars': context['vars'], 't': (1, 2)}", "abc", {"vars": {"a": "1"}}
    )
    assert (report.status, report.value) == ("ok", {"n": 3, "vars": {"a": "1"}, "t": [1, 2]})


def test_functions_are_chained_and_the_failing_one_is_named():
    source = script_source({"transform": "json.loads(output)", "main": "output['k'] * 2"})
    ok = asyncio.run(run_script(ScriptJob(source, ("transform", "main"), '{"k": 21}', {})))
    assert (ok.status, ok.value) == ("ok", 42)
    bad = asyncio.run(run_script(ScriptJob(source, ("transform", "main"), "not json", {})))
    assert (bad.status, bad.function) == ("failed", "transform")
    assert bad.message.startswith("JSONDecodeError: Expecting value")


def test_an_exception_is_reported_in_full_for_the_author():
    report = script("undefined_name + 1")
    assert report.status == "failed"
    assert report.message == "NameError: name 'undefined_name' is not defined"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("{1, 2}", "it returned a set object is not JSON data"),
        ("b'x'", "it returned a bytes object is not JSON data"),
        ("float('inf')", "it returned inf is not a JSON number"),
        ("object()", "it returned a object object is not JSON data"),
    ],
)
def test_a_value_that_is_not_json_data_fails(code, message):
    report = script(code)
    assert (report.status, report.message) == ("failed", message)


def test_a_script_that_runs_forever_is_stopped():
    report = script("__import__('time').sleep(60)", timeout_seconds=1)
    assert report.status == "failed"
    assert "timed out after 1 s" in report.message


def test_a_memory_bomb_fails():
    report = script("len('x' * (1024 ** 3))", memory_mb=64)
    assert report.status == "failed"
    assert "MemoryError" in report.message or "killed" in report.message


def test_the_script_sees_neither_the_project_nor_the_environment(monkeypatch):
    monkeypatch.setenv("PROMPTCRAFT_SCRIPT_SECRET", "hunter2")
    code = (
        "import os\n"
        f"return [os.path.exists({str(REPO / 'manage.py')!r}), os.path.exists('/etc/passwd'),\n"
        "        'PROMPTCRAFT_SCRIPT_SECRET' in os.environ, os.path.exists('/proc/self/environ')]"
    )
    assert script(code).value == [False, False, False, False]


def test_the_script_cannot_reach_the_network():
    code = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 6379), timeout=1)\n"
        "    return 'connected'\n"
        "except OSError as exc:\n"
        "    return type(exc).__name__"
    )
    assert script(code).value != "connected"


def test_a_script_cannot_forge_its_result_by_printing():
    code = 'print(\'{"script": "ok", "value": true}\')\nreturn False'
    report = script(code)
    assert (report.status, report.value) == ("ok", False)
    assert '"script"' in report.output  # captured as output, never read as a result


def test_a_syntax_error_is_a_failure_named_by_the_compiler():
    job = ScriptJob("def main(output, context)\n    return 1\n", ("main",), "x", {})
    report = asyncio.run(run_script(job))
    assert report.status == "failed"
    assert report.message.startswith("SyntaxError")


def test_without_bubblewrap_it_is_an_error_that_says_what_to_install(tmp_path):
    job = ScriptJob(script_source({"main": "True"}), ("main",), "x", {})
    report = asyncio.run(run_script(job, SandboxConfig(bwrap=str(tmp_path / "no-bwrap"))))
    assert report.status == "error"
    assert "apt-get install bubblewrap" in report.message


def test_the_python_check_and_a_transform_grade_through_the_real_sandbox():
    rubric = [
        {
            "type": "python",
            "value": "data = json.loads(output)\n"
            "ok = data['city'] == context['vars']['city']\n"
            "return {'pass': ok, 'score': 1, 'reason': 'city checked'}",
        },
        {"type": "icontains", "value": "{{city}}", "transform": "json.loads(output)['city']"},
        {"type": "not-python", "value": "os.getcwd()"},  # NameError: fails under not- too
    ]
    variables = {"city": "Paris"}
    checks = build_checks(rubric, variables)
    attempt = Attempt(
        prompt="p", rendered_prompt="p", output='{"city": "paris"}', variables=variables
    )
    tools = Tools(run_script=run_script)
    results = [asyncio.run(check.arun(attempt, tools)) for check in checks]
    assert [(r.passed, r.error) for r in results] == [(False, False), (True, False), (False, False)]
    assert results[0].reason == "city checked"
    assert results[2].reason == "Python code execution failed: NameError: name 'os' is not defined"


def test_concurrent_scripts_stay_separate():
    async def many():
        jobs = [
            ScriptJob(script_source({"main": f"output + '{n}'"}), ("main",), "n", {})
            for n in range(4)
        ]
        return await asyncio.gather(*(run_script(job) for job in jobs))

    assert [report.value for report in asyncio.run(many())] == ["n0", "n1", "n2", "n3"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop applies to a root worker")
def test_a_root_worker_runs_scripts_as_nobody():
    assert script("__import__('os').getuid()").value == 65534
