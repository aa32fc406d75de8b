"""Purge figures (issue: retention).

On PostgreSQL, with N clients (default 1,000,000), their consent records and documents,
30 % of them past retention (prospects out of contact for 4 years, whose profile is anonymised
and consent ledger scrubbed; quotes 4 years old, deleted), it prints:
- the wall time and peak Python memory of the purge (and at N/10, to show memory flat);
- in the same run, the time of hand-written SQL doing the same updates and deletes on an
  identical copy of the database;
- the number of SQL statements, which grows with the number of batches, not of rows.

Usage: .venv/bin/python bench/purge.py [--clients 1000000]
Scratch databases portal_bench_purge, portal_bench_purge_sql and portal_bench_purge_mem
on BENCH_PG (default
postgres://postgres@127.0.0.1:5432), dropped and recreated each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import tracemalloc
from pathlib import Path

from scratch import recreate_database  # bench/scratch.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB, COPY, MEMORY = "portal_bench_purge", "portal_bench_purge_sql", "portal_bench_purge_mem"


def setup() -> None:
    recreate_database(f"{PG}/{DB}")
    os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEBUG = False  # as in production: no log of every SQL statement in memory
    call_command("migrate", verbosity=0)


def populate(count: int) -> None:
    """Clients, one consent record each and one quote each, by COPY. 30 % are past retention:
    prospects last contacted 4 years ago (already warned 40 days ago), and 4-year-old quotes."""
    from django.db import connection

    from consent.models import Purpose

    purpose = Purpose.objects.select_related("wording").get(key="marketing_email")
    from django.utils import timezone

    today = timezone.now()
    now = today - dt.timedelta(days=20)
    old = today - dt.timedelta(days=4 * 365)
    warned = today - dt.timedelta(days=40)
    columns = (
        "customer_number, civility, first_name, last_name, email, phone, address_line1, "
        "address_line2, postal_code, city, country, language, status, source, collected_at, "
        "last_contact_at, is_restricted, created_at, updated_at, email_digest, phone_digest, "
        "retention_warned_at"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY accounts_client ({columns}) FROM STDIN") as copy:
            for n in range(count):
                past = n % 10 < 3
                copy.write_row(
                    (
                        f"B{n:08d}",
                        "",
                        f"Prénom{n}",
                        f"Nom{n}",
                        f"c{n}@bench.test",
                        "",
                        "1 rue",
                        "",
                        "70000",
                        "Vesoul",
                        "France",
                        "fr",
                        "prospect" if past else "client",
                        "",
                        old if past else now,
                        old if past else now,
                        n % 997 == 0,
                        now,
                        now,
                        "",
                        "",
                        warned if past else None,
                    )
                )
        cursor.execute("SELECT min(id) FROM accounts_client")
        first = cursor.fetchone()[0]
        with raw.copy(
            "COPY consent_consentrecord (client_id, purpose_id, granted, wording_id, method, at, "
            "ip, user_agent, proof, note) FROM STDIN"
        ) as copy:
            for n in range(count):
                copy.write_row(
                    (
                        first + n,
                        purpose.pk,
                        n % 2 == 0,
                        purpose.wording_id,
                        "portal",
                        now,
                        "203.0.113.0",
                        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                        "",
                        "",
                    )
                )
        with raw.copy(
            "COPY accounts_document (public_id, client_id, kind, title, reference, issued_on, "
            "file, content_type, size, sha256, uploaded_at) FROM STDIN"
        ) as copy:
            import uuid

            for n in range(count):
                past = n % 10 < 3
                copy.write_row(
                    (
                        uuid.uuid4(),
                        first + n,
                        "quote",
                        f"Devis {n}",
                        "",
                        (old if past else now).date(),
                        "",
                        "application/pdf",
                        0,
                        "0" * 64,
                        now,
                    )
                )
        cursor.execute("ANALYZE")


def rules() -> None:
    from retention.models import ProcessingActivity, RetentionRule

    activity = ProcessingActivity.objects.create(
        key="bench", name="Clients", purposes="x", legal_basis="b", persons="x", data_categories="x"
    )
    RetentionRule.objects.create(
        activity=activity,
        data_kind="accounts.client_profile",
        label="Prospects",
        duration=3,
        unit="years",
        event="last_contact",
        action="anonymise",
        client_status="prospect",
        legal_reference="CNIL",
    )
    RetentionRule.objects.create(
        activity=activity,
        data_kind="accounts.documents",
        label="Devis",
        duration=3,
        unit="years",
        event="document_date",
        action="delete",
        legal_reference="x",
    )


PAST_PROSPECTS = """
    SELECT id FROM accounts_client
    WHERE status = 'prospect' AND last_contact_at < now() - interval '3 years'
      AND NOT is_restricted
      AND (email = '' OR (retention_warned_at <= now() - interval '30 days'
                          AND retention_warned_at >= now() - interval '90 days'
                          AND retention_warned_at > last_contact_at))
      AND anonymised_at IS NULL
