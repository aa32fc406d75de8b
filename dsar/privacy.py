"""Personal data held by the request app: the requests and their timelines (kept as proof
that each request was handled), identity documents, archives, post-mortem directives."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Client
from dsar.letters import letter_label
from dsar.models import (
    AccessArchive,
    DataRequest,
    IdentityDocument,
    PostMortemDirective,
    RequestEvent,
)
from portal.audit import client_action_label, register_action_labels
from portal.personal_data import Activity, Category, FilePersonalData, PersonalData, registry


def request_action_label(action: str) -> str:
    return client_action_label(f"dsar.request.{action}")


PROOF = _("Preuve du traitement de vos demandes (RGPD art. 5.2 et 12) : 5 ans")

register_action_labels(
    {
        "dsar.request.received": _("Réception de votre demande"),
        "dsar.request.assigned": _("Prise en charge de votre demande"),
        "dsar.request.closed": _("Réponse à votre demande"),
        "dsar.request.refused": _("Refus motivé de votre demande"),
        "dsar.request.extended": _("Prolongation du délai de réponse"),
        "dsar.request.archive_generated": _("Préparation de la copie de vos données"),
        "dsar.request.archive_downloaded": _("Téléchargement de la copie de vos données"),
        "dsar.request.rectified": _("Rectification de vos données"),
        "dsar.request.restriction_applied": _("Limitation du traitement de vos données"),
        "dsar.request.restriction_lifted": _("Levée de la limitation"),
        "dsar.post_mortem.saved": _("Enregistrement de vos directives post mortem"),
        "dsar.post_mortem.revoked": _("Révocation de vos directives post mortem"),
        "dsar.request.viewed": _("Consultation de votre demande par notre équipe"),
        "dsar.request.noted": _("Note ajoutée à votre demande"),
        "dsar.request.identity_doubted": _("Doute sur l'identité du demandeur"),
        "dsar.request.identity_document_requested": _("Demande d'un justificatif d'identité"),
        "dsar.request.identity_document_received": _("Réception de votre justificatif"),
        "dsar.request.identity_verified": _("Identité vérifiée"),
        "dsar.request.identity_failed": _("Identité non établie"),
        "dsar.request.erasure_executed": _("Effacement de vos données"),
        "dsar.request.objection_executed": _("Enregistrement de votre opposition"),
        "dsar.request.restriction_lift_announced": _("Annonce de la levée de la limitation"),
        "dsar.request.withdrawn": _("Retrait de votre demande"),
        "dsar.identity_document.opened": _("Consultation de votre justificatif par notre équipe"),
    }
)


class RequestsData(PersonalData):
    """After an erasure the requests stay as proof that they were handled (what, when,
    how), without what they said about the person: details, answers, requester's contact,
    letter bodies, rectified values."""

    def erase(self, client: Client) -> int:
        requests = DataRequest.objects.filter(client=client)
        touched = requests.update(
            details="",
            answer="",
            requester_name="",
            requester_email="",
            requester_address="",
            identity_doubt="",
            extension_reason="",
            refusal_reason="",
        )
        for event in RequestEvent.objects.filter(request__client=client).exclude(data={}, note=""):
            letter = event.data.get("letter")
            event.data = {"letter": {"subject": letter["subject"], "body": ""}} if letter else {}
            event.note = ""
            event.save(update_fields=["data", "note"])
        return touched


registry.register(
    RequestsData(
        key="dsar.requests",
        count_text=ngettext_lazy("%(count)d demande", "%(count)d demandes", "count"),
        label=_("Vos demandes sur vos données"),
        activity=Activity.COMPLIANCE,
        categories=(Category.IDENTITY, Category.CONTACT),
        model=DataRequest,
        client_path="client",
        fields=(
            "reference",
            "kind",
            "channel",
            "received_at",
            "due_at",
            "status",
            "details",
            "answer",
            "closed_at",
        ),
        events={"request_closure": "closed_at"},
        erase_mode="keep",  # scrubbed by RequestsData.erase, kept as proof
        legal_obligation=PROOF,
        ordering=("-received_at",),
    )
)

registry.register(
    PersonalData(
        key="dsar.request_events",
        count_text=ngettext_lazy("%(count)d étape", "%(count)d étapes", "count"),
        kept_with="dsar.requests",
        label=_("Historique de vos demandes"),
        activity=Activity.COMPLIANCE,
        categories=(Category.IDENTITY,),
        model=RequestEvent,
        client_path="request__client",
        fields=("at", "action", "letter", "note", "data"),
        # The letter's text is in the archive and on the request's page.
        shown_fields=("at", "action", "letter", "note"),
        formatters={"action": request_action_label, "letter": letter_label},
        labels={"data": _("détails (dont le courrier envoyé)")},
        related=("request",),
        # Scrubbed with the requests (RequestsData.erase), keeping the proof.
        erase_mode="keep",
        legal_obligation=PROOF,
        ordering=("-at", "-id"),
    )
)

registry.register(
    FilePersonalData(
        key="dsar.identity_documents",
        count_text=ngettext_lazy("%(count)d copie", "%(count)d copies", "count"),
        label=_("Copies de pièce d'identité"),
        description=_(
            "Demandées seulement en cas de doute, supprimées dès votre identité vérifiée."
        ),
        activity=Activity.COMPLIANCE,
        categories=(Category.IDENTITY,),
        model=IdentityDocument,
        client_path="request__client",
        fields=("uploaded_at", "content_type"),
        events={"collection": "uploaded_at", "request_closure": "request__closed_at"},
    )
)

registry.register(
    FilePersonalData(
        key="dsar.archives",
        count_text=ngettext_lazy("%(count)d copie", "%(count)d copies", "count"),
        label=_("Copies de vos données préparées pour vous"),
        activity=Activity.COMPLIANCE,
        categories=(Category.IDENTITY,),
        model=AccessArchive,
        client_path="client",
        fields=("created_at", "expires_at", "downloaded_at", "portability"),
        events={"expiry": "expires_at", "collection": "created_at"},
    )
)

registry.register(
    PersonalData(
        key="dsar.post_mortem",
        count_text=ngettext_lazy("%(count)d directive", "%(count)d directives", "count"),
        kept_with="accounts.client_profile",
        label=_("Vos directives post mortem"),
        activity=Activity.COMPLIANCE,
        categories=(Category.IDENTITY, Category.CONTACT),
        model=PostMortemDirective,
        client_path="client",
        fields=(
            "choice",
            "trusted_person_name",
            "trusted_person_contact",
            "instructions",
            "updated_at",
            "revoked_at",
        ),
        provided_fields=("choice", "trusted_person_name", "trusted_person_contact", "instructions"),
    )
)
