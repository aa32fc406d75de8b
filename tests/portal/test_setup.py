"""« Mise en route » : the owner's checklist on the admin's index, the sector's preset chosen
from the admin with what it brings, and test messages sent from there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from accounts.roles import OWNER_GROUP, TEAM_GROUP, roles_ensure
from messaging import sms
from portal.models import Controller
from retention.models import ProcessingActivity, RetentionRule
from tests.conftest import _staff, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_http():
    roles_ensure()
    owner = _staff("proprietaire@entreprise.test", group=Group.objects.get(name=OWNER_GROUP))
    return logged_in(owner)


def test_the_index_opens_on_the_checklist_until_all_is_done(owner_http, settings) -> None:
    page = owner_http.get("/admin/").content.decode()
    assert "Mise en route : 0 étape faite sur 5" in page
    assert page.count("À faire") == 5
    controller = Controller.load()
    controller.name, controller.address = "Serrures Martin SARL", "2 rue Haute\n25000 Besançon"
    controller.dpo_email = "rgpd@serrures.test"
    controller.save()
    owner_http.post("/admin/mise-en-route/modele/", {"preset": "serrurerie"})
    page = owner_http.get("/admin/").content.decode()
    assert "Mise en route : 2 étapes faites sur 5" in page
    # With providers, clients and a colleague, the index is the stock one again.
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.SMS_BACKEND = "messaging.sms.TwilioSmsBackend"
    from tests.factories import ClientFactory

    ClientFactory()
    _staff("collegue@entreprise.test", group=Group.objects.get(name=TEAM_GROUP))
    assert "Mise en route" not in owner_http.get("/admin/").content.decode()


def test_a_preset_is_previewed_without_change_then_applied_keeping_edits(owner_http) -> None:
    preview = owner_http.get("/admin/mise-en-route/modele/?preset=piscine").content.decode()
    assert "Ce que le modèle" in preview
    assert "éléments ajoutés" in preview
    assert not ProcessingActivity.objects.exists()  # seen, not applied
    assert owner_http.post("/admin/mise-en-route/modele/", {"preset": "piscine"}).status_code == 302
    rules = RetentionRule.objects.filter(preset="piscine").count()
    assert rules > 5
    edited = RetentionRule.objects.filter(preset="piscine").first()
    edited.duration += 1
    edited.save()
    again = owner_http.get("/admin/mise-en-route/modele/?preset=piscine").content.decode()
    assert "1 élément que vous avez modifié reste tel quel." in again
    owner_http.post("/admin/mise-en-route/modele/", {"preset": "piscine"})
    edited_after = RetentionRule.objects.get(pk=edited.pk)
    assert edited_after.duration == edited.duration
    assert owner_http.get("/admin/mise-en-route/modele/?preset=inconnu").status_code == 200


def test_test_messages_go_to_the_owner(owner_http, settings) -> None:
    settings.SMS_BACKEND = "messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    page = owner_http.get("/admin/mise-en-route/essai/").content.decode()
    assert "affichés dans la console" in page or "prestataire est configuré" in page
    response = owner_http.post("/admin/mise-en-route/essai/", {"phone": "06 12 34 56 78"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["proprietaire@entreprise.test"]
    assert "essai" in mail.outbox[-1].subject
    assert sms.outbox[-1].to == "+33612345678"
    bad = owner_http.post("/admin/mise-en-route/essai/", {"phone": "12"}, follow=True)
    assert "SMS non envoyé" in bad.content.decode()


def test_only_the_owner_sets_up(db) -> None:
    roles_ensure()
    team = logged_in(_staff("equipe2@entreprise.test", group=Group.objects.get(name=TEAM_GROUP)))
    assert "Mise en route" not in team.get("/admin/").content.decode()
    assert team.get("/admin/mise-en-route/modele/").status_code == 403
    assert team.get("/admin/mise-en-route/essai/").status_code == 403


def test_the_owner_invites_a_colleague_with_a_role(owner_http) -> None:
    import re

    from accounts.models import User
    from accounts.roles import DPO_GROUP

    page = owner_http.get("/admin/mise-en-route/equipe/").content.decode()
    assert "Inviter une personne" in page
    assert (
        owner_http.post(
            "/admin/mise-en-route/equipe/", {"email": "pas-une-adresse", "role": TEAM_GROUP}
        ).status_code
        == 400
    )
    response = owner_http.post(
        "/admin/mise-en-route/equipe/", {"email": "camille@entreprise.test", "role": DPO_GROUP}
    )
    assert response.status_code == 302
    camille = User.objects.get(email="camille@entreprise.test")
    assert camille.is_staff
    assert not camille.has_usable_password()
    assert list(camille.groups.values_list("name", flat=True)) == [DPO_GROUP]
    invitation = mail.outbox[-1]
    assert invitation.to == ["camille@entreprise.test"]
    assert re.search(r"/compte/password/reset/key/\S+/", invitation.body)
    assert "Délégué à la protection des données" in invitation.body
    again = owner_http.post(
        "/admin/mise-en-route/equipe/",
        {"email": "Camille@entreprise.test", "role": TEAM_GROUP},
        follow=True,
    )
    assert "Un compte existe déjà" in again.content.decode()
    assert User.objects.filter(email__iexact="camille@entreprise.test").count() == 1
