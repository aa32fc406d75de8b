"""The staff actions on a request, each a small form and one service call. The admin shows
those that apply to the request's kind and state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import CLIENT_SELF_SERVICE_FIELDS
from dsar.models import DataRequest, Identity, Kind
from dsar.services import archive, erasure, identity, rights
from dsar.services import requests as workflow
from portal.audit import Actor


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(forms.Form):
    pass


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Chargé de la demande"), queryset=User.objects.filter(is_staff=True, is_active=True)
    )


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Prolongation"), choices=((1, _("1 mois")), (2, _("2 mois"))), coerce=int
    )
    reason = forms.CharField(
        label=_("Motif, communiqué au demandeur"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Copie reçue (PDF, JPEG ou PNG)"))


# The answer a request of each kind usually gets, for staff to adapt before sending (an
# erasure and an objection close by being carried out, with a letter of their own).
MODEL_ANSWERS = {
    Kind.ACCESS: _(
        "Vous trouverez la copie de toutes les données que nous détenons sur vous dans votre "
        "espace client, rubrique « Vos données personnelles », avec le courrier qui précise "
        "leurs finalités, leurs destinataires et leurs durées de conservation."
    ),
    Kind.RECTIFICATION: _(
        "Nous avons corrigé les données que vous nous avez signalées. Vous pouvez vérifier "
        "vos coordonnées à tout moment dans votre espace client."
    ),
    Kind.RESTRICTION: _(
        "Le traitement de vos données est limité : nous les conservons sans les utiliser, "
        "le temps de la vérification. Nous vous préviendrons avant de lever cette limitation."
    ),
    Kind.PORTABILITY: _(
        "Vous trouverez les données que vous nous avez fournies, dans un format réutilisable "
        "(JSON et CSV), dans votre espace client."
    ),
    Kind.POST_MORTEM: _(
        "Vos directives sont enregistrées. Vous pouvez les modifier à tout moment."
    ),
}


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Réponse au demandeur"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class RectifyForm(forms.Form):
    field = forms.ChoiceField(label=_("Donnée à corriger"))
    value = forms.CharField(label=_("Valeur correcte"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accounts.models import Client

        names = (*CLIENT_SELF_SERVICE_FIELDS, "email")
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            (name, str(getattr(Client._meta.get_field(name), "verbose_name", name)).capitalize())
            for name in names
        ]


@dataclass(frozen=True)
class Action:
    label: Any
    form: type[forms.Form]
    run: Callable[[DataRequest, dict[str, Any], Actor], Any]
    applies: Callable[[DataRequest], bool]
    danger: bool = False


def _open(request: DataRequest) -> bool:
    return request.is_open


def _executable(*kinds: str) -> Callable[[DataRequest], bool]:
    """Handing over, erasing or changing data: only for an established identity."""
    return lambda r: (
        r.is_open and r.client_id is not None and r.kind in kinds and r.identity_established
    )


def _closable(request: DataRequest) -> bool:
    # Erasure and objection close by being executed (or refused); a restriction once applied.
    if not request.is_open or request.kind in (Kind.ERASURE, Kind.OBJECTION):
        return False
    return request.kind != Kind.RESTRICTION or request.restriction_applied_at is not None


ACTIONS: dict[str, Action] = {
    "assign": Action(
        _("Attribuer"),
        AssignForm,
        lambda r, d, by: workflow.request_assign(request=r, assignee=d["assignee"], by=by),
        _open,
    ),
    "note": Action(
        _("Ajouter une note"),
        NoteForm,
        lambda r, d, by: workflow.request_note(request=r, note=d["note"], by=by),
        _open,
    ),
    "doubt": Action(
        _("Enregistrer un doute sur l'identité"),
        ReasonForm,
        lambda r, d, by: identity.identity_record_doubt(request=r, reason=d["reason"], by=by),
        lambda r: r.is_open and r.identity in (Identity.LOGIN, Identity.TO_CHECK),
    ),
    "request_document": Action(
        _("Demander une pièce d'identité"),
        ConfirmForm,
        lambda r, d, by: identity.identity_request_document(request=r, by=by),
        lambda r: r.is_open and r.identity == Identity.DOUBT,
    ),
    "receive_document": Action(
        _("Joindre la pièce reçue"),
        DocumentForm,
        lambda r, d, by: identity.identity_document_receive(request=r, upload=d["file"], by=by),
        lambda r: r.is_open and r.identity == Identity.DOCUMENT_REQUESTED,
    ),
    "verify": Action(
        _("Identité vérifiée"),
        ConfirmForm,
        lambda r, d, by: identity.identity_verify(request=r, by=by),
        lambda r: (
            r.is_open
            and r.identity in (Identity.TO_CHECK, Identity.DOUBT, Identity.DOCUMENT_REQUESTED)
        ),
    ),
    "identity_fail": Action(
        _("Identité non établie"),
        ReasonForm,
        lambda r, d, by: identity.identity_fail(request=r, reason=d["reason"], by=by),
        lambda r: r.is_open and r.identity in (Identity.DOUBT, Identity.DOCUMENT_REQUESTED),
        danger=True,
    ),
    "extend": Action(
        _("Prolonger le délai"),
        ExtendForm,
        lambda r, d, by: workflow.request_extend(
            request=r, months=d["months"], reason=d["reason"], by=by
        ),
        lambda r: r.is_open and r.extended_months < 2,
    ),
    "archive": Action(
        _("Générer l'archive"),
        ConfirmForm,
        lambda r, d, by: archive.archive_build(request=r, by=by),
        _executable(Kind.ACCESS, Kind.PORTABILITY),
    ),
    "erase": Action(
        _("Exécuter l'effacement"),
        ConfirmForm,
        lambda r, d, by: erasure.erasure_execute(request=r, by=by),
        # Also to finish an erasure a crash interrupted, whatever the request's status.
        lambda r: (
            r.kind == Kind.ERASURE
            and r.client_id is not None
            and (r.erasure_unfinished or (r.is_open and r.identity_established))
        ),
        danger=True,
    ),
    "restrict": Action(
        _("Limiter le traitement"),
        ConfirmForm,
        lambda r, d, by: rights.restriction_apply(request=r, by=by),
        lambda r: (
            r.is_open
            and r.kind == Kind.RESTRICTION
            and r.client is not None
            and not r.client.is_restricted
        ),
    ),
    "announce_lift": Action(
        _("Annoncer la levée de la limitation"),
        ReasonForm,
        lambda r, d, by: rights.restriction_announce_lift(request=r, reason=d["reason"], by=by),
        rights.restriction_in_force,
    ),
    "lift": Action(
        _("Lever la limitation"),
        ConfirmForm,
        lambda r, d, by: rights.restriction_lift(request=r, by=by),
        lambda r: (
            r.kind == Kind.RESTRICTION
            and r.client is not None
            and r.client.is_restricted
            and r.restriction_lift_notified_at is not None
        ),
    ),
    "rectify": Action(
        _("Enregistrer une rectification"),
        RectifyForm,
        lambda r, d, by: rights.rectification_record(
            request=r, changes={d["field"]: d["value"]}, by=by
        ),
        _executable(Kind.RECTIFICATION),
    ),
    "object": Action(
        _("Exécuter l'opposition"),
        ConfirmForm,
        lambda r, d, by: rights.objection_execute(request=r, by=by),
        _executable(Kind.OBJECTION),
    ),
    "refuse": Action(
        _("Refuser, avec le motif"),
        ReasonForm,
        lambda r, d, by: workflow.request_refuse(request=r, reason=d["reason"], by=by),
        _open,
        danger=True,
    ),
    "close": Action(
        _("Répondre et clore"),
        AnswerForm,
        lambda r, d, by: workflow.request_close(request=r, answer=d["answer"], by=by),
        _closable,
    ),
}
