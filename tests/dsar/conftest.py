from __future__ import annotations

import pytest

from dsar.models import Kind, RequestChannel
from dsar.services.requests import request_create
from portal.audit import Actor


def file_request(client, kind: str = Kind.ACCESS, **extra):
    return request_create(
        kind=kind,
        channel=RequestChannel.PORTAL,
        client=client,
        by=Actor(user=client.user),
        **extra,
    )


@pytest.fixture
def staff(dana):
    from portal.audit import Actor

    return Actor(user=dana, ip="198.51.100.9")
