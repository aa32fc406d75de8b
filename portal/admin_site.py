"""The staff's admin site: Django's, with a check of what an action is applied to."""

from __future__ import annotations

from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _

# The request an admin page is drawn for, so that what the page links to can be checked
# against what its reader may open.
_current_request: ContextVar[HttpRequest | None] = ContextVar("admin_request", default=None)


class PortalAdminSite(admin.AdminSite):
    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("etat/", self.admin_view(self.state_view), name="portal_state"),
            *super().get_urls(),
        ]

    def state_view(self, request: HttpRequest) -> HttpResponse:
        """« État du portail » : the periodic jobs' last runs, beat and the worker, messages
        that failed and campaigns stuck midway (portal/jobs.py)."""
        from portal.jobs import portal_state

        if not request.user.has_perm("portal.view_portal_state"):
            raise PermissionDenied
        context = {
            **self.each_context(request),
            "title": _("État du portail"),
            "state": portal_state(),
        }
        return TemplateResponse(request, "admin/portal_state.html", context)

    def index(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        context = {"can_see_state": request.user.has_perm("portal.view_portal_state")}
        return super().index(request, {**context, **(extra_context or {})})

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """Every model's pages, with the rows an action is applied to read as the model's
        keys first: a selection that names no row is a French message, not a server error
        (Django's admin filters on the raw values)."""
        model_admin = getattr(view, "__self__", None)
        if not isinstance(model_admin, admin.ModelAdmin):
            return super().admin_view(_with_request(view), cacheable)

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

        return super().admin_view(_with_request(checked), cacheable)


def _with_request(view: Any) -> Any:
    @wraps(view)
    def remembered(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        token = _current_request.set(request)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # drawn now, while the request is known
            return response
        finally:
            _current_request.reset(token)

    return remembered


_django_admin_url = helpers.AdminReadonlyField.get_admin_url  # type: ignore[attr-defined]


def _admin_url_if_allowed(self: Any, remote_field: Any, remote_obj: Any) -> Any:
    """A read-only link to a related row (a thread's assignee, a document's uploader) only
    when the reader may open that row: Django's admin links it whatever the reader's
    permissions, and a team member was sent to a refusal."""
    request = _current_request.get()
    related_admin = self.model_admin.admin_site._registry.get(type(remote_obj))
    if request is not None and (
        related_admin is None or not related_admin.has_view_permission(request, remote_obj)
    ):
        return str(remote_obj)
    return _django_admin_url(self, remote_field, remote_obj)


helpers.AdminReadonlyField.get_admin_url = _admin_url_if_allowed  # type: ignore[attr-defined]


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
