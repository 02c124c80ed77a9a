"""Settings for libread-tts, read from the environment.

With nothing set, the service runs on embedded defaults decided here, so ``make run`` and any
``python manage.py ...`` in the same checkout see the same data: SQLite in ``var/``, a
filesystem message broker in ``var/broker/``, files in ``var/media/`` and a local GPU worker.
With ``DATABASE_URL`` and a Redis ``CELERY_BROKER_URL`` it is the production stack.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from libread_tts.env import env, env_bool, env_float, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("TTS_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def local_secret_key() -> str:
    """A key made once per checkout for embedded mode; production sets SECRET_KEY."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Created readable by its owner alone: never a moment with the umask's permissions.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as key_file:
            key_file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
# With a database server the service runs as several processes, maybe on several machines: a key
# made per machine would sign sessions that the others refuse, so it must be given.
if not env("SECRET_KEY") and env("DATABASE_URL"):
    raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is: every process must sign with one key")
SECRET_KEY = env("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# HTTPS=true when clients reach the service through a TLS proxy that sets X-Forwarded-Proto:
# plain HTTP is redirected, browsers are told to keep to HTTPS, and cookies go over TLS only.
# Health stays reachable over plain HTTP, for the probes of compose and load balancers.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/tts/v1/tts/health$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    # Both bind more than this service (every subdomain; browsers' built-in lists, hard to leave): opt-in.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # check --deploy asks for both; leaving them off is this deployment's decision, not an oversight.
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The service's apps, bottom up: each imports only those above it in this list.
    "accounts",
    "engines",
    "billing",
    "voices",
    "synthesis",
    "speech",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files under gunicorn, with no web server in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "libread_tts.urls"
WSGI_APPLICATION = "libread_tts.wsgi.application"
# The API's paths are exact, as LibRead's client writes them: no redirect to a trailing slash.
APPEND_SLASH = False

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

# Database: DATABASE_URL (PostgreSQL in production), else SQLite in var/. SQLite is tuned for a
# web process and a worker process writing at once: WAL, a busy timeout, and transactions that
# take the write lock at BEGIN, so two writers never deadlock upgrading read locks.
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    sqlite_path = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not :memory:, so a Celery worker process sees what the tests wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(sqlite_path.with_name(f"test_{sqlite_path.name}"))}
# Connections are kept between requests: opening one (and SQLite's pragmas) costs more than a poll.
DATABASES["default"].update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
MEDIA_ROOT = Path(env("MEDIA_ROOT") or VAR_DIR / "media")
# Static files come from the apps themselves, so the admin is styled without a collectstatic
# step in `make run`; the image collects them into STATIC_ROOT as well.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"  # not served publicly: audio goes out through the API and the admin

# Large enough for a 50,000-character chapter in JSON; inline voice data is checked on its own.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 16 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, but for voice uploads: a cross-site HTML form cannot send JSON without a preflight,
    # so no web page can make a visitor's browser create jobs (the keyless account has no key to steal).
    "DEFAULT_PARSER_CLASSES": ["common.api.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "common.api.AnsweringNegotiation",
    # The body's `format` of a job is its audio's; no query parameter picks a renderer.
    "URL_FORMAT_OVERRIDE": None,
    "EXCEPTION_HANDLER": "libread_tts.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "libread-tts",
    "DESCRIPTION": "Text-to-speech jobs for LibRead: submit text, poll, fetch audio.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "JobStatus": "synthesis.models.SynthesisJob.Status",
        "SegmentStatus": "synthesis.models.Segment.Status",
        "PromptStatus": "voices.models.Voice.PromptStatus",
    },
    # The docs page's assets come from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport needs no server; it does not redeliver unacknowledged
    # messages, which the lease on claimed segments makes up for.
    BROKER_DIR = VAR_DIR / "broker"
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # The exchange tables; kombu's default is ./control, in whatever directory a process starts.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu polls the folder once a second by default: a job's every batch would wait for it.
        "polling_interval": 0.05,
    }
else:
    # Redis redelivers a message nobody acknowledged within this many seconds; it must exceed
    # the longest task (task_time_limit) or a running task gets a twin.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# Tasks are idempotent (segments are claimed with a lease), so acknowledge after running and
# let a crashed worker's message be delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=10)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"synthesis.tasks.synthesize_job": {"queue": "synthesis"}}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A job that has not moved for this long, with no live claim, is requeued by beat, which looks
# as often: a lost task message costs a reader about a minute at most.
TTS_STALL_SECONDS = env_int("TTS_STALL_SECONDS", 30, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-jobs": {
        "task": "synthesis.tasks.requeue_stalled_jobs",
        "schedule": timedelta(seconds=TTS_STALL_SECONDS),
    },
    "delete-expired-jobs": {"task": "synthesis.tasks.delete_expired_jobs", "schedule": timedelta(hours=1)},
    "reconcile-vastai-charges": {"task": "billing.tasks.reconcile_vastai_charges", "schedule": timedelta(days=1)},
}
if CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 10**9) <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT")

