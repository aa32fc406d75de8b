"""Threads from the client's side: opening one, priority and the answer due time,
attachments checked by content, and nobody else's thread or file."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from PIL import Image

from messaging.models import Attachment, Message, Notification, Thread
from messaging.services.threads import clean_file_name, staff_message_post
from portal.audit import Actor
from portal.models import AuditEvent
from portal.uploads import GPS_IFD
from tests.messaging.conftest import PDF_BYTES, open_thread, photo, upload

NEW = "/espace-client/messagerie/nouveau/"


def _post_thread(http, files=(), **fields):
    data = {
        "subject": "Fuite au local technique",
        "category": "after_sales",
        "body": "Une flaque sous le filtre depuis ce matin.",
        **fields,
    }
    if files:
        data["attachments"] = list(files)
    return http.post(NEW, data)


def test_a_client_opens_a_thread_with_a_photo_and_a_pdf(alice, alice_http) -> None:
    response = _post_thread(
        alice_http,
        files=[upload("IMG_0042.jpg", photo()), upload("facture.pdf", PDF_BYTES)],
    )
    thread = Thread.objects.get(client=alice)
    assert response.status_code == 302
    assert response["Location"] == f"/espace-client/messagerie/{thread.public_id}/"
    assert thread.status == Thread.Status.WAITING
    message = thread.messages.get()
    assert message.author_kind == Message.Author.CLIENT
    names = sorted(a.name for a in message.attachments.all())
    assert names == ["IMG_0042.jpg", "facture.pdf"]
    page = alice_http.get(response["Location"]).content.decode()
    assert "Une flaque sous le filtre" in page
    assert "Nous vous répondrons au plus tard le" in page
    assert AuditEvent.objects.filter(action="messaging.message.sent", client_id=alice.pk).exists()


def test_files_get_random_names_in_private_storage_and_photos_lose_their_place(
    alice, alice_http
) -> None:
    _post_thread(alice_http, files=[upload("../../../etc/passwd.jpg", photo(gps=True))])
    attachment = Attachment.objects.get()
    assert attachment.name == "passwd.jpg"
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert "passwd" not in stored.name
    assert stored.suffix == ".jpg"
    with Image.open(stored) as image:
        assert GPS_IFD not in image.getexif()


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("devis.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "type de fichier"),
        (
            "plan.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "type de fichier",
        ),
        ("photo.jpg", b"", "vide"),
    ],
    ids=["renamed-executable", "svg-with-script", "empty"],
)
def test_a_bad_file_gets_a_french_error_and_the_text_is_kept(
    alice, alice_http, name, data, error
) -> None:
    response = _post_thread(alice_http, files=[upload(name, data)], body="Mon texte précieux")
    page = response.content.decode()
    assert response.status_code == 400
    assert error in page
    assert name in page
    assert "Mon texte précieux" in page
    assert "Votre texte est conservé" in page
    assert not Thread.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(alice, alice_http, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    big = photo() + b"\x00" * 2048
    response = _post_thread(alice_http, files=[upload("grosse.jpg", big)])
    assert response.status_code == 400
    assert "dépasse la taille maximale de 1,0" in response.content.decode()
    assert not Thread.objects.exists()


def test_the_default_size_limit_is_ten_megabytes() -> None:
    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024


def test_at_most_five_files_per_message(alice, alice_http) -> None:
    files = [upload(f"p{i}.pdf", PDF_BYTES) for i in range(6)]
    response = _post_thread(alice_http, files=files)
    assert response.status_code == 400
    assert "au plus 5 fichiers" in response.content.decode()


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("facture.exe", "facture.pdf"),
        ('<script>"x".pdf', "scriptx.pdf"),
        ("", "piece-jointe.pdf"),
        ("...", "piece-jointe.pdf"),
    ],
)
def test_names_lose_their_folders_and_take_the_real_extension(given, shown) -> None:
    assert clean_file_name(given, ".pdf") == shown


def test_a_missing_subject_or_category_re_renders_in_french(alice_http) -> None:
    response = alice_http.post(NEW, {"body": "Bonjour"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez un objet." in page
    assert "Choisissez une catégorie." in page
    assert "Bonjour" in page


def test_a_loyalty_card_holder_gets_the_priority_target(alice, bob) -> None:
    priority = open_thread(alice)
    standard = open_thread(bob)
    assert priority.is_priority
    assert not standard.is_priority
    assert priority.due_at < standard.due_at


def test_priority_is_judged_on_the_day_the_message_arrives(alice) -> None:
    alice.loyalty_card_valid_until = timezone.localdate() - dt.timedelta(days=1)
    alice.save()
    thread = open_thread(alice)
    assert not thread.is_priority
    staff_message_post(thread=thread, body="Réponse", by=Actor.system())
    alice.loyalty_card_valid_until = timezone.localdate() + dt.timedelta(days=365)
    alice.save()
    from messaging.services.threads import client_message_post

    client_message_post(thread=thread, body="Merci, encore une question", by=Actor.system())
    thread.refresh_from_db()
    assert thread.is_priority
    assert thread.status == Thread.Status.WAITING


def test_a_reply_is_shown_read_status_both_ways_and_the_client_is_told(
    alice, alice_http, erin, django_capture_on_commit_callbacks
) -> None:
    thread = open_thread(alice)
    from messaging import sms

    with django_capture_on_commit_callbacks(execute=True):
        staff_message_post(thread=thread, body="Nous passons jeudi.", by=Actor(user=erin))
    staff_message_post(
        thread=thread, body="Client pénible, voir devis", internal=True, by=Actor(user=erin)
    )
    thread.refresh_from_db()
    assert thread.status == Thread.Status.ANSWERED
    assert thread.due_at is None
    assert thread.assigned_to == erin
    # One email and one SMS for the reply, none for the note; no content, only a link.
    reply_mail = [m for m in mail.outbox if "a répondu" in m.body]
    assert len(reply_mail) == 1
    assert "Nous passons jeudi" not in reply_mail[0].body
    assert f"/espace-client/messagerie/{thread.public_id}/" in reply_mail[0].body
    assert len(sms.outbox) == 1
    assert "a répondu" in sms.outbox[0].body
    assert Notification.objects.filter(template="thread_reply").count() == 2

    listing = alice_http.get("/espace-client/messagerie/").content.decode()
    assert "1 nouvelle réponse" in listing
    page = alice_http.get(f"/espace-client/messagerie/{thread.public_id}/").content.decode()
    assert "Nous passons jeudi." in page
    assert "Client pénible" not in page
    assert "Pas encore lu" in page  # staff have not opened it since
    reply = thread.messages.get(is_internal=False, author_kind="staff")
    note = thread.messages.get(is_internal=True)
    reply.refresh_from_db()
    note.refresh_from_db()
    assert reply.read_at is not None
    assert note.read_at is None
    assert "nouvelle réponse" not in alice_http.get("/espace-client/messagerie/").content.decode()


def test_the_client_chooses_how_to_hear_of_replies(alice, alice_http, erin) -> None:
    alice_http.post("/espace-client/messagerie/preferences/", {"service_by_sms": "on"})
    alice.refresh_from_db()
    assert (alice.service_by_email, alice.service_by_sms) == (False, True)
    thread = open_thread(alice)
    staff_message_post(thread=thread, body="Réponse", by=Actor(user=erin))
    channels = list(Notification.objects.filter(client=alice).values_list("channel", flat=True))
    assert channels == ["sms"]


def test_staff_are_told_when_a_priority_thread_arrives(
    alice, bob, erin, carol, django_capture_on_commit_callbacks
) -> None:
    open_thread(bob)
    assert not Notification.objects.filter(template="staff_priority_thread").exists()
    with django_capture_on_commit_callbacks(execute=True):
        thread = open_thread(alice)
    told = Notification.objects.filter(template="staff_priority_thread")
    # erin may answer threads; carol, staff without the permission, is not told.
    assert [n.user for n in told] == [erin]
    staff_mail = [m for m in mail.outbox if m.to == [erin.email]]
    assert "Message prioritaire" in staff_mail[0].subject
    assert f"/admin/messaging/thread/{thread.pk}/change/" in staff_mail[0].body
    # A second message while still waiting does not tell staff again.
    from messaging.services.threads import client_message_post

    client_message_post(thread=thread, body="Et aussi…", by=Actor(user=alice.user))
    assert told.count() == 1


def test_another_clients_thread_and_attachment_give_404(alice, bob_http) -> None:
    thread = open_thread(alice, files=[upload("photo.png", photo(fmt="PNG"))])
    attachment = Attachment.objects.get()
    assert bob_http.get(f"/espace-client/messagerie/{thread.public_id}/").status_code == 404
    assert (
        bob_http.post(
            f"/espace-client/messagerie/{thread.public_id}/", {"body": "intrus"}
        ).status_code
        == 404
    )
    url = f"/espace-client/messagerie/pieces-jointes/{attachment.public_id}/"
    assert bob_http.get(url).status_code == 404
    assert not Message.objects.filter(body="intrus").exists()


def test_the_client_downloads_their_attachment_but_not_one_on_an_internal_note(
    alice, alice_http, erin
) -> None:
    thread = open_thread(alice, files=[upload("photo.png", photo(fmt="PNG"))])
    own = Attachment.objects.get()
    response = alice_http.get(f"/espace-client/messagerie/pieces-jointes/{own.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    from messaging.forms import AttachmentsField

    staff_message_post(
        thread=thread,
        body="Photo du chantier",
        internal=True,
        files=AttachmentsField().clean([upload("chantier.pdf", PDF_BYTES)]),
        by=Actor(user=erin),
    )
    note_file = Attachment.objects.get(message__is_internal=True)
    url = f"/espace-client/messagerie/pieces-jointes/{note_file.public_id}/"
    assert alice_http.get(url).status_code == 404


def test_listing_threads_costs_the_same_few_queries_for_many(
    alice, alice_http, django_assert_max_num_queries
) -> None:
    for n in range(15):
        open_thread(alice, subject=f"Question {n}")
    with django_assert_max_num_queries(12):
        assert alice_http.get("/espace-client/messagerie/").status_code == 200


def test_a_thread_page_costs_a_fixed_number_of_queries(
    alice, alice_http, django_assert_max_num_queries
) -> None:
    thread = open_thread(alice, files=[upload("a.png", photo(fmt="PNG"))])
    from messaging.services.threads import client_message_post

    for _ in range(10):
        client_message_post(thread=thread, body="encore", by=Actor(user=alice.user))
    with django_assert_max_num_queries(14):
        assert alice_http.get(f"/espace-client/messagerie/{thread.public_id}/").status_code == 200


def test_heic_photos_are_accepted(alice, alice_http) -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(out, format="HEIF")
    response = _post_thread(alice_http, files=[upload("IMG_1.HEIC", out.getvalue())])
    assert response.status_code == 302
    assert Attachment.objects.get().name == "IMG_1.heic"


def test_subjects_keep_their_apostrophes_and_ampersands(
    alice, erin, django_capture_on_commit_callbacks
) -> None:
    thread = open_thread(alice, subject='Devis pour l\'abri & "spa"')
    with django_capture_on_commit_callbacks(execute=True):
        staff_message_post(thread=thread, body="Voici", by=Actor(user=erin))
    (message,) = [m for m in mail.outbox if m.to == [alice.email]]
    assert message.subject == 'Réponse à votre message « Devis pour l\'abri & "spa" »'
    assert 'l\'abri & "spa"' in message.body


def test_the_messages_page_costs_the_same_with_many_appointments(
    alice, alice_http, django_assert_max_num_queries
) -> None:
    from messaging.models import Appointment

    for days in range(1, 8):
        Appointment.objects.create(
            client=alice, kind="repair", starts_at=timezone.now() + dt.timedelta(days=days)
        )
    with django_assert_max_num_queries(10):
        assert alice_http.get("/espace-client/messagerie/").status_code == 200


def _png_header(width: int, height: int) -> bytes:
    """A PNG that announces `width` x `height` pixels and holds almost none of them."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00"))


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("coupee.jpg", photo(gps=False)[:600], "incomplète ou endommagée"),
        ("bombe.png", _png_header(20_000, 10_000), "trop grande"),
        ("vide.png", _png_header(64, 64), "incomplète ou endommagée"),
    ],
)
def test_a_broken_photo_among_good_ones_leaves_nothing_on_disk(
    alice, alice_http, name, data, error
) -> None:
    def files() -> set[Path]:
        return {p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()}

    before = files()  # alice's documents
    good = upload("bonne.jpg", photo())
    response = _post_thread(alice_http, files=[good, upload(name, data)])
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Attachment.objects.exists()
    assert files() == before