"""
HAND_SQL = f"""
SELECT set_config('portal.consent_scrub', 'on', false);
UPDATE consent_consentrecord SET ip = NULL, user_agent = '', proof = '', note = '',
    scrubbed_at = now()
WHERE scrubbed_at IS NULL AND client_id IN ({PAST_PROSPECTS});
UPDATE accounts_client SET civility = '', first_name = '', last_name = 'Client effacé', email = '',
    phone = '', address_line1 = '', address_line2 = '', postal_code = '', city = '', country = '',
    source = '', loyalty_card_valid_until = NULL, email_digest = '', phone_digest = '',
    anonymised_at = now()
WHERE id IN ({PAST_PROSPECTS});
DELETE FROM accounts_document
WHERE kind NOT IN ('invoice', 'credit_note') AND issued_on < (now() - interval '3 years')::date
  AND client_id NOT IN (SELECT id FROM accounts_client WHERE is_restricted);
"""


STATE = """
SELECT (SELECT count(*) FROM accounts_client
        WHERE last_name = 'Client effacé' AND anonymised_at IS NOT NULL),
       (SELECT count(*) FROM consent_consentrecord WHERE scrubbed_at IS NOT NULL),
       (SELECT count(*) FROM accounts_document)
"""


def state(database: str) -> tuple[int, ...]:
    import psycopg

    with psycopg.connect(f"{PG}/{database}") as connection:
        row = connection.execute(STATE).fetchone()
    assert row is not None
    return tuple(row)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()
    setup()
    import psycopg
    from django.conf import settings
    from django.db import connection, connections

    from retention.services.purge import purge_run

    for count in (args.clients // 10, args.clients):
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE accounts_client, consent_consentrecord, accounts_document "
                "RESTART IDENTITY CASCADE"
            )
        started = time.perf_counter()
        populate(count)
        took = time.perf_counter() - started
        print(f"setup: {count} clients, {count} consent records, {count} documents in {took:.0f} s")
        if count == args.clients // 10:
            rules()
        connections.close_all()
        for copy in (COPY, MEMORY):
            recreate_database(f"{PG}/{copy}", template=DB)
        started = time.perf_counter()
        run = purge_run(batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
        with psycopg.connect(f"{PG}/{COPY}", autocommit=True) as raw:
            started = time.perf_counter()
            for statement in HAND_SQL.split(";"):
                if statement.strip():
                    raw.execute(statement)
            hand = time.perf_counter() - started
        # Memory on a third copy: tracing allocations slows Python down, so not while timing.
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = MEMORY
        tracemalloc.start()
        purge_run(batch_size=args.batch_size)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = DB
        same = state(DB) == state(COPY)
        batches = sum(c["batches"] for c in run.counts.values())
        print(
            f"purge of {count} clients: {run.total} rows in {elapsed:.1f} s, peak Python memory "
            f"{peak / 2**20:.1f} MiB, {run.statements} SQL statements for {batches} batches; "
            f"hand-written SQL: {hand:.1f} s (ratio {elapsed / hand:.2f}), "
            f"same end state: {'yes' if same else 'NO'} {state(DB)}"
        )


if __name__ == "__main__":
    main()