# The cache holds rate-limit counters, shared by every web process: Redis in production (the
# broker's server unless CACHE_URL says otherwise), files in var/ on embedded defaults.
CACHE_URL = env("CACHE_URL") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# TTS
# The engines the service knows, and those clients may choose (?engine= or the body's engine):
# only the default unless the operator enables more, so no client can send work to a worker the
# deployment does not run (an unreachable one would only hold a job until its cold-start timeout).
TTS_ENGINES = ("local", "vastai")
TTS_DEFAULT_ENGINE = env("TTS_DEFAULT_ENGINE") or "local"
if TTS_DEFAULT_ENGINE not in TTS_ENGINES:
    raise ImproperlyConfigured(f"TTS_DEFAULT_ENGINE must be one of {', '.join(TTS_ENGINES)}")
TTS_ENABLED_ENGINES = tuple(env_list("TTS_ENABLED_ENGINES", [TTS_DEFAULT_ENGINE]))
if unknown_engines := set(TTS_ENABLED_ENGINES) - set(TTS_ENGINES):
    raise ImproperlyConfigured(f"TTS_ENABLED_ENGINES names unknown engines: {', '.join(sorted(unknown_engines))}")
if TTS_DEFAULT_ENGINE not in TTS_ENABLED_ENGINES:
    raise ImproperlyConfigured("TTS_ENABLED_ENGINES must include TTS_DEFAULT_ENGINE")
GPU_WORKER_URL = env("GPU_WORKER_URL") or "http://127.0.0.1:8080"
GPU_WORKER_TOKEN = env("GPU_WORKER_TOKEN")  # the model server's own GPU_WORKER_TOKEN, sent by the local engine
# The worker's own per-text limit (its TTS_MAX_LENGTH): no segment is ever longer.
TTS_WORKER_MAX_LENGTH = env_int("TTS_WORKER_MAX_LENGTH", 5000, minimum=50)
TTS_JOB_MAX_CHARACTERS = env_int("TTS_JOB_MAX_CHARACTERS", 100_000, minimum=1)
TTS_VOICE_DATA_MAX_BYTES = env_int("TTS_VOICE_DATA_MAX_BYTES", 10_000_000, minimum=1000)
# Segments per worker request after a job's first (which goes alone). The worker batches requests
# of every job together, and answers a request when all of its segments are done: small requests
# keep audio coming while Celery's concurrency times this fills the GPU's batch.
TTS_BATCH_SEGMENTS = env_int("TTS_BATCH_SEGMENTS", 4, minimum=1)
TTS_SEGMENT_MAX_ATTEMPTS = env_int("TTS_SEGMENT_MAX_ATTEMPTS", 3, minimum=1)
TTS_WORKER_TIMEOUT = env_float("TTS_WORKER_TIMEOUT", 240.0, minimum=1.0)
# How long a job waits for a GPU worker to become ready (a cold start) before it fails, and how
# long one task waits of that before it hands the wait to a fresh one (it must end within
# CELERY_TASK_SOFT_TIME_LIMIT).
TTS_COLD_START_TIMEOUT = env_int("TTS_COLD_START_TIMEOUT", 900, minimum=1)
TTS_COLD_START_POLL_WINDOW = env_float("TTS_COLD_START_POLL_WINDOW", 120.0, minimum=0.1)
TTS_JOB_RETENTION_HOURS = env_int("TTS_JOB_RETENTION_HOURS", 72, minimum=1)
# Segments already spoken are served from storage (synthesis/cache.py); they expire with their jobs.
TTS_SEGMENT_CACHE = env_bool("TTS_SEGMENT_CACHE", True)
# Whether a preset voice's audio is shared across accounts (a stored voice's never is).
TTS_SEGMENT_CACHE_SHARED = env_bool("TTS_SEGMENT_CACHE_SHARED", True)
TTS_SEGMENT_CACHE_VERSION = env("TTS_SEGMENT_CACHE_VERSION") or "1"  # bump after changing workers' sampling
TTS_RETRY_AFTER_SECONDS = env_int("TTS_RETRY_AFTER_SECONDS", 1, minimum=1)
TTS_ANONYMOUS_ACCOUNT = env("TTS_ANONYMOUS_ACCOUNT")
# How long a web process keeps an API key it looked up: a revoked key may work that much longer
# in other processes. 0 looks every key up on every request.
TTS_API_KEY_CACHE_SECONDS = env_int("TTS_API_KEY_CACHE_SECONDS", 10)
TTS_MAX_ACTIVE_JOBS = env_int("TTS_MAX_ACTIVE_JOBS", 100, minimum=1)
# OpenAI's speech API holds a web thread per call: how long one waits for its first audio (then
# 503), and how many calls an account may stream at once (429 over it).
TTS_SPEECH_FIRST_AUDIO_TIMEOUT = env_int("TTS_SPEECH_FIRST_AUDIO_TIMEOUT", 60, minimum=1)
TTS_SPEECH_MAX_STREAMS = env_int("TTS_SPEECH_MAX_STREAMS", 4, minimum=1)
# Per key. Polling is never throttled: LibRead polls every job every 500 ms.
TTS_JOB_CREATE_RATE = env("TTS_JOB_CREATE_RATE") or "120/min"
TTS_VOICE_UPLOAD_RATE = env("TTS_VOICE_UPLOAD_RATE") or "10/min"
# USD per GPU hour for requests whose instance price is unknown (the local engine, say).
TTS_FALLBACK_PRICE_PER_HOUR = env("TTS_FALLBACK_PRICE_PER_HOUR") or "0.40"
# A job's cost estimate before the ledger has any history to measure it from.
TTS_ESTIMATED_COST_PER_CHARACTER = env("TTS_ESTIMATED_COST_PER_CHARACTER") or "0.00001"

