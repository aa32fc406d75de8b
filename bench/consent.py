"""Consent figures (issue: consent).

1. The time to select the contactable audience among 100,000 clients on PostgreSQL.
2. The query count of "Vos données personnelles" with 10 and with 1,000 records in the
   client's consent history (it must not grow with the history).

Usage: .venv/bin/python bench/consent.py [--clients 100000]
Uses a scratch database `portal_bench` on the PostgreSQL of BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/portal_bench), dropped and recreated each run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from scratch import recreate_database  # bench/scratch.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(count: int) -> None:
    from django.utils import timezone

    from accounts.models import Client
    from consent.models import ConsentRecord, ConsentState, Method, Purpose, Suppression
    from portal.contacts import contact_digest

    rng = random.Random(42)
    purpose = Purpose.objects.select_related("wording").get(key="marketing_email")
    now = timezone.now()
    batch = 5000
    for start in range(0, count, batch):
        clients = []
        for n in range(start, min(start + batch, count)):
            email = f"client{n}@bench.test"
            clients.append(
                Client(
                    customer_number=f"B{n:07d}",
                    last_name=f"Nom{n}",
                    email=email,
                    phone=f"+3361{n:07d}",
                    email_digest=contact_digest("email", email),
                    status=Client.Status.CLIENT if n % 3 else Client.Status.PROSPECT,
                    last_purchase_on=now.date() if n % 3 else None,
                    is_restricted=n % 97 == 0,
                )
            )
        Client.objects.bulk_create(clients)
    ids = list(Client.objects.values_list("pk", flat=True))
    chosen = rng.sample(ids, k=int(count * 0.4))  # 40% made a choice: 3 in 4 said yes
    records = [
        ConsentRecord(
            client_id=pk,
            purpose=purpose,
            granted=rng.random() < 0.75,
            wording=purpose.wording,
            method=Method.PORTAL,
            at=now,
        )
        for pk in chosen
    ]
    ConsentRecord.objects.bulk_create(records, batch_size=5000)
    ConsentState.objects.bulk_create(
        [
            ConsentState(
                client_id=r.client_id, purpose=purpose, granted=r.granted, record=r, updated_at=now
            )
            for r in records
        ],
        batch_size=5000,
    )
    listed = rng.sample(ids, k=count // 50)  # 2% on the suppression list
    digests = Client.objects.filter(pk__in=listed).values_list("email_digest", flat=True)
    Suppression.objects.bulk_create(
        [
            Suppression(kind="email", digest=d, reason="objection", created_at=now, expires_at=now)
            for d in digests
        ],
        batch_size=5000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def time_audience() -> tuple[float, int]:
    from accounts.models import Client
    from consent.selectors import contactable

    timings = []
    size = 0
    for _ in range(7):
        started = time.perf_counter()
        size = len(
            list(contactable(Client.objects.all(), "marketing_email").values_list("pk", flat=True))
        )
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), size


def page_queries(history: int) -> int:
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Client, User
    from consent.models import Method, Purpose
    from consent.services import Proof, consent_set
    from portal.audit import Actor

    user, _created = User.objects.get_or_create(email="bench@client.test")
    client, _created = Client.objects.get_or_create(
        user=user, defaults={"last_name": "Bench", "customer_number": "BENCH"}
    )
    purpose = Purpose.objects.get(key="marketing_sms")
    done = client.consent_records.count()
    for index in range(done, history):
        consent_set(
            client=client,
            purpose=purpose,
            granted=index % 2 == 0,
            proof=Proof(method=Method.PORTAL),
            by=Actor(user=user),
        )
    http = HttpClient()
    http.force_login(user)
    http.get("/espace-client/donnees-personnelles/")  # warm the process caches
    with CaptureQueriesContext(connection) as queries:
        response = http.get("/espace-client/donnees-personnelles/")
    assert response.status_code == 200
    return len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100_000)
    args = parser.parse_args()
    recreate_database(URL)
    setup_django()
    started = time.perf_counter()
    populate(args.clients)
    print(f"setup: {args.clients} clients populated in {time.perf_counter() - started:.1f} s")
    median, size = time_audience()
    print(
        f"contactable audience for marketing_email among {args.clients} clients (PostgreSQL): "
        f"{median * 1000:.0f} ms median of 7, {size} clients selected"
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.test.utils import setup_test_environment

    setup_test_environment()
    ten, thousand = page_queries(10), page_queries(1000)
    print(f"'Vos données personnelles' queries with 10 records in the history: {ten}")
    print(f"'Vos données personnelles' queries with 1000 records in the history: {thousand}")


if __name__ == "__main__":
    main()
