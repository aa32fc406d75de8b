from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from messaging.models import Message, Notification, Thread
from portal.uploads import GPS_IFD
from tests.browser.conftest import log_in, staff_log_in
from tests.messaging import conftest as messaging
from tests.messaging.conftest import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
erin = messaging.erin  # the customer service team member, a fixture
INBOX = "/espace-client/messagerie/"
SUBJECT = "Pompe en panne"
QUESTION = "La pompe fait un bruit étrange depuis hier."
REPLY = "Bonjour Alice, notre technicien passe jeudi matin."
NOTE = "Client fidèle : prévoir le joint de rechange."
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_a_client_and_the_team_talk_in_a_thread(browser, page, live_server, alice, erin) -> None:
    from playwright.sync_api import expect

    # Alice opens a thread with a photo of the pump.
    log_in(page, live_server, "alice@client.test", INBOX)
    page.get_by_role("link", name="Nouveau message").click()
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Catégorie").select_option(label="Service après-vente")
    page.get_by_label("Votre message").fill(QUESTION)
    page.get_by_label("Pièces jointes").set_input_files(
        {"name": "pompe.jpg", "mimeType": "image/jpeg", "buffer": photo()}
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(page).to_have_url(re.compile(rf"{INBOX}[0-9a-f-]{{36}}/$"))
    thread = Thread.objects.get()
    thread_url = f"{live_server.url}{INBOX}{thread.public_id}/"
    assert page.url == thread_url
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(page.get_by_text("Votre message est envoyé.")).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_text("Nous vous répondrons au plus tard le")).to_be_visible()
    expect(page.get_by_text("Pas encore lu")).to_be_visible()
    assert thread.category == Thread.Category.AFTER_SALES

    # A drawing with a script in it is refused; the text she typed stays.
    draft = "Voici aussi le plan du local technique."
    page.get_by_label("Votre message").fill(draft)
    page.get_by_label("Pièces jointes").set_input_files(
        {"name": "plan.svg", "mimeType": "image/svg+xml", "buffer": SVG}
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("« plan.svg »")).to_contain_text("n'est pas accepté")
    expect(page.get_by_label("Votre message")).to_have_value(draft)
    assert Message.objects.count() == 1

    # Erin answers from the admin, in a browser of her own, then leaves a note for the team.
    staff = browser.new_context(locale="fr-FR")
    try:
        admin = staff.new_page()
        admin.set_default_timeout(15000)
        staff_log_in(admin, live_server, erin)
        admin.goto(f"{live_server.url}/admin/messaging/thread/")
        admin.get_by_role("link", name=SUBJECT).click()
        conversation = admin.locator(".admin-conversation")
        expect(conversation).to_contain_text(QUESTION)
        expect(conversation.get_by_role("link", name="pompe.jpg")).to_be_visible()
        admin.get_by_label(re.compile(r"^Réponse\s*:?$")).fill(REPLY)
        admin.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(admin.get_by_text("Réponse envoyée au client.")).to_be_visible()

        admin.get_by_role("link", name="répondues").click()
        admin.get_by_role("link", name=SUBJECT).click()
        admin.get_by_label(re.compile(r"^Réponse\s*:?$")).fill(NOTE)
        admin.get_by_label("Note interne").check()
        admin.get_by_role("button", name="Enregistrer et continuer les modifications").click()
        note = conversation.locator(".admin-bubble-internal")
        expect(note).to_contain_text(NOTE)
        expect(conversation).to_contain_text(REPLY)
    finally:
        staff.close()
    thread.refresh_from_db()
    assert thread.status == Thread.Status.ANSWERED
    assert Notification.objects.filter(template="thread_reply", client=alice).exists()

    # Alice sees the reply, not the note, and that her message was read.
    page.goto(thread_url)
    expect(page.get_by_text(REPLY)).to_be_visible()
    expect(page.get_by_text("Lu par notre équipe le")).to_be_visible()
    expect(page.get_by_text("Pas encore lu")).to_have_count(0)
    expect(page.get_by_text("Nous vous répondrons au plus tard le")).to_have_count(0)
    assert NOTE not in page.content()

    # Her photo downloads under its own name, without the place it was taken.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="pompe.jpg").click()
    download = download_info.value
    assert download.suggested_filename == "pompe.jpg"
    with open(download.path(), "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(GPS_IFD)
