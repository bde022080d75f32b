"""Production settings: `check --deploy` is clean with the compose file's environment,
cookies are secure without DEBUG, and the built-in secret key is refused."""

import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT

STRONG_KEY = "x7!Qm2#pL9vR4@tZ8wK1^nB6&yH3*cF5(dJ0)sG" + os.urandom(16).hex()


def dotenv(text: str) -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}."""

    def one(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        current = env.get(name, "")
        if op == ":-":
            return current or arg
        if op == ":?" and not current:
            raise AssertionError(f"compose needs {name}: {arg}")
        return current

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def compose_environment(service: str) -> dict[str, str]:
    """What the service's process sees: .env (from .env.example) plus `environment:`."""
    dot = dotenv((REPO_ROOT / ".env.example").read_text())
    dot.update(
        SECRET_KEY=STRONG_KEY,
        POSTGRES_PASSWORD="only-for-this-test",
        ALLOWED_HOSTS="gebiedsplan.example.nl",
    )
    spec = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"][service]
    env = {k: v for k, v in dot.items() if v != ""}  # compose passes empty values as empty
    for key, value in (spec.get("environment") or {}).items():
        env[key] = interpolate(str(value), dot)
    return env


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "gebiedsplan.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


CHECK_DEPLOY = (
    "import django; django.setup(); from django.core.management import call_command;"
    "call_command('check', deploy=True, fail_level='WARNING')"
)


@pytest.mark.parametrize("service", ["web", "worker"])
def test_check_deploy_is_clean_with_the_compose_environment(service):
    env = compose_environment(service)
    assert env["DEBUG"] == "false"
    out = run_django(CHECK_DEPLOY, env)
    assert out.returncode == 0, out.stderr
    assert "System check identified no issues" in out.stdout + out.stderr


def test_without_debug_cookies_are_secure_and_hsts_and_redirect_follow_the_environment():
    env = compose_environment("web")
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS)"
    )
    out = run_django(
        code, {**env, "SECURE_SSL_REDIRECT": "", "SECURE_HSTS_SECONDS": "", "SECURE_COOKIES": ""}
    )
    assert out.stdout.split() == ["True", "True", "False", "0"], out.stderr
    out = run_django(code, {**env, "SECURE_SSL_REDIRECT": "true", "SECURE_HSTS_SECONDS": "600"})
    assert out.stdout.split() == ["True", "True", "True", "600"], out.stderr
    out = run_django(code, {"DEBUG": "true", "SECRET_KEY": ""})
    assert out.stdout.split()[:2] == ["False", "False"], out.stderr


@pytest.mark.parametrize(
    "key", ["", "insecure-development-key-do-not-use-in-production"], ids=["unset", "built-in"]
)
def test_it_refuses_to_start_with_the_built_in_secret_key_when_debug_is_off(key):
    out = run_django("import django; django.setup()", {"DEBUG": "false", "SECRET_KEY": key})
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and "SECRET_KEY must be set" in out.stderr


def test_with_debug_on_the_built_in_key_is_fine_for_local_development():
    out = run_django(
        "import django; django.setup(); print('ok')", {"DEBUG": "true", "SECRET_KEY": ""}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_production_uses_a_bounded_connection_pool():
    """Under ASGI each request's thread would otherwise keep a connection of its own open
    (benchmarks/bench_load.py ran PostgreSQL out of connections without the pool)."""
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['OPTIONS']['pool']['max_size'])"
    )
    out = run_django(code, compose_environment("web"))
    assert out.stdout.split() == ["0", "16"], out.stderr
