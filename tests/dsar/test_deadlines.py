from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsar import deadlines
from dsar.exceptions import ExtensionRefused
from dsar.models import Identity, Status
from dsar.services import identity
from dsar.services.requests import request_extend
from tests.dsar.conftest import file_request


def _at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hour))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ((2026, 1, 15), (2026, 2, 15)),
        ((2026, 1, 31), (2026, 2, 28)),  # clamped to the month's end
        ((2028, 1, 31), (2028, 2, 29)),  # leap year
        ((2026, 3, 31), (2026, 4, 30)),
        ((2026, 12, 31), (2027, 1, 31)),  # across the year
        ((2026, 2, 28), (2026, 3, 28)),
    ],
)
def test_one_calendar_month_clamped_to_the_months_end(received, due) -> None:
    result = timezone.localtime(deadlines.due_at(_at(*received)))
    assert (result.year, result.month, result.day) == due
    assert (result.hour, result.minute) == (23, 59)


def test_the_day_of_receipt_is_the_day_in_paris() -> None:
    # 1 February at 00:30 in Paris is still 31 January in UTC: the deadline is 1 March.
    received = timezone.make_aware(dt.datetime(2026, 2, 1, 0, 30))
    assert received.astimezone(dt.UTC).day == 31
    assert timezone.localtime(deadlines.due_at(received)).date() == dt.date(2026, 3, 1)


def test_an_extension_adds_calendar_months() -> None:
    assert timezone.localtime(
        deadlines.due_at(_at(2026, 1, 31), extended_months=2)
    ).date() == dt.date(2026, 4, 30)


def test_stopped_days_push_the_deadline() -> None:
    due = deadlines.due_at(_at(2026, 1, 10), stopped_seconds=5 * 86400 - 60)
    assert timezone.localtime(due).date() == dt.date(2026, 2, 15)


def test_extension_needs_a_reason_and_two_months_at_most(alice, staff) -> None:
    request = file_request(alice)
    with pytest.raises(ExtensionRefused):
        request_extend(request=request, months=1, reason=" ", by=staff)
    with pytest.raises(ExtensionRefused):
        request_extend(request=request, months=3, reason="Demande complexe", by=staff)
    request = request_extend(request=request, months=1, reason="Demande complexe", by=staff)
    request = request_extend(
        request=request, months=1, reason="Encore des documents à réunir", by=staff
    )
    assert request.extended_months == 2
    with pytest.raises(ExtensionRefused):
        request_extend(request=request, months=1, reason="Une troisième fois", by=staff)


def test_extension_only_before_the_first_deadline(alice, staff) -> None:
    request = file_request(alice, received_at=timezone.now() - dt.timedelta(days=40))
    with pytest.raises(ExtensionRefused):
        request_extend(request=request, months=1, reason="Trop tard", by=staff)


def test_the_extension_letter_gives_the_reason(
    alice, staff, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    request = file_request(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request_extend(request=request, months=2, reason="Volume de documents important", by=staff)
    body = mail.outbox[0].body
    assert "Volume de documents important" in body
    assert "2 mois" in body
    assert "CNIL" in body


def test_the_clock_stops_while_a_document_is_awaited(alice, staff) -> None:
    from dsar.models import DataRequest

    request = file_request(alice)
    before = request.due_at
    identity.identity_record_doubt(
        request=request, reason="Adresse e-mail différente de celle connue", by=staff
    )
    request = identity.identity_request_document(request=request, by=staff)
    assert (request.identity, request.status) == (
        Identity.DOCUMENT_REQUESTED,
        Status.AWAITING_REQUESTER,
    )
    # Ten days pass before the document arrives.
    DataRequest.objects.filter(pk=request.pk).update(
        clock_stopped_at=timezone.now() - dt.timedelta(days=10)
    )
    request.refresh_from_db()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.demo import minimal_pdf

    identity.identity_document_receive(
        request=request, upload=SimpleUploadedFile("id.pdf", minimal_pdf("ID")), by=staff
    )
    request.refresh_from_db()
    assert request.clock_stopped_at is None
    assert (request.due_at - before).days == 10
