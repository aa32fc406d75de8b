"""The staff's admin site: Django's, with a check of what an action is applied to."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.translation import gettext as _


class PortalAdminSite(admin.AdminSite):
    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """Every model's pages, with the rows an action is applied to read as the model's
        keys first: a selection that names no row is a French message, not a server error
        (Django's admin filters on the raw values)."""
        model_admin = getattr(view, "__self__", None)
        if not isinstance(model_admin, admin.ModelAdmin):
            return super().admin_view(view, cacheable)

        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _dates_are_valid(model_admin, request):
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
            if request.method == "POST" and not _selection_is_valid(model_admin, request):
                messages.error(request, _("La sélection ne désigne aucune ligne de cette liste."))
                return HttpResponseRedirect(request.get_full_path())
            try:
                return view(request, *args, **kwargs)
            except OverflowError:
                # An integer beyond 64 bits, which SQLite's driver cannot even send (PostgreSQL
                # answers that no row matches).
                return HttpResponseBadRequest(_("Un nombre saisi est bien trop grand."))

        return super().admin_view(checked, cacheable)


def _dates_are_valid(model_admin: admin.ModelAdmin, request: HttpRequest) -> bool:
    """The list's date links (year, month, day): Django reads them as integers and fails on
    one too large for a date; such a list is shown as Django shows a wrong filter."""
    if not model_admin.date_hierarchy:
        return True
    parts = (f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return all(
        value.isdigit() and len(value) <= 4 for part in parts for value in request.GET.getlist(part)
    )


def _selection_is_valid(model_admin: admin.ModelAdmin, request: HttpRequest) -> bool:
    pk = model_admin.model._meta.pk
    assert pk is not None
    try:
        for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
            pk.to_python(value)
            pk.run_validators(pk.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True
