"""Loaded by pytest (`-p tests.environment`) before Django's settings are read."""

import os

from scripts import processes

# Tasks of this test session go to a queue of its own, so a development worker running on the
# same Redis never takes them (and a test's worker never takes the developer's).
os.environ["PROMPTCRAFT_CELERY_QUEUE"] = f"promptcraft-test-{os.getpid()}"
# Likewise for cached model responses: a test session never replays another one's.
os.environ["PROMPTCRAFT_RESPONSE_CACHE_PREFIX"] = f"promptcraft-test-{os.getpid()}"

# Without REDIS_URL, the tests that need Redis start the bundled server (the `redis_server`
# fixture) on a port chosen here, before settings read REDIS_URL.
if not os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{processes.free_port()}/0"
    os.environ["PROMPTCRAFT_TEST_START_REDIS"] = "1"
