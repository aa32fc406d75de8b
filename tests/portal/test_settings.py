"""Production settings: refuse to start without secrets, and pass `check --deploy` cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_SECRET = "x7Gk2pQ9vLm4Rt8Wz1Ns6Yb3Hc5Jd0Fe7Ua2Ki9Lo4Pq8Mr1St6Vw3Xy5Zb0Cd"


# Settings each test sets itself; the browser tests' async flag must not reach check --deploy.
CONFIGURED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEY",
    "REDIS_URL",
    "PORTAL_BASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "BREVO_API_KEY",
    "ANYMAIL_WEBHOOK_SECRET",
    "EMAIL_BACKEND",
    "SMS_BACKEND",
    "AUDIT_HMAC_KEY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CONFIGURED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": PROD_SECRET,
    "ALLOWED_HOSTS": "espace-client.example.fr",
    "FIELD_ENCRYPTION_KEY": "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMtISE=",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_BASE_URL": "https://espace-client.example.fr",
    "EMAIL_BACKEND": "console",
    "SMS_BACKEND": "console",
    "AUDIT_HMAC_KEY": "k" * 40,
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("EMAIL_BACKEND", "Set BREVO_API_KEY, or EMAIL_BACKEND"),
        ("SMS_BACKEND", "Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"),
    ],
)
def test_production_never_prints_messages_unless_told_to(missing: str, message: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr
    # A provider configured is enough.
    provider = (
        {"BREVO_API_KEY": "xkeysib-1", "ANYMAIL_WEBHOOK_SECRET": "brevo:s3cret"}
        if missing == "EMAIL_BACKEND"
        else {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}
    )
    assert manage("check", **env, **provider).returncode == 0


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY", "REDIS_URL", "AUDIT_HMAC_KEY"],
)
def test_production_refuses_to_start_without_a_required_setting(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG=0" in result.stderr


def test_production_refuses_a_key_that_is_not_a_fernet_key() -> None:
    result = manage("check", **{**PRODUCTION, "FIELD_ENCRYPTION_KEY": "x"})
    assert result.returncode != 0
    assert "must be a Fernet key" in result.stderr


def test_production_needs_an_https_address_for_emailed_links() -> None:
    result = manage("check", **{**PRODUCTION, "PORTAL_BASE_URL": "http://espace-client.example.fr"})
    assert result.returncode != 0
    assert "PORTAL_BASE_URL must be an https://" in result.stderr


def test_production_with_brevo_needs_the_webhook_credentials() -> None:
    result = manage("check", **{**PRODUCTION, "BREVO_API_KEY": "xkeysib-1"})
    assert result.returncode != 0
    assert "ANYMAIL_WEBHOOK_SECRET must be set" in result.stderr
    secured = {**PRODUCTION, "BREVO_API_KEY": "xkeysib-1", "ANYMAIL_WEBHOOK_SECRET": "u:p"}
    assert manage("check", **secured).returncode == 0


def test_production_refuses_a_weak_secret_key() -> None:
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_check_deploy_prints_no_warning() -> None:
    result = manage("check", "--deploy", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_development_needs_nothing() -> None:
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_without_redis_every_process_shares_the_login_counters(tmp_path) -> None:
    """Two gunicorn workers, or a worker and a command, count login failures together."""
    env = {"CACHE_DIR": str(tmp_path / "cache")}
    write = "from django.core.cache import cache; cache.set('portal-test', 'vu', 60)"
    read = "from django.core.cache import cache; print(cache.get('portal-test'))"
    assert manage("shell", "-c", write, **env).returncode == 0
    assert manage("shell", "-c", read, **env).stdout.strip().splitlines()[-1] == "vu"
