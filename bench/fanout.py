"""Campaign fan-out and sending figures (issue: campaigns).

On PostgreSQL, with N clients (default 100,000), half of them contactable for
"marketing_email" (a quarter refused, a quarter never answered), an email campaign to
everyone is fanned out and sent through a fake Brevo API on loopback. It prints:
- the time to build the audience and enqueue it (campaign_fan_out: notification rows
  created in chunks of 1,000, one send_notifications task queued per chunk), split into
  the SQL of each kind of statement and the broker;
- the sending throughput of one real Celery worker process (solo pool) and its peak RSS;
- the peak Python memory of the fan-out (tracemalloc, on a second campaign);
- in the same run, to show where the time goes: the audience query alone, a bare
  bulk_create of as many rows (and one INSERT ... RETURNING per chunk), no-op Celery tasks
  (as many as the chunks, and one per message) queued and run by the same kind of worker,
  and messages sent in-process split into consent check, rendering, unsubscribe link,
  provider call and the rest, with the SQL statements of one message; the provider call
  alone with a new HTTP session per message and through one kept-alive connection.

Usage: .venv/bin/python bench/fanout.py [--clients 100000] [--send N] [--noop-tasks 50000]
--send stops the worker once N messages have left and gives the throughput over those.
Scratch database portal_bench_fanout on BENCH_PG (default postgres://postgres@127.0.0.1:5432),
dropped and recreated each run; Celery on BENCH_REDIS (default redis://127.0.0.1:6379/5),
a Redis database of its own that is flushed at the start and the end. Marketing hours are
opened to every day and hour for the run; on a French public holiday nothing can be sent and
the script stops at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scratch import recreate_database  # bench/scratch.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5")
DB = "portal_bench_fanout"
QUEUE, NOOP_QUEUE = "bench-fanout", "bench-fanout-noop"
CHUNK = 1000

# The worker: the portal's Celery app with one no-op task added, on the bench's queues only.
WORKER = """
import sys, time
from portal.celery import app

@app.task(name="bench.noop")
def noop(pks=None):
    return time.time()

app.conf.task_default_queue = sys.argv[1]
app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-Q", sys.argv[1],
                 "-n", "bench-" + sys.argv[1] + "@%h"])
