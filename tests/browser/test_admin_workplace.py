"""What a small-business owner stumbles on in the admin, checked as they see it: a request's
actions under its title, its history in French, a model answer to start from, and a canned
reply that fills the answer rather than sending it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from accounts.roles import OWNER_GROUP, roles_ensure
from dsar.models import Kind
from tests.browser.conftest import staff_log_in
from tests.conftest import _staff
from tests.dsar.conftest import file_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _owner():
    roles_ensure()
    return _staff("proprietaire@entreprise.test", group=Group.objects.get(name=OWNER_GROUP))


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_a_request_reads_in_french_with_its_actions_under_its_title(
    browser, live_server, alice, width
) -> None:
    from playwright.sync_api import expect

    request = file_request(alice, kind=Kind.RECTIFICATION)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    staff_log_in(page, live_server, _owner())
    page.goto(f"{live_server.url}/admin/dsar/datarequest/{request.pk}/change/")
    # The page's title and the request's own (reference and kind), under which Django's
    # admin lifts the object tools.
    titles = [page.locator("#content h1").first, page.locator("#content > h2").first]
    expect(titles[1]).to_contain_text(request.reference)
    actions = page.locator(".object-tools a")
    assert actions.count() >= 5
    for title in titles:
        for index in range(actions.count()):
            box, heading = actions.nth(index).bounding_box(), title.bounding_box()
            assert not _overlap(box, heading), (actions.nth(index).inner_text(), box, heading)
    history = page.locator(".inline-group", has_text="Historique de la demande")
    expect(history).to_contain_text("Réception de votre demande")
    assert not re.search(r"\breceived\b|archive_generated|acknowledgement", history.inner_text())
    # "Répondre et clore" opens on the model answer of a rectification, to adapt.
    page.get_by_role("link", name="Répondre et clore").click()
    answer = page.get_by_label("Réponse au demandeur")
    expect(answer).to_have_value(re.compile("Nous avons corrigé les données"))
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_canned_reply_fills_the_answer_and_sends_nothing(
    browser, live_server, alice, javascript
) -> None:
    from playwright.sync_api import expect

    from messaging.models import CannedReply, Message
    from tests.messaging.conftest import open_thread

    canned = CannedReply.objects.create(
        title="Passage technicien", body="Bonjour {prenom}, notre technicien passe demain."
    )
    thread = open_thread(alice)
    owner = _owner()
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    staff_log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/admin/messaging/thread/{thread.pk}/change/")
    page.get_by_label("Réponse type").select_option(str(canned.pk))
    if not javascript:
        page.get_by_role("button", name="Reprendre la réponse type").click()
    answer = page.locator("#id_reply")
    expect(answer).to_have_value("Bonjour Alice, notre technicien passe demain.")
    assert not thread.messages.filter(author_kind=Message.Author.STAFF).exists()
    answer.fill("Bonjour Alice, notre technicien passe demain matin.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    reply = thread.messages.get(author_kind=Message.Author.STAFF)
    assert reply.body == "Bonjour Alice, notre technicien passe demain matin."
    context.close()
