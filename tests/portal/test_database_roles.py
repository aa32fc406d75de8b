"""The two-role deployment of docker-compose, on a real PostgreSQL server: deploy/postgres/
roles.sql creates the roles, the migrations run as the owner, and the portal, connected as the
application's role, works (erasure and retention included) while every rewrite of the audit
trail and the consent ledger that the role could try is refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE, OWNER, APP = "portal_roles_test", "portal_owner_rt", "portal_app_rt"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's roles"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql"),
]

AS_THE_APP = """
import json, django
django.setup()
from django.db import DatabaseError, connection, transaction
from accounts.models import Client
from consent.models import Purpose
from consent.services import Proof, consent_scrub_client, consent_set
from portal.audit import Actor, audit_chain_verify, audit_log, audit_scrub_client

client = Client.objects.create(first_name="Alice", last_name="Martin", email="a@client.test")
record = consent_set(client=client, purpose=Purpose.objects.get(key="marketing_email"),
                     granted=True, proof=Proof(method="portal"), by=Actor())
event = audit_log(action="accounts.client.viewed", by=Actor(), client=client)
results = {"erased": audit_scrub_client(client=client) >= 1,
           "scrubbed": consent_scrub_client(client=client) == 1}
attempts = {
    "delete_with_setting": ["SELECT set_config('portal.audit_purge', 'on', false)",
                            f"DELETE FROM portal_auditevent WHERE id = {event.pk}"],
    "scrub_with_setting": ["SELECT set_config('portal.consent_scrub', 'on', false)",
                           f"UPDATE consent_consentrecord SET note = '' , ip = NULL, "
                           f"scrubbed_at = now() WHERE id = {record.pk}"],
    "truncate_trail": ["TRUNCATE portal_auditevent"],
    "truncate_ledger": ["TRUNCATE consent_consentrecord"],
    "disable_trigger": ["ALTER TABLE portal_auditevent DISABLE TRIGGER USER"],
    "drop_trigger": ["DROP TRIGGER portal_auditevent_append_only ON portal_auditevent"],
    "purge_young": [f"SELECT portal_audit_purge_through({event.pk})"],
    "temporary_table": ["CREATE TEMP TABLE pg_class (oid oid, relowner oid)"],
}
for name, statements in attempts.items():
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        results[name] = "allowed"
    except DatabaseError:
        results[name] = "refused"
results["chain"] = audit_chain_verify().ok
print(json.dumps(results))
"""


def _psql(*args: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", *args],
        check=True,
        capture_output=True,
        text=True,
    )


def _drop() -> None:
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        for role in (OWNER, APP):
            db.execute(f'DROP ROLE IF EXISTS "{role}"')


def _portal(role: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{role}:secret@127.0.0.1:5432/{DATABASE}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_application_role_cannot_rewrite_the_trail() -> None:
    _drop()
    try:
        _psql(
            "-v", f"database={DATABASE}",
            "-v", f"owner={OWNER}", "-v", "owner_password=secret",
            "-v", f"app={APP}", "-v", "app_password=secret",
            "-f", str(ROOT / "deploy/postgres/roles.sql"),
        )  # fmt: skip
        migrated = _portal(OWNER, "manage.py", "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        # The application's role may not migrate: it owns nothing.
        assert _portal(APP, "manage.py", "migrate", "--noinput").returncode == 0  # nothing to do
        run = _portal(APP, "-c", AS_THE_APP)
        assert run.returncode == 0, run.stderr[-3000:]
        results = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        _drop()
    assert results == {
        "erased": True,
        "scrubbed": True,
        "delete_with_setting": "refused",
        "scrub_with_setting": "refused",
        "truncate_trail": "refused",
        "truncate_ledger": "refused",
        "disable_trigger": "refused",
        "drop_trigger": "refused",
        "purge_young": "refused",
        "temporary_table": "refused",
        "chain": True,
    }
