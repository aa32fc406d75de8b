"""The staff's admin site: Django's, with a check of what an action is applied to."""

from __future__ import annotations

from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The request an admin page is drawn for, so that what the page links to can be checked
# against what its reader may open.
_current_request: ContextVar[HttpRequest | None] = ContextVar("admin_request", default=None)


class PortalAdminSite(admin.AdminSite):
    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("etat/", self.admin_view(self.state_view), name="portal_state"),
            path(
                "mise-en-route/modele/",
                self.admin_view(self.setup_preset_view),
                name="portal_setup_preset",
            ),
            path(
                "mise-en-route/equipe/",
                self.admin_view(self.setup_team_view),
                name="portal_setup_team",
            ),
            path(
                "mise-en-route/essai/",
                self.admin_view(self.setup_test_view),
                name="portal_setup_test",
            ),
            *super().get_urls(),
        ]

    def setup_preset_view(self, request: HttpRequest) -> HttpResponse:
        """Choose a sector, see what it adds or changes (activities, rules and their legal
        grounds), then apply it; applying again keeps the business's own edits."""
        from portal.setup import preset_preview
        from retention.models import period_text
        from retention.presets import PRESETS, SECTORS, load, preset_apply

        if not request.user.has_perm("retention.change_retentionrule"):
            raise PermissionDenied
        chosen = request.POST.get("preset") or request.GET.get("preset", "")
        if chosen and chosen not in PRESETS:
            chosen = ""
        if request.method == "POST" and chosen:
            report = preset_apply(chosen)
            messages.success(
                request,
                _("Modèle « %(business)s » appliqué : %(created)s, %(updated)s, %(kept)s.")
                % {
                    "business": SECTORS[chosen],
                    "created": ngettext("%(n)d ajout", "%(n)d ajouts", report.created)
                    % {"n": report.created},
                    "updated": ngettext("%(n)d mise à jour", "%(n)d mises à jour", report.updated)
                    % {"n": report.updated},
                    "kept": ngettext(
                        "%(n)d modification de votre part gardée",
                        "%(n)d modifications de votre part gardées",
                        len(report.kept_edits),
                    )
                    % {"n": len(report.kept_edits)},
                },
            )
            return HttpResponseRedirect(reverse("admin:index"))
        preset = load(chosen) if chosen else None
        if preset is not None:
            for rule in preset["rules"]:
                rule["period"] = (
                    period_text(rule["duration"], rule["unit"])
                    if rule["duration"]
                    else _("aussitôt")
                )
        context = {
            **self.each_context(request),
            "title": _("Le modèle de votre secteur"),
            "presets": [(name, SECTORS[name]) for name in PRESETS],
            "chosen": chosen,
            "sector": SECTORS.get(chosen, ""),
            "preset": preset,
            "preview": preset_preview(chosen) if chosen else None,
        }
        return TemplateResponse(request, "admin/setup_preset.html", context)

    def setup_team_view(self, request: HttpRequest) -> HttpResponse:
        """Invite a colleague with a role: the account is made, and they receive a link to
        choose their password; the admin then asks them for an authenticator."""
        from django.contrib.auth.models import Group
        from django.core.exceptions import ValidationError as InvalidEmail
        from django.core.validators import validate_email

        from accounts.roles import roles_ensure
        from accounts.staff import password_link, staff_account
        from portal.audit import Actor
        from portal.mail import send_email

        if not request.user.has_perm("accounts.add_user"):
            raise PermissionDenied
        roles_ensure()
        roles = list(Group.objects.order_by("name").values_list("name", flat=True))
        error = ""
        if request.method == "POST":
            email = request.POST.get("email", "").strip()
            role = request.POST.get("role", "")
            try:
                validate_email(email)
            except InvalidEmail:
                error = _("Saisissez une adresse e-mail valide.")
            if not error and role not in roles:
                error = _("Choisissez un rôle.")
            if not error:
                user, created = staff_account(
                    email=email, role=role, by=Actor.from_request(request)
                )
                if created:
                    send_email(
                        "staff_invitation",
                        to=email,
                        context={"link": password_link(user), "role": role},
                    )
                    messages.success(
                        request,
                        _("Invitation envoyée à %(email)s, avec le rôle « %(role)s ».")
                        % {"email": email, "role": role},
                    )
                else:
                    messages.warning(
                        request, _("Un compte existe déjà pour %(email)s.") % {"email": email}
                    )
                return HttpResponseRedirect(reverse("admin:portal_setup_team"))
        context = {
            **self.each_context(request),
            "title": _("Votre équipe"),
            "roles": roles,
            "error": error,
            "team": get_user_model()
            .objects.filter(is_staff=True)
            .prefetch_related("groups")
            .order_by("email"),
        }
        return TemplateResponse(
            request, "admin/setup_team.html", context, status=400 if error else 200
        )

    def setup_test_view(self, request: HttpRequest) -> HttpResponse:
        """Send the owner a test email, and a test SMS to the number they give."""
        from messaging import sms
        from portal.mail import send_email
        from portal.setup import providers_configured

        if not request.user.has_perm("portal.change_controller"):
            raise PermissionDenied
        email_ok, sms_ok = providers_configured()
        if request.method == "POST":
            owner = str(getattr(request.user, "email", ""))
            send_email("test_message", to=owner, context={})
            messages.success(request, _("E-mail d'essai envoyé à %(email)s.") % {"email": owner})
            number = request.POST.get("phone", "").strip()
            if number:
                try:
                    sms.get_backend().send(
                        sms.Sms(
                            to=sms.e164(number),
                            body=str(_("Message d'essai de votre espace client.")),
                        )
                    )
                    messages.success(request, _("SMS d'essai envoyé."))
                except (ValueError, sms.SmsError) as error:
                    messages.error(request, _("SMS non envoyé : %(error)s") % {"error": error})
            return HttpResponseRedirect(reverse("admin:portal_setup_test"))
        context = {
            **self.each_context(request),
            "title": _("L'envoi des e-mails et des SMS"),
            "email_ok": email_ok,
            "sms_ok": sms_ok,
        }
        return TemplateResponse(request, "admin/setup_test.html", context)

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
        from portal.setup import setup_steps

        context: dict[str, Any] = {
            "can_see_state": request.user.has_perm("portal.view_portal_state")
        }
        # The owner's checklist (who sets the business up and invites the team), until every
        # step is done.
        if request.user.has_perms(["portal.change_controller", "accounts.add_user"]):
            steps = setup_steps()
            if not all(step.done for step in steps):
                context["setup_steps"] = steps
                context["setup_done"] = sum(1 for step in steps if step.done)
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
