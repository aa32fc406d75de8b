from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import Client, Document, User
from accounts.services import CLIENT_SELF_SERVICE_FIELDS
from portal.uploads import DOCUMENT_TYPES, check_upload

PHONE_ERROR = _(
    "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78."
)


def phone_field() -> PhoneNumberField:
    """A phone number as people write it in France, checked, with a French error."""
    return PhoneNumberField(
        label=_("Téléphone"),
        required=False,
        region="FR",
        error_messages={"invalid": PHONE_ERROR},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class ClientContactForm(forms.ModelForm):
    phone = phone_field()

    class Meta:
        model = Client
        fields = CLIENT_SELF_SERVICE_FIELDS
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "address_line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "address_line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phone = self.instance.phone
        if phone:
            # French numbers as people write them; others with their country code, so that
            # they are not read back as French.
            national = phone.country_code == 33
            self.initial["phone"] = phone.as_national if national else phone.as_international


class InvitationAcceptForm(forms.Form):
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            try:
                user = User(email=self.email)
                user.invited_client = True  # type: ignore[attr-defined]
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class DocumentAdminForm(forms.ModelForm):
    """The admin's document form: the file's type is checked from its content."""

    class Meta:
        model = Document
        fields = ("kind", "title", "reference", "issued_on", "file")
        # A plain input: private files have no public URL to show as "currently".
        widgets = {"file": forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})}

    def clean_kind(self) -> str:
        kind: str = self.cleaned_data["kind"]
        if self.instance.pk:
            stored = (
                Document.objects.filter(pk=self.instance.pk).values_list("kind", flat=True).first()
            )
            if stored in Document.ACCOUNTING_KINDS and kind != stored:
                raise forms.ValidationError(
                    _("Une facture ou un avoir garde son type : la loi impose de le conserver."),
                    code="accounting_kind",
                )
        return kind

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if self.instance.pk and "file" in self.changed_data:
            raise forms.ValidationError(
                _("Le fichier d'un document ne se remplace pas : ajoutez un nouveau document."),
                code="replace",
            )
        if upload is not None and hasattr(upload, "content_type"):
            check_upload(upload, allowed=DOCUMENT_TYPES)
        return upload


class LoginForm(AllauthLoginForm):
    """allauth's login form, with the wording used everywhere else in the portal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Adresse e-mail")
        self.fields["login"].widget.attrs["placeholder"] = ""
