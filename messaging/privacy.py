"""Personal data held by the messaging app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.models import Notification
from portal.personal_data import Activity, Category, PersonalData, registry

registry.register(
    PersonalData(
        key="messaging.notifications",
        label=_("E-mails et SMS que nous vous avons envoyés"),
        description=_("La date, le canal, l'objet et l'adresse ou le numéro utilisés."),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.CONTACT, Category.COMMERCIAL),
        model=Notification,
        client_path="client",
        fields=("created_at", "channel", "purpose", "template", "status", "to", "sent_at"),
        labels={"purpose": _("finalité"), "template": _("message")},
        events={"collection": "created_at"},
        ordering=("-created_at", "-id"),
    )
)
