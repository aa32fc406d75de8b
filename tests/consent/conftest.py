from __future__ import annotations

import pytest

from consent.models import Method, Purpose
from consent.services import Proof, consent_set
from portal.audit import Actor


@pytest.fixture
def email_purpose(db) -> Purpose:
    return Purpose.objects.get(key="marketing_email")


@pytest.fixture
def sms_purpose(db) -> Purpose:
    return Purpose.objects.get(key="marketing_sms")


def choose(client, purpose, granted: bool, method: str = Method.PORTAL, **proof) -> object:
    return consent_set(
        client=client,
        purpose=purpose,
        granted=granted,
        proof=Proof(method=method, **proof),
        by=Actor(user=client.user, ip="203.0.113.77"),
    )
