"""A real Celery worker sends a notification through Brevo's API, faked on loopback: the
first answer is a 503, the retry succeeds, and running the task again sends nothing more."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from messaging.models import Notification
from messaging.services import outbox
from messaging.services.outbox import notification_create
from messaging.tasks import send_notification
from portal.celery import app
from tests.portal.test_celery_worker import worker  # noqa: F401

if not os.environ.get("REDIS_URL") and os.environ.get("REQUIRE_WORKER") != "1":
    pytest.skip(
        "needs REDIS_URL (set REQUIRE_WORKER=1 to make this an error)", allow_module_level=True
    )


class FakeBrevo(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        FakeBrevo.received.append(json.loads(self.rfile.read(length)))
        status = FakeBrevo.answers.pop(0) if FakeBrevo.answers else 201
        body = (
            {"messageId": f"<{len(FakeBrevo.received)}@brevo.test>"}
            if status == 201
            else {"code": "unavailable", "message": "Service indisponible"}
        )
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def brevo_on_loopback(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBrevo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBrevo.answers, FakeBrevo.received = [503], []
    monkeypatch.setenv("BREVO_API_KEY", "xkeysib-test")
    monkeypatch.setenv("BREVO_API_URL", f"http://127.0.0.1:{server.server_port}/v3/")
    monkeypatch.setenv("NOTIFICATION_RETRY_SECONDS", "1")
    monkeypatch.setenv("SMS_BACKEND", "messaging.sms.ConsoleSmsBackend")
    yield FakeBrevo
    server.shutdown()


def _wait_for(notification: Notification, status: str, running) -> Notification:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.status == status:
            return notification
        time.sleep(0.2)
    running.terminate()
    raise AssertionError(running.stdout.read() if running.stdout else "no worker output")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_a_503_and_never_sends_twice(
    brevo_on_loopback, request, alice, monkeypatch
) -> None:
    running = request.getfixturevalue("worker")  # started once the environment is set
    app.conf.task_always_eager = False
    monkeypatch.setattr(outbox, "enqueue", lambda pk, eta=None: None)  # sent by hand below
    notification = notification_create(
        key="reply-1",
        channel="email",
        template="campaign",
        client=alice,
        context={"subject": "Réponse à votre message", "body": "Bonjour, voici notre réponse."},
    )
    send_notification.apply_async((notification.pk,), queue="pytest-worker")
    sent = _wait_for(notification, "sent", running)
    assert sent.attempts == 2
    assert sent.provider_id == "<2@brevo.test>"
    assert len(brevo_on_loopback.received) == 2
    # The same task again (a redelivery): nothing leaves.
    send_notification.apply_async((notification.pk,), queue="pytest-worker").get(timeout=60)
    assert len(brevo_on_loopback.received) == 2
