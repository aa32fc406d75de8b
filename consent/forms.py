from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import phone_field
from accounts.models import Client, ContactRequest
from consent.models import STAFF_METHODS, Purpose, PurposeWording


class StaffConsentForm(forms.Form):
    """A choice a client told staff by phone or letter. The note is the proof."""

    purpose = forms.ModelChoiceField(
        label=_("Finalité"),
        queryset=Purpose.objects.filter(is_active=True).select_related("wording"),
    )
    granted = forms.TypedChoiceField(
        label=_("Choix du client"),
        choices=(("1", _("Accord")), ("0", _("Retrait"))),
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("Reçu par"),
        choices=[(m.value, m.label) for m in STAFF_METHODS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ce que le client a dit, la date de l'appel ou du courrier : "
            "c'est la preuve de son choix."
        ),
    )

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"].strip()
        if len(note) < 10:
            raise forms.ValidationError(
                _("Décrivez le choix du client en quelques mots (10 caractères au moins).")
            )
        return note


class PurposeAdminForm(forms.ModelForm):
    """The purpose's text is edited here but stored as a new version when it changes."""

    label = forms.CharField(label=_("Intitulé présenté au client"), max_length=200)
    explanation = forms.CharField(
        label=_("Explication présentée au client"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    class Meta:
        model = Purpose
        fields = ("key", "channel", "legal_basis", "is_active", "order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wording: PurposeWording | None = self.instance.wording if self.instance.pk else None
        if wording is not None:
            self.fields["label"].initial = wording.label
            self.fields["explanation"].initial = wording.explanation

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        channel = cleaned.get("channel", self.instance.channel)
        if cleaned.get("legal_basis") == "soft_opt_in" and channel == "none":
            self.add_error(
                "legal_basis",
                _(
                    "Le soft opt-in ne couvre que la prospection par e-mail ou SMS, "
                    "jamais la transmission à des tiers."
                ),
            )
        return cleaned


class ContactForm(forms.Form):
    """The public contact and quote-request form. Every marketing box starts unticked."""

    kind = forms.ChoiceField(label=_("Votre demande"), choices=ContactRequest.Kind.choices)
    civility = forms.ChoiceField(
        label=_("Civilité"), choices=Client.Civility.choices, required=False
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = phone_field()
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    message = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    # A field people never see and robots fill in.
    website = forms.CharField(label=_("Ne pas remplir ce champ"), required=False)

    def __init__(self, *args: Any, purposes: list[Purpose], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.purposes = purposes
        for purpose in purposes:
            assert purpose.wording is not None
            self.fields[f"purpose_{purpose.key}"] = forms.BooleanField(
                label=purpose.wording.label,
                help_text=purpose.wording.explanation,
                required=False,
                initial=False,
            )

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def marketing_fields(self) -> list[forms.BoundField]:
        return [self[f"purpose_{p.key}"] for p in self.purposes]

    def person_fields(self) -> list[forms.BoundField]:
        names = (
            "kind",
            "civility",
            "first_name",
            "last_name",
            "email",
            "phone",
            "postal_code",
            "message",
        )
        return [self[name] for name in names]

    def chosen_wordings(self) -> list[PurposeWording]:
        return [
            p.wording
            for p in self.purposes
            if self.cleaned_data.get(f"purpose_{p.key}") and p.wording
        ]
