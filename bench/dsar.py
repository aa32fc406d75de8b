"""Request figures (issue: data-subject requests).

1. Wall time and peak memory of the access archive of a client with 500 documents and
   10,000 consent and 10,000 audit records (and with 1,000 of each, to show that memory
   does not grow with the data).
2. Query count and server time of one page of the admin inbox with 100,000 requests.

Usage: .venv/bin/python bench/dsar.py
Uses a scratch PostgreSQL database `portal_bench_dsar` (BENCH_DATABASE_URL to change it),
dropped and recreated each run, and a temporary folder for files.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from scratch import recreate_database  # bench/scratch.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_dsar")
FILES = tempfile.mkdtemp(prefix="portal-bench-")


def setup() -> None:
    recreate_database(URL)
    os.environ.update(DATABASE_URL=URL, PRIVATE_MEDIA_ROOT=FILES)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def client_with_history(records: int, documents: int, tag: str):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from accounts.models import Client, Document, User
    from consent.models import ConsentRecord, Method, Purpose
    from portal.demo import minimal_pdf
    from portal.models import AuditEvent

    user = User.objects.create_user(email=f"{tag}@bench.test", password="x")
    client = Client.objects.create(
        user=user, last_name="Bench", customer_number=tag, email=user.email
    )
    pdf = minimal_pdf("Facture")
    for n in range(documents):
        document = Document(
            client=client,
            kind="invoice",
            title=f"Facture {n}",
            content_type="application/pdf",
            size=len(pdf),
            sha256="0" * 64,
        )
        document.file.save(f"{n}.pdf", ContentFile(pdf), save=False)
        document.save()
    purpose = Purpose.objects.select_related("wording").get(key="marketing_email")
    now = timezone.now()
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                client=client,
                purpose=purpose,
                granted=n % 2 == 0,
                wording=purpose.wording,
                method=Method.PORTAL,
                at=now,
                user_agent="Firefox",
            )
            for n in range(records)
        ],
        batch_size=5000,
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=now,
                action="accounts.client.viewed",
                actor_kind="staff",
                client=client,
                ip="203.0.113.1",
                payload={},
                actor_digest="0",
                subject_digest="0",
                prev_hash="0",
                hash=f"{tag}-{n}",
            )
            for n in range(records)
        ],
        batch_size=5000,
    )
    return client


def archive_figures(client) -> tuple[float, float, int]:
    from dsar.services.archive import archive_build
    from dsar.services.requests import request_create
    from portal.audit import Actor

    def request():  # filed from the portal: the requester is identified by their login
        return request_create(
            kind="access", channel="portal", client=client, by=Actor(user=client.user)
        )

    # Time and memory in two builds: tracing allocations slows Python code several times.
    first = request()
    started = time.perf_counter()
    archive = archive_build(request=first, by=Actor())
    elapsed = time.perf_counter() - started
    second = request()
    tracemalloc.start()
    archive_build(request=second, by=Actor())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, archive.size


def inbox_figures(count: int) -> tuple[int, float]:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from accounts.models import User
    from dsar.models import DataRequest

    now = timezone.now()
    DataRequest.objects.bulk_create(
        [
            DataRequest(
                reference=f"B-{n:06d}",
                kind=("access", "erasure", "objection")[n % 3],
                channel="email",
                requester_name=f"Demandeur {n}",
                requester_email=f"d{n}@bench.test",
                received_at=now,
                due_at=now + timezone.timedelta(days=n % 60 - 20),
                identity="to_check",
                status=("received", "in_progress", "done")[n % 3],
            )
            for n in range(count)
        ],
        batch_size=10000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    staff = User.objects.create_superuser(email="dpo@bench.test", password="x")
    TOTP.activate(staff, generate_totp_secret())
    setup_test_environment()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    http = HttpClient()
    http.force_login(staff)
    http.get("/admin/dsar/datarequest/")
    timings, queries = [], 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = http.get("/admin/dsar/datarequest/?echeance=open")
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200
        queries = len(captured.captured_queries)
    return queries, statistics.median(timings)


def main() -> None:
    setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    archive_figures(client_with_history(10, 1, "warmup"))  # imports and caches, once
    for records, documents in ((1000, 500), (10000, 500)):
        client = client_with_history(records, documents, f"bench{records}")
        elapsed, peak, size = archive_figures(client)
        print(
            f"access archive, {documents} documents, {records} consent + {records} audit "
            f"records: {elapsed:.1f} s, peak Python memory {peak:.1f} MiB, "
            f"archive {size / 2**20:.1f} MiB"
        )
    queries, server = inbox_figures(100_000)
    print(
        f"admin inbox, one page of 50 among 100000 requests: {queries} queries, "
        f"{server * 1000:.0f} ms server time (median of 5)"
    )


if __name__ == "__main__":
    main()
