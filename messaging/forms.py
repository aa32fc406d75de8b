from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Client
from messaging.models import Thread
from messaging.services.threads import MAX_ATTACHMENTS, shown_name
from portal.uploads import HEIC, JPEG, PDF, PNG, CheckedFile, check_upload

ATTACHMENT_TYPES = frozenset({PDF, JPEG, PNG, HEIC})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input, each checked by its content; the errors name the file."""

    widget = MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.heic,.heif"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Pièces jointes"))
        kwargs.setdefault(
            "help_text",
            ngettext(
                "PDF, JPEG, PNG ou HEIC, %(count)d fichier de 10 Mo au plus.",
                "PDF, JPEG, PNG ou HEIC, %(count)d fichiers de 10 Mo au plus.",
                MAX_ATTACHMENTS,
            )
            % {"count": MAX_ATTACHMENTS},
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[tuple[UploadedFile, CheckedFile]]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                ngettext(
                    "Joignez au plus %(count)d fichier à un message.",
                    "Joignez au plus %(count)d fichiers à un message.",
                    MAX_ATTACHMENTS,
                )
                % {"count": MAX_ATTACHMENTS}
            )
        checked: list[tuple[UploadedFile, CheckedFile]] = []
        errors: list[str] = []
        for upload in files:
            try:
                checked.append((upload, check_upload(upload, allowed=ATTACHMENT_TYPES)))
            except ValidationError as error:
                name = shown_name(upload.name or "")[:80]
                errors.extend(
                    _("« %(name)s » : %(error)s") % {"name": name, "error": message}
                    for message in error.messages
                )
        if errors:
            raise ValidationError(errors)
        return checked


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Écrivez votre message.")},
    )
    attachments = AttachmentsField()


class ThreadForm(MessageForm):
    subject = forms.CharField(
        label=_("Objet"), max_length=150, error_messages={"required": _("Indiquez un objet.")}
    )
    category = forms.ChoiceField(
        label=_("Catégorie"),
        choices=[("", _("Choisissez…")), *Thread.Category.choices],
        error_messages={"required": _("Choisissez une catégorie.")},
    )
    field_order = ("subject", "category", "body", "attachments")


class ServicePreferencesForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ("service_by_email", "service_by_sms")
        labels = {
            "service_by_email": _("Par e-mail"),
            "service_by_sms": _("Par SMS"),
        }
        help_texts = {"service_by_email": "", "service_by_sms": ""}