# Vast.ai serverless (the `vastai` engine). The route service needs the endpoint's name and its
# own key: with VASTAI_ENDPOINT_NAME set, the name and the account key are used; otherwise both
# are looked up once by VASTAI_ENDPOINT_ID from the console API.
VASTAI_API_KEY = env("VASTAI_API_KEY")
VASTAI_ENDPOINT_ID = env("VASTAI_ENDPOINT_ID")
VASTAI_ENDPOINT_NAME = env("VASTAI_ENDPOINT_NAME")
VASTAI_ROUTE_URL = (env("VASTAI_ROUTE_URL") or "https://run.vast.ai").rstrip("/")
VASTAI_CONSOLE_URL = (env("VASTAI_CONSOLE_URL") or "https://console.vast.ai").rstrip("/")
VASTAI_ROUTE_TIMEOUT = env_float("VASTAI_ROUTE_TIMEOUT", 10.0, minimum=0.1)
VASTAI_WORKER_TIMEOUT = env_float("VASTAI_WORKER_TIMEOUT", TTS_WORKER_TIMEOUT, minimum=0.1)
# Retries of 408, 429, 5xx and transport errors within one worker request, same request_idx.
VASTAI_MAX_RETRIES = env_int("VASTAI_MAX_RETRIES", 3)
# The longest pause between route polls while no worker is ready, and between retries.
VASTAI_POLL_MAX_INTERVAL = env_float("VASTAI_POLL_MAX_INTERVAL", 5.0, minimum=0.05)
# A claimed segment not stored within this time is claimed again (its task died). A run holds
# its claim for one worker call at most, and renews it while it waits for a worker to start.
TTS_CLAIM_LEASE_SECONDS = env_int(
    "TTS_CLAIM_LEASE_SECONDS", int(max(TTS_WORKER_TIMEOUT, VASTAI_WORKER_TIMEOUT)) + 60, minimum=10
)
# Prices of worker instances are looked up again after this long.
VASTAI_PRICE_TTL_SECONDS = env_int("VASTAI_PRICE_TTL_SECONDS", 3600)
# What `manage.py vastai_sync` creates or updates on Vast.ai; defaults as LibRead's README recommends.
VASTAI_DEPLOY_ENDPOINT_NAME = env("VASTAI_DEPLOY_ENDPOINT_NAME") or VASTAI_ENDPOINT_NAME or "libread-tts"
VASTAI_TEMPLATE_NAME = env("VASTAI_TEMPLATE_NAME") or "libread-tts-worker"
VASTAI_WORKER_IMAGE = env("VASTAI_WORKER_IMAGE")  # the gpu_worker image, ideally by digest
VASTAI_WORKER_ENV = env("VASTAI_WORKER_ENV")  # extra docker options, e.g. "-e TTS_MAX_BATCH=24"
VASTAI_DISK_GB = env_int("VASTAI_DISK_GB", 40, minimum=8)
VASTAI_MIN_WORKERS = env_int("VASTAI_MIN_WORKERS", 0)  # cold_workers; 0 scales to zero
VASTAI_MAX_WORKERS = env_int("VASTAI_MAX_WORKERS", 3, minimum=1)
VASTAI_MIN_LOAD = env_float("VASTAI_MIN_LOAD", 0.0)
VASTAI_TARGET_UTIL = env_float("VASTAI_TARGET_UTIL", 0.9, minimum=0.05)
VASTAI_COLD_MULT = env_float("VASTAI_COLD_MULT", 2.5)
VASTAI_MAX_QUEUE_TIME = env_float("VASTAI_MAX_QUEUE_TIME", 120.0)
VASTAI_TARGET_QUEUE_TIME = env_float("VASTAI_TARGET_QUEUE_TIME", 30.0)
VASTAI_INACTIVITY_TIMEOUT = env_int("VASTAI_INACTIVITY_TIMEOUT", 600)
VASTAI_GPU_RAM = env_int("VASTAI_GPU_RAM", 8, minimum=1)
# Hosts whose driver runs the image's CUDA (gpu_worker/Dockerfile), checked by tests/deploy.
VASTAI_SEARCH_PARAMS = env("VASTAI_SEARCH_PARAMS") or "reliability>0.95 num_gpus=1 cuda_vers>=12.8"
VASTAI_LAUNCH_ARGS = env("VASTAI_LAUNCH_ARGS")
# Seconds between console writes: the console rate-limits each endpoint (vastai.md §5.4).
VASTAI_WRITE_INTERVAL = env_float("VASTAI_WRITE_INTERVAL", 4.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
}
