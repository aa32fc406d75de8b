from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone

from dsar.services.reminders import reminders_send
from dsar.services.requests import request_assign
from dsar.tasks import send_reminders
from portal.audit import Actor
from portal.models import Controller
from tests.dsar.conftest import file_request


def test_assignees_and_the_dpo_get_what_is_due_or_late(alice, bob, dana, carol) -> None:
    Controller.objects.update_or_create(pk=1, defaults={"dpo_email": "dpo@entreprise.test"})
    late = file_request(alice, received_at=timezone.now() - dt.timedelta(days=35))
    soon = file_request(bob, received_at=timezone.now() - dt.timedelta(days=27))
    file_request(alice)  # due in a month: not mentioned
    request_assign(request=late, assignee=carol, by=Actor(user=dana))
    mail.outbox.clear()
    assert send_reminders.delay().get() == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"carol@entreprise.test", "dpo@entreprise.test"}
    carol_mail = by_recipient["carol@entreprise.test"].body
    assert late.reference in carol_mail
    assert soon.reference not in carol_mail
    dpo_mail = by_recipient["dpo@entreprise.test"]
    assert late.reference in dpo_mail.body
    assert soon.reference in dpo_mail.body
    assert "1 en retard" in dpo_mail.subject
    assert "Martin" not in dpo_mail.body  # no requester's data in the reminder


def test_nothing_due_nothing_sent(alice) -> None:
    file_request(alice)
    mail.outbox.clear()
    assert reminders_send() == 0
    assert mail.outbox == []
