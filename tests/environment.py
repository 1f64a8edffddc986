"""Loaded by pytest (`-p tests.environment`) before Django's settings are read."""

import os

# Tasks of this test session go to a queue of its own, so a development worker running on the
# same Redis never takes them (and a test's worker never takes the developer's).
os.environ["PROMPTCRAFT_CELERY_QUEUE"] = f"promptcraft-test-{os.getpid()}"
