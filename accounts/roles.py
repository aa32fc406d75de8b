"""The staff roles, as groups of permissions an owner can edit in the admin.

- "Gérant": everything.
- "Équipe": clients, messages, appointments, documents, campaigns; no identity document, no
  audit trail, no rights request.
- "Délégué à la protection des données": rights requests and identity documents, the
  register, retention rules and legal holds, the purge history, the audit trail, and what
  those need to be read (clients, documents, consent records).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

OWNER_GROUP = "Gérant"
TEAM_GROUP = "Équipe"
DPO_GROUP = "Délégué à la protection des données"

# How a client is told who acted on their data: a role, never a name.
ROLE_TO_CLIENT = {
    OWNER_GROUP: _("la direction de l'entreprise"),
    DPO_GROUP: _("notre délégué à la protection des données"),
    TEAM_GROUP: _("un membre de l'équipe"),
}


EVERYTHING = "*"

TEAM: dict[str, Any] = {
    "accounts": [
        "view_client",
        "add_client",
        "change_client",
        "view_document",
        "add_document",
        "change_document",
        "view_invitation",
        "add_invitation",
        "view_contactrequest",
        "change_contactrequest",
        "view_tag",
        "add_tag",
        "change_tag",
    ],
    "consent": ["view_consentrecord", "add_consentrecord", "view_consentstate", "view_purpose"],
    "messaging": [
        "view_thread",
        "change_thread",
        "view_message",
        "add_message",
        "view_attachment",
        "view_cannedreply",
        "add_cannedreply",
        "change_cannedreply",
        "delete_cannedreply",
        "view_appointment",
        "add_appointment",
        "change_appointment",
        "view_campaign",
        "add_campaign",
        "change_campaign",
        "view_notification",
        "view_servicelevel",
        "change_servicelevel",
        "view_openingperiod",
        "add_openingperiod",
        "change_openingperiod",
        "delete_openingperiod",
    ],
}

DPO: dict[str, Any] = {
    "accounts": ["view_client", "view_document", "view_user", "view_contactrequest", "view_tag"],
    "consent": [
        "view_consentrecord",
        "add_consentrecord",
        "view_consentstate",
        "view_purpose",
        "change_purpose",
        "view_suppression",
        "view_cookiechoice",
    ],
    "dsar": EVERYTHING,
    "retention": EVERYTHING,
    "portal": [
        "view_auditevent",
        "view_controller",
        "change_controller",
        "view_portal_state",
        "view_jobrun",
    ],
}

ROLES: dict[str, Any] = {OWNER_GROUP: EVERYTHING, TEAM_GROUP: TEAM, DPO_GROUP: DPO}


def _permissions(Permission: Any, wanted: Any) -> Any:
    if wanted == EVERYTHING:
        return Permission.objects.all()
    found: list[Any] = []
    for app_label, codenames in wanted.items():
        in_app = Permission.objects.filter(content_type__app_label=app_label)
        found += list(in_app if codenames == EVERYTHING else in_app.filter(codename__in=codenames))
    return found


def roles_ensure(Group: Any = None, Permission: Any = None) -> None:
    """Create each role that does not exist yet, with its default permissions. A role that
    exists (by name) is left as the business set it. The migration passes its historical
    models; elsewhere the current ones are used."""
    if Group is None or Permission is None:
        from django.contrib.auth.models import Group, Permission
    for name, wanted in ROLES.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.set(_permissions(Permission, wanted))
