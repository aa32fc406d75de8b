"""« Qui a consulté vos données » : the audit trail as its subject reads it.

The right of access covers who consulted one's data, when and why (CJEU, C-579/21,
22 June 2023). A client sees each time our staff or the portal itself viewed, changed or
exported their record, with a role rather than a person's name, and never an IP address;
their own actions are counted, not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, User
from accounts.roles import DPO_GROUP, OWNER_GROUP, ROLE_TO_CLIENT, TEAM_GROUP
from portal.audit import client_action_label
from portal.models import AuditEvent, Controller

# Why staff touch a client's data, by the area of the portal an action belongs to.
PURPOSES = {
    "accounts": _("Gestion de votre dossier client"),
    "consent": _("Respect de vos choix de prospection"),
    "dsar": _("Traitement de vos demandes sur vos données"),
    "messaging": _("Réponse à vos messages et rendez-vous"),
    "retention": _("Durée de conservation de vos données"),
}
# A search lists many clients at once: it says nothing of this client in particular.
NOT_SHOWN = ("accounts.client.searched",)


@dataclass(frozen=True)
class Access:
    at: dt.datetime
    who: str
    what: str
    why: str


@dataclass(frozen=True)
class OwnAction:
    what: str
    count: int
    first: dt.datetime
    last: dt.datetime

    @property
    def one_day(self) -> bool:
        return timezone.localdate(self.first) == timezone.localdate(self.last)


def _events(client: Client) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(client=client).exclude(action__in=NOT_SHOWN)


def role_of(user: User | None, *, dpo_email: str) -> str:
    """The role of whoever acted, as the client is told it."""
    if user is None:
        return str(ROLE_TO_CLIENT[TEAM_GROUP])
    groups = {group.name for group in user.groups.all()}
    if DPO_GROUP in groups or (dpo_email and user.email.lower() == dpo_email.lower()):
        return str(ROLE_TO_CLIENT[DPO_GROUP])
    if OWNER_GROUP in groups or user.is_superuser:
        return str(ROLE_TO_CLIENT[OWNER_GROUP])
    return str(ROLE_TO_CLIENT[TEAM_GROUP])


def _purpose(action: str) -> str:
    return str(PURPOSES.get(action.split(".", 1)[0], _("Gestion de votre dossier client")))


def accesses(client: Client, *, page: int | str = 1, per_page: int = 50) -> Page[Access]:
    """What our staff and the portal did with the client's data, newest first."""
    events = _events(client).exclude(actor_kind=AuditEvent.ActorKind.CLIENT).order_by("-at", "-id")
    paginator: Paginator[AuditEvent] = Paginator(
        events.only("at", "action", "actor_kind", "actor_id"), per_page
    )
    current = paginator.get_page(page)
    actor_ids = {event.actor_id for event in current if event.actor_id}
    users = {
        user.pk: user for user in User.objects.filter(pk__in=actor_ids).prefetch_related("groups")
    }
    dpo_email = Controller.load().dpo_email
    rows = []
    for event in current:
        if event.actor_kind == AuditEvent.ActorKind.SYSTEM:
            who = str(_("le portail, automatiquement"))
        else:
            who = role_of(users.get(event.actor_id or 0), dpo_email=dpo_email)
        rows.append(
            Access(
                at=event.at,
                who=who,
                what=client_action_label(event.action),
                why=_purpose(event.action),
            )
        )
    current.object_list = rows  # type: ignore[assignment]
    return current  # type: ignore[return-value]


def own_actions(client: Client) -> list[OwnAction]:
    """The client's own actions, one line per kind: how many, the first and the last."""
    counted = (
        _events(client)
        .filter(actor_kind=AuditEvent.ActorKind.CLIENT)
        .values("action")
        .annotate(count=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-last")
    )
    return [
        OwnAction(
            what=client_action_label(row["action"]),
            count=row["count"],
            first=row["first"],
            last=row["last"],
        )
        for row in counted
    ]


def last_staff_access(client: Client) -> dt.datetime | None:
    return (
        _events(client)
        .filter(actor_kind=AuditEvent.ActorKind.STAFF)
        .aggregate(last=Max("at"))["last"]
    )
