"""Every morning, each assignee and the DPO receive the requests due within 7 days and
those overdue. The email holds references, kinds and dates, never the requester's data."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dsar.models import OPEN_STATUSES, DataRequest
from portal.mail import send_email
from portal.models import Controller

HORIZON = timedelta(days=7)


def reminders_send() -> int:
    """Returns the number of emails sent."""
    now = timezone.now()
    due = list(
        DataRequest.objects.filter(
            status__in=OPEN_STATUSES, due_at__lt=now + HORIZON, clock_stopped_at__isnull=True
        )
        .select_related("assignee")
        .order_by("due_at")
    )
    if not due:
        return 0
    recipients: dict[str, list[DataRequest]] = defaultdict(list)
    for request in due:
        if request.assignee is not None and request.assignee.email:
            recipients[request.assignee.email].append(request)
    dpo = Controller.load().dpo_email
    if dpo:
        recipients[dpo] = due
    for email, requests in recipients.items():
        send_email(
            "dsar_reminder",
            to=email,
            context={
                "overdue": [r for r in requests if r.due_at < now],
                "soon": [r for r in requests if r.due_at >= now],
                "inbox_url": settings.PORTAL_BASE_URL
                + reverse("admin:dsar_datarequest_changelist"),
            },
        )
    return len(recipients)
