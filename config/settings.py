"""Promptcraft settings: the only settings file. Every value that differs between environments
comes from an environment variable (documented in .env.example and the README)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    """The variable's value; unset or empty means the default (as in .env.example's blanks)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

DATA_DIR = Path(env_str("PROMPTCRAFT_DATA_DIR", str(BASE_DIR / "data")))
# The port `make run` serves the site on.
PROMPTCRAFT_PORT = env_int("PROMPTCRAFT_PORT", 8000, minimum=1)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- Models and grading ---------------------------------------------------------------------
# Any LiteLLM model string ("openai/gpt-4o-mini", "anthropic/claude-…"), or "local/<name>" for a
# model served by the bundled llama.cpp server (see localmodels/).
PROMPTCRAFT_DEFAULT_MODEL = env_str(
    "PROMPTCRAFT_DEFAULT_MODEL", "local/qwen2.5-coder-0.5b-instruct"
)
PROMPTCRAFT_LOCAL_MODEL_URL = env_str("PROMPTCRAFT_LOCAL_MODEL_URL", "http://127.0.0.1:8011/v1")
# llama.cpp on two cores slows badly under contention: keep local calls to one or two at a time.
PROMPTCRAFT_LOCAL_CONCURRENCY = env_int("PROMPTCRAFT_LOCAL_CONCURRENCY", 1, minimum=1)
PROMPTCRAFT_REMOTE_CONCURRENCY = env_int("PROMPTCRAFT_REMOTE_CONCURRENCY", 32, minimum=1)
PROMPTCRAFT_MODEL_TIMEOUT = env_int("PROMPTCRAFT_MODEL_TIMEOUT", 120, minimum=1)
# Quick retries of one failed call (429, 5xx, connection errors) before the whole task retries.
PROMPTCRAFT_MODEL_RETRIES = env_int("PROMPTCRAFT_MODEL_RETRIES", 2, minimum=0)
# The model behind `llm-rubric` checks unless an exercise or check names another.
PROMPTCRAFT_JUDGE_MODEL = env_str("PROMPTCRAFT_JUDGE_MODEL", PROMPTCRAFT_DEFAULT_MODEL)
# Judge models asked about one rubric criterion per call (each with its own schema, concurrently
# and cached): small models answer several criteria at once unreliably. Comma-separated.
PROMPTCRAFT_JUDGE_ONE_CRITERION_PER_CALL = env_list(
    "PROMPTCRAFT_JUDGE_ONE_CRITERION_PER_CALL",
    ["local/qwen2.5-coder-0.5b-instruct", "local/smollm2-135m-instruct"],
)
# Model responses (and judge answers, embeddings) are cached by (model, parameters, messages,
# sample index): an unchanged regrade makes no model call. Days before an entry expires.
PROMPTCRAFT_RESPONSE_CACHE_DAYS = env_int("PROMPTCRAFT_RESPONSE_CACHE_DAYS", 30, minimum=1)
# The default model of `similar` checks: any LiteLLM embedding model string
# ("openai/text-embedding-3-small", …), or "local/<name>" for the bundled embedding server
# (python -m localmodels serve-embeddings). Empty values mean the default.
PROMPTCRAFT_EMBEDDING_MODEL = env_str("PROMPTCRAFT_EMBEDDING_MODEL", "local/all-minilm-l6-v2")
PROMPTCRAFT_LOCAL_EMBEDDING_URL = env_str(
    "PROMPTCRAFT_LOCAL_EMBEDDING_URL", "http://127.0.0.1:8012/v1"
)

# --- Apps -----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "accounts",
    "courses",
    "exercises",
    "grading",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'promptcraft.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates its file but not the folder: a fresh clone has no data folder yet.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server and the Celery worker write to the same file: WAL lets readers run beside
    # one writer, IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a Celery worker process started by a test sees the test data;
    # one per test session, so that two sessions in one checkout do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(DATA_DIR / f"test_promptcraft_{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
LOGIN_REDIRECT_URL = "courses:catalogue"
LOGIN_URL = "account_login"

# Development prints emails to the console; production sends them by SMTP.
EMAIL_BACKEND_PATH = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": {}}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Promptcraft <noreply@localhost>")

# --- Internationalisation and static files --------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"

# --- Security (production sets DJANGO_DEBUG=false) ------------------------------------------
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Celery ---------------------------------------------------------------------------------
# `make run` starts the bundled Redis on this port when REDIS_URL is not set.
PROMPTCRAFT_BUNDLED_REDIS_PORT = env_int("PROMPTCRAFT_BUNDLED_REDIS_PORT", 6380, minimum=1)
REDIS_URL = env_str("REDIS_URL", f"redis://127.0.0.1:{PROMPTCRAFT_BUNDLED_REDIS_PORT}/0")
CELERY_BROKER_URL = REDIS_URL
PROMPTCRAFT_RESPONSE_CACHE_URL = env_str("PROMPTCRAFT_RESPONSE_CACHE_URL", REDIS_URL)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Shared by every worker; losing it only costs model calls, never a grade.
    # "locmem://" keeps it in the process (one worker only; benchmarks).
    "responses": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "responses",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
    if PROMPTCRAFT_RESPONSE_CACHE_URL.startswith("locmem://")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": PROMPTCRAFT_RESPONSE_CACHE_URL,
        "KEY_PREFIX": env_str("PROMPTCRAFT_RESPONSE_CACHE_PREFIX", "promptcraft-responses"),
        "TIMEOUT": PROMPTCRAFT_RESPONSE_CACHE_DAYS * 24 * 3600,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    },
}
CELERY_RESULT_BACKEND = None  # The database row is the record; nothing lives only in Redis.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("PROMPTCRAFT_CELERY_QUEUE", "promptcraft")
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
# A task whose worker dies is redelivered: acknowledge after the task runs, requeue on a lost
# worker, and let Redis redeliver an unacknowledged task only after it could have finished.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2 + 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Submissions queued or grading for longer than this are put back on the queue by the sweep.
PROMPTCRAFT_STUCK_AFTER_SECONDS = env_int(
    "PROMPTCRAFT_STUCK_AFTER_SECONDS", CELERY_TASK_TIME_LIMIT + 60, minimum=1
)
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-submissions": {
        "task": "grading.tasks.requeue_stuck_submissions",
        "schedule": 60.0,
    },
}

# Connection URLs carry passwords in their values: error pages and logs mask them.
DEFAULT_EXCEPTION_REPORTER = "config.reporting.CredentialMaskingReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.reporting.CredentialMaskingFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_credentials": {"()": "config.reporting.MaskCredentialsInLogs"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_credentials"]}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"LiteLLM": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
