from __future__ import annotations

import re
import zipfile

import pytest
from django.core import mail

from dsar.models import DataRequest, Kind, Status
from tests.browser.conftest import log_in, staff_log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE = "/espace-client/donnees-personnelles/"


@pytest.mark.parametrize("kind", [k for k in Kind if k != Kind.POST_MORTEM])
def test_a_client_files_each_kind_from_the_portal(page, live_server, alice, kind) -> None:
    from playwright.sync_api import expect

    log_in(page, live_server, "alice@client.test", PAGE)
    page.get_by_role("link", name=str(kind.label), exact=True).click()  # click 1
    expect(page.get_by_role("heading", level=1)).to_have_text(str(kind.label))
    page.get_by_role(
        "button", name=re.compile("Envoyer ma demande|Confirmer l'effacement")
    ).click()  # click 2
    if kind == Kind.ERASURE:
        page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Confirmer|Confirm")).click()
    request = DataRequest.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(request.reference)
    if kind == Kind.OBJECTION:  # applied at once
        expect(page.get_by_text("Traitée")).to_be_visible()
    else:
        expect(page.get_by_text("Réponse au plus tard le")).to_be_visible()
    assert request.kind == kind


def test_the_client_downloads_the_archive_after_giving_the_password_again(
    page, live_server, alice, dana
) -> None:
    from playwright.sync_api import expect

    from dsar.services.archive import archive_build
    from portal.audit import Actor
    from tests.dsar.conftest import file_request

    request = file_request(alice)
    archive_build(request=request, by=Actor(user=dana))
    log_in(page, live_server, "alice@client.test", f"{PAGE}demandes/{request.reference}/")
    expect(page.get_by_text("vos données sont prêtes")).to_be_visible()
    page.get_by_role("link", name="Télécharger l'archive").click()
    page.get_by_label("Mot de passe", exact=False).fill(PASSWORD)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Confirmer|Confirm")).click()
    path = download_info.value.path()
    with zipfile.ZipFile(path) as zf:
        assert "lettre.pdf" in zf.namelist()
        assert "donnees/accounts.client_profile.json" in zf.namelist()


def test_staff_work_a_request_in_the_admin(page, live_server, alice, dana) -> None:
    from playwright.sync_api import expect

    from tests.dsar.conftest import file_request

    request = file_request(alice)
    staff_log_in(page, live_server, dana)
    page.goto(f"{live_server.url}/admin/dsar/datarequest/")
    page.get_by_role("link", name=request.reference).click()
    page.get_by_role("link", name="Générer l'archive").click()
    page.get_by_role("button", name="Générer l'archive").click()
    expect(page.get_by_text("fait")).to_be_visible()
    # The archive and its letter answer the request: it is closed, with one letter sent.
    expect(page.get_by_role("link", name="Répondre et clore")).to_have_count(0)
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert request.archives.exists()
    letters = [m for m in mail.outbox if "alice@client.test" in m.to and "prête" in m.subject]
    assert len(letters) == 1
