"""The three staff roles are data (accounts/roles.py, created by a migration, editable in the
admin): each admin page answers each role as the table below says, and no page a demo staff
member is shown leads to a refusal."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from accounts.roles import DPO_GROUP, OWNER_GROUP, TEAM_GROUP, roles_ensure
from tests.conftest import logged_in
from tests.factories import UserFactory

OWNER, TEAM, DPO = "gérant", "équipe", "dpo"
GROUPS = {OWNER: OWNER_GROUP, TEAM: TEAM_GROUP, DPO: DPO_GROUP}
ALL = {OWNER, TEAM, DPO}

# Who may open each list of the admin. The owner opens everything.
MATRIX = {
    "auth.group": {OWNER},
    "accounts.user": {OWNER, DPO},
    "accounts.client": ALL,
    "accounts.document": ALL,
    "accounts.contactrequest": ALL,
    "accounts.tag": ALL,
    "consent.consentrecord": ALL,
    "consent.purpose": ALL,
    "consent.suppression": {OWNER, DPO},
    "consent.cookiechoice": {OWNER, DPO},
    "dsar.datarequest": {OWNER, DPO},
    "retention.processingactivity": {OWNER, DPO},
    "retention.retentionrule": {OWNER, DPO},
    "retention.legalhold": {OWNER, DPO},
    "retention.purgerun": {OWNER, DPO},
    "messaging.thread": {OWNER, TEAM},
    "messaging.cannedreply": {OWNER, TEAM},
    "messaging.appointment": {OWNER, TEAM},
    "messaging.campaign": {OWNER, TEAM},
    "messaging.notification": {OWNER, TEAM},
    "messaging.servicelevel": {OWNER, TEAM},
    "portal.controller": {OWNER, DPO},
    "portal.auditevent": {OWNER, DPO},
    "account.emailaddress": {OWNER},
    "mfa.authenticator": {OWNER},
    "usersessions.usersession": {OWNER},
}
# Pages of their own, beyond the lists.
PAGES = {
    "/admin/dsar/datarequest/tableau-de-bord/": {OWNER, DPO},
    "/admin/etat/": {OWNER, DPO},
    "/admin/mise-en-route/modele/": {OWNER, DPO},
    "/admin/mise-en-route/essai/": {OWNER, DPO},
    "/admin/mise-en-route/equipe/": {OWNER},
    "/admin/retention/processingactivity/export.csv": {OWNER, DPO},
    "/admin/accounts/client/add/": {OWNER, TEAM},
    "/admin/messaging/campaign/add/": {OWNER, TEAM},
    "/admin/dsar/datarequest/add/": {OWNER, DPO},
    "/admin/retention/legalhold/add/": {OWNER, DPO},
}


def _member(role: str) -> User:
    roles_ensure()
    user = UserFactory(email=f"{role.replace('é', 'e')}@entreprise.test", is_staff=True)
    user.groups.add(Group.objects.get(name=GROUPS[role]))
    TOTP.activate(user, generate_totp_secret())
    return user


def test_every_admin_model_is_in_the_table() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(MATRIX)


@pytest.mark.parametrize("role", [OWNER, TEAM, DPO])
def test_each_role_opens_what_the_table_says(db, role) -> None:
    http = logged_in(_member(role))
    assert http.get("/admin/").status_code == 200
    answers = {}
    for label, allowed in MATRIX.items():
        app, model = label.split(".")
        answers[f"/admin/{app}/{model}/"] = (
            http.get(f"/admin/{app}/{model}/").status_code,
            allowed,
        )
    for url, allowed in PAGES.items():
        answers[url] = (http.get(url).status_code, allowed)
    wrong = {
        url: status
        for url, (status, allowed) in answers.items()
        if (status == 200) != (role in allowed) or status not in (200, 403)
    }
    assert wrong == {}


def test_roles_are_created_once_and_keep_the_business_edits(db) -> None:
    team = Group.objects.get(name=TEAM_GROUP)  # made by the migration
    codenames = set(team.permissions.values_list("codename", flat=True))
    assert {"view_client", "view_thread", "add_campaign"} <= codenames
    assert not codenames & {"view_identity_document", "view_auditevent", "view_datarequest"}
    dpo = set(Group.objects.get(name=DPO_GROUP).permissions.values_list("codename", flat=True))
    assert {"view_identity_document", "view_auditevent", "change_retentionrule"} <= dpo
    team.permissions.remove(*team.permissions.filter(codename="add_campaign"))
    roles_ensure()
    assert not team.permissions.filter(codename="add_campaign").exists()


@pytest.mark.parametrize(
    "email", ["gerant@entreprise.test", "equipe@entreprise.test", "dpo@entreprise.test"]
)
def test_no_page_a_demo_staff_member_is_shown_refuses_them(db, email) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    user = User.objects.get(email=email)
    TOTP.activate(user, generate_totp_secret())
    http = logged_in(user)
    seen: dict[str, int] = {}
    came_from: dict[str, str] = {}
    queue = ["/admin/"]
    while queue and len(seen) < 80:
        url = queue.pop(0)
        if url in seen:
            continue
        http.raise_request_exception = False
        response = http.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        for href in re.findall(r'href="(/admin/[^"?#]*)"', response.content.decode()):
            if not re.search(r"logout|delete|export|/history/|\.(csv|ods|pdf)$", href):
                queue.append(href)
                came_from.setdefault(href, url)
    assert len(seen) >= 10, seen
    refused = {url: (status, came_from.get(url)) for url, status in seen.items() if status != 200}
    assert refused == {}