"""


class FakeBrevo(BaseHTTPRequestHandler):
    """Brevo's transactional email API: 201 and a message id for every POST."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the real API: a client may reuse it
    wbufsize = -1  # headers and body in one segment, flushed after each answer...
    disable_nagle_algorithm = True  # ...and at once: no 40 ms delayed-ACK stall on keep-alive
    received = itertools.count(1)
    count = 0

    def do_POST(self) -> None:
        json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        number = next(FakeBrevo.received)
        FakeBrevo.count = number
        payload = json.dumps({"messageId": f"<{number}@brevo.test>"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def setup(port: int) -> dict[str, str]:
    """The environment of this process and of the workers: production-like (DEBUG off),
    email through the Brevo backend to the fake API, marketing allowed at any hour."""
    from cryptography.fernet import Fernet

    recreate_database(f"{PG}/{DB}")
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": REDIS,
        "CACHE_URL": REDIS,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "AUDIT_HMAC_KEY": "bench-audit-" + "y" * 40,
        "ALLOWED_HOSTS": "bench.test",
        "PORTAL_BASE_URL": "https://bench.test",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "BREVO_API_KEY": "xkeysib-bench",
        "BREVO_API_URL": f"http://127.0.0.1:{port}/v3/",
        "ANYMAIL_WEBHOOK_SECRET": "bench:bench",
        "SMS_BACKEND": "messaging.sms.LocmemSmsBackend",
        "MARKETING_WEEKDAYS": "1,2,3,4,5,6,7",
        "MARKETING_HOURS_START": "00:00",
        "MARKETING_HOURS_END": "23:59:59.999999",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.utils import timezone

    from messaging.quiet_hours import is_allowed
    from portal.celery import app

    if not is_allowed(timezone.now()):
        sys.exit("today is a French public holiday: marketing cannot leave, nothing to measure")
    app.conf.task_default_queue = QUEUE
    redis.Redis.from_url(REDIS).flushdb()
    call_command("migrate", verbosity=0)
    return env


def populate(count: int) -> int:
    """Clients by COPY; consent records: even clients granted, n % 4 == 1 refused, the rest
    never asked; the current states derived from the records in SQL."""
    from django.db import connection
    from django.utils import timezone

    from consent.models import Purpose
    from portal.contacts import _key

    key = _key()
    purpose = Purpose.objects.get(key="marketing_email")
    now = timezone.now() - dt.timedelta(days=20)
    columns = (
        "customer_number, civility, first_name, last_name, email, phone, address_line1, "
        "address_line2, postal_code, city, country, language, status, source, collected_at, "
        "last_contact_at, is_restricted, service_by_email, service_by_sms, created_at, "
        "updated_at, email_digest, phone_digest"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY accounts_client ({columns}) FROM STDIN") as copy:
            for n in range(count):
                email = f"c{n}@bench.test"
                digest = hmac.new(key, f"email:{email}".encode(), hashlib.sha256).hexdigest()
                copy.write_row(
                    (
                        f"B{n:08d}",
                        "",
                        f"Prénom{n}",
                        f"Nom{n}",
                        email,
                        "",
                        "1 rue des Lilas",
                        "",
                        "70000",
                        "Vesoul",
                        "France",
                        "fr",
                        "client",
                        "",
                        now,
                        now,
                        False,
                        True,
                        True,
                        now,
                        now,
                        digest,
                        "",
                    )
                )
        cursor.execute("SELECT min(id) FROM accounts_client")
        first = cursor.fetchone()[0]
        records = 0
        with raw.copy(
            "COPY consent_consentrecord (client_id, purpose_id, granted, wording_id, method, at, "
            "ip, user_agent, proof, note) FROM STDIN"
        ) as copy:
            for n in range(count):
                if n % 4 == 3:
                    continue
                records += 1
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
        cursor.execute(
            "INSERT INTO consent_consentstate (client_id, purpose_id, granted, record_id, "
            "updated_at) SELECT client_id, purpose_id, granted, id, at FROM consent_consentrecord"
        )
        cursor.execute("ANALYZE")
    return records


def new_campaign(name: str, status: str = "scheduled") -> Any:
    from django.utils import timezone

    from consent.models import Purpose
    from messaging.models import Campaign

    return Campaign.objects.create(
        name=name,
        kind=Campaign.Kind.MARKETING,
        subject="Nos offres d'automne",
        body="Bonjour,\n\nProfitez de -20 % sur l'entretien de votre piscine jusqu'au 30 novembre.",
        by_email=True,
        by_sms=False,
        email_purpose=Purpose.objects.get(key="marketing_email"),
        audience=Campaign.Audience.ALL,
        status=status,
        scheduled_for=timezone.now() - dt.timedelta(minutes=1),
    )


@contextmanager
def sql_timer() -> Iterator[dict[str, list[float]]]:
    """Seconds spent in each kind of SQL statement, by the first words of the statement."""
    from django.db import connection

    spent: dict[str, list[float]] = defaultdict(list)

    def kind(sql: str) -> str:
        head = sql.lstrip()[:60]
        if head.startswith('INSERT INTO "messaging_notification"'):
            return "insert notifications (bulk_create)"
        if head.startswith('SELECT "messaging_notification"."idempotency_key"'):
            return "select existing keys"
        if head.startswith('SELECT "messaging_notification"."id"'):
            return "select back their ids"
        if head.startswith('SELECT "messaging_campaign"') and sql.rstrip().endswith("UPDATE"):
            return "lock campaign (select for update)"
        if head.startswith('UPDATE "messaging_campaign"'):
            return "update campaign"
        return "other (audience cursor, campaign read)"

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[kind(sql)].append(time.perf_counter() - started)

    with connection.execute_wrapper(wrapper):
        yield spent


class TimedDelay:
    """Stands for messaging.tasks.send_notifications during the fan-out: times each .delay."""

    def __init__(self, task: Any) -> None:
        self.task, self.seconds, self.calls = task, 0.0, 0

    def delay(self, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.task.delay(*args)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def fan_out(pk: int) -> tuple[int, float, dict[str, list[float]], TimedDelay]:
    import messaging.tasks
    from messaging.services.campaigns import campaign_fan_out

    real = messaging.tasks.send_notifications
    timed = TimedDelay(real)
    messaging.tasks.send_notifications = timed  # type: ignore[assignment]
    try:
        with sql_timer() as spent:
            started = time.perf_counter()
            created = campaign_fan_out(pk)
            took = time.perf_counter() - started
    finally:
        messaging.tasks.send_notifications = real
    return created, took, spent, timed


def audience_alone(campaign: Any) -> tuple[int, float]:
    from messaging.services.campaigns import campaign_recipients

    started = time.perf_counter()
    ids = campaign_recipients(campaign, "email", campaign.email_purpose).order_by("pk")
    size = sum(1 for _id in ids.values_list("pk", flat=True).iterator(chunk_size=CHUNK))
    return size, time.perf_counter() - started


def bare_bulk_create(campaign: Any, client_ids: list[int]) -> float:
    """The same rows as the fan-out (other keys), bulk_create alone, in chunks of 1,000."""
    from messaging.models import Notification

    started = time.perf_counter()
    for start in range(0, len(client_ids), CHUNK):
        Notification.objects.bulk_create(
            [
                Notification(
                    client_id=client_id,
                    campaign=campaign,
                    channel="email",
                    purpose=campaign.email_purpose,
                    template="campaign",
                    idempotency_key=f"bare-{campaign.pk}-email-{client_id}",
                )
                for client_id in client_ids[start : start + CHUNK]
            ],
            ignore_conflicts=True,
        )
    return time.perf_counter() - started


SET_BASED = """
INSERT INTO messaging_notification (client_id, campaign_id, channel, purpose_id, template,
    context, idempotency_key, status, "to", provider_id, attempts, error, created_at)
SELECT id, %(campaign)s, 'email', %(purpose)s, 'campaign', '{}'::jsonb,
    'set-' || %(campaign)s || '-email-' || id, 'pending', '', '', 0, '', now()
FROM unnest(%(ids)s::bigint[]) AS id
ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
"""


def set_based_insert(campaign: Any, client_ids: list[int]) -> tuple[int, float]:
    """The same rows again, by one INSERT ... RETURNING per chunk: no model instances and no
    read-back of the ids."""
    from django.db import connection

    created = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for start in range(0, len(client_ids), CHUNK):
            ids = client_ids[start : start + CHUNK]
            params = {"campaign": campaign.pk, "purpose": campaign.email_purpose_id, "ids": ids}
            cursor.execute(SET_BASED, params)
            created += len(cursor.fetchall())
    return created, time.perf_counter() - started


def start_worker(env: dict[str, str], queue: str, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, queue],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop_worker(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def check_alive(process: subprocess.Popen, log: Path) -> None:
    if process.poll() is not None:
        sys.exit(f"the worker stopped (exit {process.returncode}):\n{log.read_text()[-4000:]}")


def send_phase(
    env: dict[str, str], campaign_pk: int, total: int, cap: int, timeout: float, log: Path
) -> dict[str, Any]:
    """One worker sends the queued chunks; the outbox is polled until `cap` have left."""
    import psycopg

    waiting = ("pending", "held", "sending")
    started = time.perf_counter()
    worker = start_worker(env, QUEUE, log)
    first_at = None
    counts: dict[str, int] = {}
    try:
        with psycopg.connect(f"{PG}/{DB}", autocommit=True) as db:
            while True:
                time.sleep(0.5)
                check_alive(worker, log)
                counts = dict(
                    db.execute(
                        "SELECT status, count(*) FROM messaging_notification "
                        "WHERE campaign_id = %s GROUP BY status",
                        [campaign_pk],
                    ).fetchall()
                )
                left = total - sum(n for s, n in counts.items() if s in waiting)
                if first_at is None and left:
                    first_at = time.perf_counter()
                if left >= cap:
                    break
                if time.perf_counter() - started > timeout:
                    print(f"timeout after {timeout:.0f} s with {left} messages out")
                    break
            wall = time.perf_counter() - started
            span = db.execute(
                "SELECT count(*), extract(epoch FROM max(sent_at) - min(sent_at)) "
                "FROM messaging_notification WHERE campaign_id = %s AND status = 'sent'",
                [campaign_pk],
            ).fetchone()
        rss = peak_rss_mib(worker.pid)
    finally:
        stop_worker(worker)
    sent, seconds = span[0], float(span[1] or 0)
    return {
        "counts": counts,
        "wall": wall,
        "startup": (first_at or started) - started,
        "sent": sent,
        "rate": (sent - 1) / seconds if seconds else float("nan"),
        "rss": rss,
    }


def noop_phase(env: dict[str, str], chunks: int, singles: int, log: Path) -> dict[str, float]:
    """No-op tasks queued before the worker starts, then run by one worker: what a task costs
    with nothing inside (broker round trip, acknowledgement, result stored)."""
    from portal.celery import app

    payload = list(range(10**6, 10**6 + CHUNK))
    started = time.perf_counter()
    big = [app.send_task("bench.noop", args=[payload], queue=NOOP_QUEUE) for _ in range(chunks)]
    enqueue_big = time.perf_counter() - started
    started = time.perf_counter()
    small = [app.send_task("bench.noop", args=[[n]], queue=NOOP_QUEUE) for n in range(singles)]
    enqueue_small = time.perf_counter() - started
    worker = start_worker(env, NOOP_QUEUE, log)
    try:
        last = small[-1] if small else big[-1]
        deadline = time.monotonic() + 1800
        while not last.ready():
            check_alive(worker, log)
            if time.monotonic() > deadline:
                sys.exit("no-op tasks: timeout")
            time.sleep(0.5)
        rss = peak_rss_mib(worker.pid)
    finally:
        stop_worker(worker)
    big_first, big_last = big[0].get(timeout=10), big[-1].get(timeout=10)
    figures = {
        "enqueue_big": enqueue_big,
        "big_rate": (chunks - 1) / (big_last - big_first) if chunks > 1 else float("nan"),
        "enqueue_small": enqueue_small,
        "rss": rss,
    }
    if singles > 1:
        small_first, small_last = small[0].get(timeout=10), small[-1].get(timeout=10)
        figures["small_rate"] = (singles - 1) / (small_last - small_first)
    return figures


def fan_out_memory() -> tuple[int, float]:
    """The fan-out of a second campaign, traced: its tasks stay queued, unconsumed."""
    from messaging.services.campaigns import campaign_fan_out

    campaign = new_campaign("Mémoire")
    tracemalloc.start()
    created = campaign_fan_out(campaign.pk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return created, peak / 2**20


@contextmanager
def patched(owner: Any, name: str, spent: dict[str, float], label: str) -> Iterator[None]:
    real = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, real)


def per_message(pks: list[int]) -> tuple[float, dict[str, float], int, Counter[str]]:
    """notification_send in this process on the bare rows: where one message's time goes
    (each part inclusive of its own SQL), then the SQL statements of one message."""
    from django.core.mail import EmailMessage
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from messaging.services import outbox

    spent: dict[str, float] = defaultdict(float)
    one, rest = pks[0], pks[1:]
    with CaptureQueriesContext(connection) as queries:
        outbox.notification_send(one)
    kinds: Counter[str] = Counter()
    for query in queries.captured_queries:
        sql = query["sql"]
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
        kinds[f"{sql.split()[0]} {table.group(1) if table else '?'}"] += 1
    parts = [
        (outbox, "may_contact", "consent check (may_contact)"),
        (outbox, "is_allowed", "quiet hours (is_allowed)"),
        (outbox, "render_email", "render (3 templates + Controller.load)"),
        (outbox, "marketing_email_headers", "unsubscribe headers (token key read)"),
        (EmailMessage, "send", "provider call (anymail Brevo, HTTP on loopback)"),
    ]
    with ExitStack() as stack:
        sql = stack.enter_context(sql_timer())
        for owner, name, label in parts:
            stack.enter_context(patched(owner, name, spent, label))
        started = time.perf_counter()
        for pk in rest:
            outbox.notification_send(pk)
        took = time.perf_counter() - started
    spent["rest (notification read, claim, re-read, final save)"] = took - sum(spent.values())
    spent["SQL time, all statements (spread over the parts above)"] = sum(
        sum(v) for v in sql.values()
    )
    return took / len(rest), dict(spent), len(queries.captured_queries), kinds


def provider_connections(count: int) -> tuple[float, float]:
    """The same rendered email sent `count` times: as the outbox does (each send opens and
    closes its own HTTP session), then through one connection opened once (keep-alive)."""
    from django.core.mail import get_connection

    from accounts.models import Client
    from portal.mail import render_email

    client = Client.objects.order_by("pk").first()
    context = {"client": client, "subject": "Nos offres", "body": "Bonjour."}
    message = render_email("campaign", to="c0@bench.test", context=context)
    started = time.perf_counter()
    for _ in range(count):
        message.send()
    each = (time.perf_counter() - started) / count
    connection = get_connection()
    connection.open()
    started = time.perf_counter()
    for _ in range(count):
        connection.send_messages([message])
    shared = (time.perf_counter() - started) / count
    connection.close()
    return each, shared


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=0, help="stop after N sent (0: all)")
    parser.add_argument("--noop-tasks", type=int, default=50_000)
    parser.add_argument("--in-process", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    run_started = time.perf_counter()

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBrevo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = setup(server.server_port)
    logs = Path(tempfile.mkdtemp(prefix="bench-fanout-"))

    started = time.perf_counter()
    records = populate(args.clients)
    print(
        f"setup: {args.clients} clients, {records} consent records and states "
        f"({(args.clients + 1) // 2} granted) in {time.perf_counter() - started:.0f} s"
    )

    from messaging.models import Notification

    campaign = new_campaign("Automne")
    audience, audience_seconds = audience_alone(campaign)
    print(f"audience query alone: {audience} contactable clients in {audience_seconds:.2f} s")

    created, took, spent, delay = fan_out(campaign.pk)
    chunks = delay.calls
    print(
        f"A. fan-out: {created} notifications created and {chunks} send tasks queued in "
        f"{took:.2f} s ({created / took:,.0f} rows/s)"
    )
    for kind, durations in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(f"   {kind:40} {sum(durations):6.2f} s in {len(durations)} statements")
    print(f"   {'enqueue (send_notifications.delay)':40} {delay.seconds:6.2f} s in {chunks} calls")
    accounted = sum(sum(d) for d in spent.values()) + delay.seconds
    print(f"   {'rest (cursor fetches, commits, Python)':40} {took - accounted:6.2f} s")

    bare = new_campaign("Témoin", status="draft")
    client_ids = list(
        Notification.objects.filter(campaign_id=campaign.pk)
        .order_by("client_id")
        .values_list("client_id", flat=True)
    )
    bare_seconds = bare_bulk_create(bare, client_ids)
    print(
        f"bare bulk_create of {len(client_ids)} rows in chunks of {CHUNK}: {bare_seconds:.2f} s "
        f"({len(client_ids) / bare_seconds:,.0f} rows/s)"
    )

    set_created, set_seconds = set_based_insert(new_campaign("SQL", status="draft"), client_ids)
    print(
        f"set-based INSERT ... RETURNING id of {set_created} rows in chunks of {CHUNK}: "
        f"{set_seconds:.2f} s ({set_created / set_seconds:,.0f} rows/s)"
    )

    cap = min(args.send or created, created)
    sent = send_phase(env, campaign.pk, created, cap, args.timeout, logs / "send.log")
    print(
        f"B. sending, 1 worker process (solo pool): {sent['sent']} sent of {created} "
        f"in {sent['wall']:.1f} s from the worker's start ({sent['startup']:.1f} s until the "
        f"first left); {sent['rate']:.1f} messages/s per worker process between the first "
        f"and the last send; fake Brevo received {FakeBrevo.count}; worker peak RSS "
        f"{sent['rss']:.0f} MiB; statuses {sent['counts']}"
    )

    noop = noop_phase(env, chunks, args.noop_tasks, logs / "noop.log")
    print(
        f"no-op tasks: {chunks} with {CHUNK} ids each queued in {noop['enqueue_big']:.3f} s, "
        f"run at {noop['big_rate']:.0f} tasks/s; {args.noop_tasks} with one id each queued in "
        f"{noop['enqueue_small']:.1f} s ({args.noop_tasks / noop['enqueue_small']:,.0f}/s), "
        f"run at {noop.get('small_rate', float('nan')):.0f} tasks/s by one worker "
        f"(peak RSS {noop['rss']:.0f} MiB)"
    )

    mem_created, peak = fan_out_memory()
    print(f"peak Python memory of the fan-out ({mem_created} rows, tracemalloc): {peak:.1f} MiB")

    pks = list(
        Notification.objects.filter(campaign=bare)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.in_process + 1]
    )
    each, parts, statements, kinds = per_message(pks)
    print(
        f"one message in-process (mean of {len(pks) - 1}): {each * 1000:.2f} ms "
        f"= {1 / each:.0f} messages/s; {statements} SQL statements: "
        + ", ".join(f"{n} {k}" for k, n in kinds.most_common())
    )
    for label, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"   {label:52} {seconds / (len(pks) - 1) * 1000:6.2f} ms")

    fresh, shared = provider_connections(args.in_process)
    print(
        f"provider call alone, {args.in_process} sends: {fresh * 1000:.2f} ms with a new HTTP "
        f"session per message (as now), {shared * 1000:.2f} ms through one kept-alive connection"
    )

    import redis

    redis.Redis.from_url(REDIS).flushdb()
    server.shutdown()
    print(f"total run time: {time.perf_counter() - run_started:.0f} s (worker logs in {logs})")


if __name__ == "__main__":
    main()
