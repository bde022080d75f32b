"""Settings for the Gebiedsplan platform.

One file, read from the environment. Every variable is listed in `.env.example`.
With nothing set, the embedded default applies (SQLite file, tasks run in-process, an
in-process live channel) so one can check out the code and run it. A value that is set
but malformed raises ImproperlyConfigured instead of falling back silently.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# The test run (pytest) has DEBUG off, as production does, but is no deployment.
TESTING = "pytest" in sys.modules
BUILTIN_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY == BUILTIN_SECRET_KEY:
    if env_bool("REQUIRE_SECRET_KEY", default=False) or not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a long random value when DEBUG is off "
            "(for local development set DEBUG=true instead)"
        )
    # Only for local development (DEBUG=true) and the test suite.
    SECRET_KEY = BUILTIN_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_prose_editor",
    "template_partials",
    "reversion",
    "axes",
    "gebiedsplan",
    "plans",
    "wijkdata",
    "matrix",
    "execution",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Everything below WhiteNoise is per person: never stored by a browser or proxy.
    "gebiedsplan.middleware.PrivateCacheControlMiddleware",
    "gebiedsplan.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gebiedsplan.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A write request's changes to plans are one revision, with who made them (plans.history).
    "plans.middleware.RevisionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gebiedsplan.urls"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "gebiedsplan.wsgi.application"
ASGI_APPLICATION = "gebiedsplan.asgi.application"

# Embedded default: a SQLite file next to the code. DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL")
    # A connection pool per process. Under ASGI every request runs its view in a thread
    # of its own, and Django's persistent connections (CONN_MAX_AGE) belong to a thread:
    # without a pool each request left a connection open until PostgreSQL refused new
    # clients ("too many clients", benchmarks/bench_load.py). The pool bounds a process to
    # DATABASE_POOL_SIZE connections and keeps them (and their prepared statements) warm.
    # The test run keeps Django's own connection handling (its test databases).
    if env_bool("DATABASE_POOL", default=not TESTING):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 16),
            # A request waits this long for a free connection before it fails.
            "timeout": 30,
        }
    # Prepared statements, for the few hot statements plans.prepared asks for (Django
    # turns them off: its cursors bind client-side and never prepare, and nothing else
    # uses a server-binding cursor, so the threshold is never reached on its own). Those
    # are planned once per connection (a generic plan): in its default mode PostgreSQL
    # went on planning the history's INSERT afresh on every save (2.8 ms against 0.4 ms),
    # as the generic plan's estimate for "= ANY(array)" never beat the custom one. Only
    # prepared statements have a plan cache: Django's own queries are planned as before.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        prepare_threshold=2**31 - 1, options="-c plan_cache_mode=force_generic_plan"
    )
    DATABASES["default"].setdefault("TEST", {})
    if env_str("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"]["NAME"] = env_str("TEST_DATABASE_NAME")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the live channel between processes. Without it, tasks run
# in-process and the live channel is in-process (one server process only).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must be a redis:// URL")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "gebiedsplan")
# celery beat (the "beat" service in docker-compose): every 30 s, exports that a worker
# killed as a whole left "being made" are queued again (plans.services.plan_export_sweep).
# After edits settle (no change for this many seconds) the worker renders the plan's new
# PDF, so the download after an edit is immediate. Off when tasks run in-process.
PDF_PRERENDER = env_bool("PDF_PRERENDER", bool(REDIS_URL))
PDF_PRERENDER_SETTLE_SECONDS = env_int("PDF_PRERENDER_SETTLE_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    "sweep-plan-exports": {"task": "plans.tasks.sweep_plan_exports", "schedule": 30.0},
    # Daily; sends only in a quarter's last two weeks, once per owner and quarter.
    "execution-quarter-reminders": {"task": "execution.tasks.send_quarter_reminders", "schedule": 86400.0},
}

# Rendered plan pages are cached by content version (plans.selectors.plan_content_version),
# in Redis when there is one so that every web process shares them. The cache fails open
# (gebiedsplan.cache): with Redis down pages render without it, and sessions (cached_db)
# come from the database.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "gebiedsplan.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gebiedsplan",
            "TIMEOUT": 24 * 3600,
            # A Redis host that does not answer must not hold a page for long.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": 24 * 3600,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "gebiedsplan.auth.LoginThrottleBackend",
    # Django's ModelBackend with the session's user read by a prepared statement. A
    # session from before it names Django's own path and asks for one new login.
    "gebiedsplan.auth.ModelBackend",
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user
# name, or from one address, logins are refused for LOGIN_LOCKOUT_MINUTES. Attempts live
# in the database (so Redis down does not lift a lockout); staff unlock in the admin
# ("Toegangspogingen": delete the attempt) or with `manage.py axes_reset`.
AXES_ENABLED = env_bool("LOGIN_THROTTLING", default=True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gebiedsplan.auth.lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Behind the proxy uvicorn puts the client's address in REMOTE_ADDR (--proxy-headers).
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "plans:area_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
# Years must not read "2.025"; counts ask for grouping explicitly (wijkdata.formatting).

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# The test runner and `make run` serve static files from the finders; production
# collects them and WhiteNoise serves them with far-future cache headers.
WHITENOISE_USE_FINDERS = True

# Sessions are read from the cache (Redis in production) and written through to the
# database, so a page view does not pay a session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The importer refuses files above IMPORT_MAX_BYTES and hands files above
# IMPORT_ASYNC_BYTES to a Celery task (the page shows its progress).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 40 * 1024 * 1024)
IMPORT_ASYNC_BYTES = env_int("IMPORT_ASYNC_BYTES", 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
# Cookies only over HTTPS unless DEBUG is on (local development on http://127.0.0.1).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS is terminated in front of us (nginx or the host's load balancer); uvicorn's
# --proxy-headers passes the original scheme on, so request.is_secure() is right.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Submitting a domain to the browsers' HSTS preload list is a decision for its owner
# (the municipality), not a default of ours: no warning for leaving it off.
SILENCED_SYSTEM_CHECKS = ["security.W021"]


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
