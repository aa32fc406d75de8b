from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from messaging.models import Thread
from messaging.services.threads import thread_create
from portal.audit import Actor
from portal.uploads import GPS_IFD
from tests.conftest import _staff

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def photo(*, gps: bool = True, fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (64, 48), "teal")
    exif = image.getexif()
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (47.0, 37.0, 12.0), 3: "E", 4: (6.0, 9.0, 30.0)}
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def open_thread(client, *, subject: str = "Pompe en panne", files=()) -> Thread:
    from messaging.forms import AttachmentsField

    checked = AttachmentsField().clean(list(files)) if files else []
    return thread_create(
        client=client,
        subject=subject,
        category=Thread.Category.SUPPORT,
        body="La pompe fait un bruit étrange depuis hier.",
        files=checked,
        by=Actor(user=client.user),
    )


@pytest.fixture
def erin(db) -> User:
    """A member of the customer service team: may answer threads and record appointments."""
    group = Group.objects.create(name="Service client")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="messaging"))
    group.permissions.add(Permission.objects.get(codename="view_client"))
    return _staff("erin@entreprise.test", group=group)
