from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dsar.models import PostMortemDirective


class PortalRequestForm(forms.Form):
    details = forms.CharField(
        label=_("Précisions (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Par exemple, pour une rectification : ce qui est inexact et la bonne valeur."),
    )


class PostMortemForm(forms.ModelForm):
    class Meta:
        model = PostMortemDirective
        fields = ("choice", "trusted_person_name", "trusted_person_contact", "instructions")
        widgets = {
            "choice": forms.RadioSelect,
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("choice") == PostMortemDirective.Choice.COMMUNICATE and not (
            cleaned.get("trusted_person_name") and cleaned.get("trusted_person_contact")
        ):
            self.add_error(
                "trusted_person_name",
                _("Indiquez la personne à qui communiquer vos données, et comment la joindre."),
            )
        return cleaned
