"""Grading benchmark: one submission of N test inputs x 2 checks, graded through LiteLLM
against the OpenAI-compatible stub server (a separate process on 127.0.0.1).

Prints (1) wall time per submission at 200 ms model latency, (2) platform CPU time per graded
item (this process only: the model is the stub's process), (3) items per second at 0 ms
latency, and (4) a regrade of the same submission from the response cache: the same grade,
no model call. Every measured submission has a prompt of its own, so none is a cache hit."""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts import processes

ROOT = Path(__file__).resolve().parent.parent


def start_stub(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    port = processes.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localmodels.stub", "--port", str(port), "--latency", str(latency)],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        processes.wait_until(
            "the stub server",
            lambda: processes.http_answers(f"{url}/models", timeout=1),
            10,
            gone=processes.exited(process),
        )
    except processes.NotReady as error:
        process.kill()
        raise SystemExit(str(error)) from None
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--via-litellm",
        action="store_true",
        help="send the local model's calls through litellm.acompletion too (as remote ones go)",
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="promptcraft-bench-")
    os.environ.update(
        PROMPTCRAFT_DATA_DIR=data_dir,
        DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite3",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_LOG_LEVEL="WARNING",
        PROMPTCRAFT_RESPONSE_CACHE_URL="locmem://",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from courses.models import Course
    from exercises.models import Exercise, TestInput
    from grading import services
    from grading.adapters.clients import LiteLLMClient
    from grading.models import Submission

    course = Course.objects.create(title="Bench", slug="bench", is_published=True)
    exercise = Exercise.objects.create(
        course=course,
        title="Bench",
        slug="bench",
        instructions="-",
        model="local/stub",
        rubric=[
            {"type": "icontains", "value": "answer"},
            {"type": "max-words", "value": 50},
        ],
        required_placeholders=["n"],
    )
    TestInput.objects.bulk_create(
        TestInput(exercise=exercise, name=f"item {i}", position=i, variables={"n": str(i)})
        for i in range(args.items)
    )
    learner = User.objects.create_user("bench@example.com", "x")

    def client_for(url: str) -> LiteLLMClient:
        return LiteLLMClient(
            local_api_base=url,
            timeout=30,
            local_concurrency=args.concurrency,
            remote_concurrency=args.concurrency,
            local_via_litellm=args.via_litellm,
        )

    def timed_grading(submission: Submission, url: str) -> tuple[float, float, Submission]:
        wall, cpu = time.perf_counter(), time.process_time()
        graded = services.grade_submission(submission_id=submission.pk, client=client_for(url))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if graded is None or not graded.passed:
            raise SystemExit(f"benchmark grading failed: {graded and graded.last_error}")
        return wall, cpu, graded

    def grade_once(url: str) -> tuple[float, float]:
        number = Submission.objects.count() + 1
        submission = Submission.objects.create(
            learner=learner,
            exercise=exercise,
            number=number,
            prompt=f"Give the answer for item {{{{n}}}}. (run {number})",
            model="local/stub",
            seed=f"bench-{number}",
        )
        wall, cpu, graded = timed_grading(submission, url)
        assert graded.provenance["calls"]["model_calls"] == args.items
        return wall, cpu

    path = "litellm.acompletion" if args.via_litellm else "the direct local-server client"
    print(f"Grading 1 submission of {args.items} items x 2 checks, concurrency {args.concurrency}")
    print(f"  model calls through {path}")
    for latency in (0.2, 0.0):
        process, url = start_stub(latency)
        try:
            grade_once(url)  # warm up: imports, connection pool
            runs = [grade_once(url) for _ in range(args.repeats)]
        finally:
            process.terminate()
            process.wait()
        best_wall = min(wall for wall, _ in runs)
        best_cpu = min(cpu for _, cpu in runs)
        print(f"  stub latency {latency * 1000:.0f} ms:")
        print(f"    wall time per submission     {best_wall:.3f} s (best of {args.repeats})")
        print(f"    platform CPU per graded item {best_cpu / args.items * 1000:.2f} ms")
        print(f"    graded items per second      {args.items / best_wall:.0f}")

    process, url = start_stub(0.2)
    try:
        grade_once(url)
        first = Submission.objects.latest("pk")
        regrades = []
        for _ in range(args.repeats):
            Submission.objects.filter(pk=first.pk).update(status="queued")
            regrades.append(timed_grading(first, url))
    finally:
        process.terminate()
        process.wait()
    wall, cpu, again = min(regrades, key=lambda timed: timed[0])
    same = (again.score, again.passed) == (first.score, first.passed)
    print("  regrade of an unchanged submission (response cache):")
    print(f"    wall time                    {wall:.3f} s (best of {args.repeats})")
    print(f"    platform CPU per graded item {cpu / args.items * 1000:.2f} ms")
    print(f"    model calls                  {again.provenance['calls']['model_calls']}")
    print(f"    same grade                   {'yes' if same else 'NO'} (score {again.score:.2f})")


if __name__ == "__main__":
    main()
