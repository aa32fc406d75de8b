"""Personal data held by the messaging app."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from phonenumber_field.phonenumber import PhoneNumber

from messaging.models import (
    Appointment,
    Attachment,
    Campaign,
    CannedReply,
    Message,
    Notification,
    OpeningPeriod,
    ServiceLevel,
    Thread,
)
from portal.audit import register_action_labels
from portal.personal_data import (
    Activity,
    Category,
    FilePersonalData,
    PersonalData,
    delete_files_on_commit,
    registry,
    who_text,
)

register_action_labels(
    {
        "messaging.message.sent": _("Message envoyé à notre équipe"),
        "messaging.reply.sent": _("Réponse de notre équipe"),
        "messaging.note.added": _("Note interne ajoutée à une conversation"),
        "messaging.thread.viewed": _("Conversation consultée par notre équipe"),
        "messaging.thread.assigned": _("Conversation confiée à un membre de l'équipe"),
        "messaging.thread.closed": _("Conversation close"),
        "messaging.attachment.downloaded": _("Pièce jointe téléchargée"),
        "messaging.appointment.created": _("Rendez-vous fixé"),
        "messaging.appointment.updated": _("Rendez-vous modifié"),
        "messaging.appointment.viewed": _("Rendez-vous consulté par notre équipe"),
        "messaging.notification.viewed": _("Message envoyé consulté par notre équipe"),
        "messaging.campaign.scheduled": _("Campagne programmée"),
        "messaging.campaign.cancelled": _("Campagne annulée"),
    }
)


def _context_text(context: dict[str, object]) -> str:
    return " · ".join(str(value) for value in context.values() if value)


def _address_text(address: str) -> str:
    """An SMS number as people write it (06 12 34 56 78), an email address as it is."""
    if not address.startswith("+"):
        return address or "—"
    number = PhoneNumber.from_string(address)
    if not number.is_valid():
        return address
    return str(number.as_national if number.country_code == 33 else number.as_international)


def _subject(notification: Notification) -> str:
    from messaging.services.outbox import notification_subject

    return notification_subject(notification)


class ThreadData(PersonalData):
    """Deleting a thread deletes its messages and their attachments, files included."""

    def _delete(self, qs: QuerySet[Any]) -> int:
        delete_files_on_commit(Attachment.objects.filter(message__thread__in=qs.values("pk")))
        return super()._delete(qs)


class MessageData(PersonalData):
    def _delete(self, qs: QuerySet[Any]) -> int:
        delete_files_on_commit(Attachment.objects.filter(message__in=qs.values("pk")))
        return super()._delete(qs)


registry.register(
    ThreadData(
        key="messaging.threads",
        count_text=ngettext_lazy("%(count)d conversation", "%(count)d conversations", "count"),
        label=_("Vos conversations avec notre équipe"),
        description=_("L'objet, la catégorie et l'état de chaque conversation."),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=Thread,
        client_path="client",
        fields=("created_at", "subject", "category", "status", "last_message_at"),
        provided_fields=("created_at", "subject", "category"),
        events={"collection": "created_at", "last_contact": "last_message_at"},
        ordering=("-last_message_at", "-id"),
    )
)

registry.register(
    MessageData(
        key="messaging.messages",
        export_as={"thread": "thread__subject"},
        count_text=ngettext_lazy("%(count)d message", "%(count)d messages", "count"),
        kept_with="messaging.threads",
        label=_("Vos messages et nos réponses"),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=Message,
        client_path="thread__client",
        scope=Q(is_internal=False),
        fields=("created_at", "thread", "author_kind", "body", "read_at"),
        provided_fields=("created_at", "thread", "author_kind", "body"),
        labels={"thread": _("conversation")},
        formatters={"author_kind": who_text},
        related=("thread",),
        ordering=("-created_at", "-id"),
    )
)

registry.register(
    MessageData(
        key="messaging.notes",
        export_as={"thread": "thread__subject"},
        count_text=ngettext_lazy("%(count)d note", "%(count)d notes", "count"),
        kept_with="messaging.threads",
        label=_("Notes de notre équipe sur vos échanges"),
        description=_(
            "Les notes que notre équipe prend pour suivre vos demandes. Elles ne figurent pas "
            "dans la conversation, mais vous y avez accès comme à toutes vos données."
        ),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=Message,
        client_path="thread__client",
        scope=Q(is_internal=True),
        fields=("created_at", "thread", "body"),
        labels={"thread": _("conversation")},
        related=("thread",),
        ordering=("-created_at", "-id"),
    )
)

registry.register(
    FilePersonalData(
        key="messaging.attachments",
        count_text=ngettext_lazy("%(count)d pièce jointe", "%(count)d pièces jointes", "count"),
        kept_with="messaging.threads",
        label=_("Photos et documents joints à vos messages"),
        description=_("Sans la position GPS des photos, retirée à la réception."),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL,),
        model=Attachment,
        client_path="message__thread__client",
        fields=("created_at", "name", "content_type", "size"),
        provided_fields=("created_at", "name", "content_type", "size"),
        ordering=("-created_at", "-id"),
    )
)

registry.register(
    PersonalData(
        key="messaging.appointments",
        count_text=ngettext_lazy("%(count)d rendez-vous", "%(count)d rendez-vous", "count"),
        label=_("Vos rendez-vous"),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.COMMERCIAL, Category.CONTACT),
        model=Appointment,
        client_path="client",
        fields=("starts_at", "kind", "address", "note", "status", "created_at"),
        events={"collection": "created_at", "last_contact": "starts_at"},
        ordering=("-starts_at", "-id"),
    )
)

registry.register(
    PersonalData(
        key="messaging.notifications",
        export_as={"purpose": "purpose__key"},
        count_text=ngettext_lazy("%(count)d envoi", "%(count)d envois", "count"),
        label=_("E-mails et SMS que nous vous avons envoyés"),
        description=_("La date, le canal, l'objet et l'adresse ou le numéro utilisés."),
        activity=Activity.CLIENT_RELATIONSHIP,
        categories=(Category.CONTACT, Category.COMMERCIAL),
        model=Notification,
        client_path="client",
        # The context holds what the message said of the client (an appointment's address).
        fields=(
            "created_at",
            "channel",
            "purpose",
            "template",
            "context",
            "status",
            "to",
            "sent_at",
        ),
        labels={
            "purpose": _("finalité"),
            "template": _("message"),
            "context": _("contenu"),
            "subject": _("objet"),
        },
        formatters={"context": _context_text, "to": _address_text},
        # The template's name and the raw context are in the archive; a reader sees what
        # the message was about.
        shown_fields=("created_at", "channel", "subject", "purpose", "status", "to", "sent_at"),
        row_formatters={"subject": _subject},
        related=("campaign", "client"),
        events={"collection": "created_at"},
        ordering=("-created_at", "-id"),
    )
)

registry.exempt(ServiceLevel, reason="The business's response targets.")
registry.exempt(OpeningPeriod, reason="The business's opening hours.")
registry.exempt(CannedReply, reason="Prepared answers, with placeholders for the client's name.")
registry.exempt(
    Campaign, reason="A campaign's text and audience; its recipients are notifications."
)
