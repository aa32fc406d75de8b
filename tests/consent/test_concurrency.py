"""50 concurrent toggles of one switch: no record lost, and the state equals the latest."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from consent.models import ConsentRecord, ConsentState, Method, Purpose
from consent.services import Proof, consent_set
from portal.audit import Actor, audit_chain_verify
from tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_toggles_leave_the_latest_state() -> None:
    client = ClientFactory()
    purpose = Purpose.objects.get(key="marketing_email")

    def toggle(index: int) -> int:
        try:
            record = consent_set(
                client=client,
                purpose=purpose,
                granted=index % 2 == 0,
                proof=Proof(method=Method.PORTAL, reference=f"toggle-{index}"),
                by=Actor(user=client.user, ip="203.0.113.5"),
            )
            return record.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(toggle, range(50)))

    records = ConsentRecord.objects.filter(client=client)
    assert records.count() == 50
    assert sorted(records.values_list("proof", flat=True)) == sorted(
        f"toggle-{i}" for i in range(50)
    )
    latest = records.order_by("-id").first()
    state = ConsentState.objects.get(client=client, purpose=purpose)
    assert state.record_id == latest.pk == max(ids)
    assert state.granted == latest.granted
    assert audit_chain_verify().ok
