"""Test set-up shared by every app.

Tests that need a real service carry a marker (postgres, redis, celery, browser). They run
whenever that service is available. Without it they are skipped on a developer machine,
but with CI=true a missing service fails the run: nothing is skipped in CI. The same holds
for `shared_data`: tests that need the full national files or the seed texts in the
shared folder beside the repository (everything else reads `tests/data/`).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# in a thread with a running loop unless told that this is safe (it is, in tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Processes the tests start (a Celery worker, manage.py, uvicorn) run with DEBUG off like
# production, which refuses the built-in secret key: give them a throwaway one.
os.environ.setdefault("SECRET_KEY", "tests-only-" + os.urandom(24).hex())

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
TEST_DATA_DIR = REPO_ROOT / "tests" / "data"
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _postgres_configured() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _browser_available() -> bool:
    if not Path(CHROMIUM).exists():
        return False
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


_REQUIREMENTS = {
    "postgres": (_postgres_configured, "DATABASE_URL does not point at PostgreSQL"),
    "redis": (_redis_available, "REDIS_URL is not set or Redis does not answer"),
    "celery": (
        lambda: _redis_available() and _postgres_configured(),
        "a real Celery worker needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL)",
    ),
    "browser": (_browser_available, f"{CHROMIUM} or playwright is not installed"),
    "shared_data": (
        lambda: (SHARED_DIR / "data").is_dir() and (SHARED_DIR / "seeds").is_dir(),
        f"{SHARED_DIR} (the full data files and seeds) is not beside the repository",
    ),
    "nginx": (
        lambda: bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
        "Debian's nginx is not installed (apt-get install nginx-light)",
    ),
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, (available, reason) in _REQUIREMENTS.items():
        if item.get_closest_marker(marker) and not available():
            if IN_CI:
                pytest.fail(f"CI must run every marked test, but {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder; only for tests marked `shared_data` (skipped without it)."""
    if not SHARED_DIR.is_dir():
        pytest.fail(f"{SHARED_DIR} is missing: mark the test `shared_data`")
    return SHARED_DIR


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def demo(db):
    """The two Farent plans, loaded exactly as `manage.py load_demo` loads them."""
    from plans.demo import load_demo

    return load_demo()


@pytest.fixture
def people(db):
    from tests.base import People

    return People.create()


def chromium_path() -> str:
    return shutil.which("chromium") or CHROMIUM


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is deliberately slow; tests log in dozens of people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _cookies_over_http_in_the_browser(request, settings):
    # Production cookies are Secure (DEBUG is off); the live server the browser tests
    # drive speaks plain HTTP.
    if request.node.get_closest_marker("browser"):
        settings.SESSION_COOKIE_SECURE = False
        settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _no_background_pdf(settings):
    # Every plan write would queue a delayed PDF render on the real broker; the tests of
    # that behaviour (tests/plans/test_pdf_worker.py) switch it on with a worker of their own.
    settings.PDF_PRERENDER = False
