from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import ViewAuditedAdmin
from accounts.models import Client
from dsar import dashboard
from dsar.actions import ACTIONS, MODEL_ANSWERS
from dsar.models import (
    OPEN_STATUSES,
    AccessArchive,
    DataRequest,
    IdentityDocument,
    Kind,
    RequestEvent,
)
from dsar.privacy import request_action_label
from dsar.services.identity import identity_document_read
from dsar.services.requests import request_create
from portal.admin_tools import ReadOnlyInline
from portal.audit import Actor, audit_log
from portal.exceptions import PortalError


class DueFilter(admin.SimpleListFilter):
    title = _("échéance")
    parameter_name = "echeance"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("en retard")),
            ("week", _("dans les 7 jours")),
            ("open", _("toutes les ouvertes")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[DataRequest]
    ) -> QuerySet[DataRequest]:
        now = timezone.now()
        open_requests = queryset.filter(status__in=OPEN_STATUSES)
        # A stopped clock (identity document awaited) is neither late nor due.
        running = open_requests.filter(clock_stopped_at__isnull=True)
        if self.value() == "overdue":
            return running.filter(due_at__lt=now)
        if self.value() == "week":
            return running.filter(due_at__gte=now, due_at__lt=now + timedelta(days=7))
        if self.value() == "open":
            return open_requests
        return queryset


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ("at", "step", "actor", "note", "letter_link", "details")
    readonly_fields = fields
    verbose_name_plural = _("Historique de la demande")

    @admin.display(description=_("étape"))
    def step(self, event: RequestEvent) -> str:
        return request_action_label(event.action)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RequestEvent]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("courrier"))
    def letter_link(self, event: RequestEvent) -> str:
        if not event.letter:
            return "—"
        url = reverse("admin:dsar_letter", args=[event.pk])
        return format_html(
            '<a href="{}">{}</a>', url, event.data.get("letter", {}).get("subject", event.letter)
        )

    @admin.display(description=_("détails"))
    def details(self, event: RequestEvent) -> str:
        changes = event.data.get("changes")
        if not changes:
            return ""
        return "; ".join(
            f"{_field_label(name)} : « {old} » → « {new} »" for name, (old, new) in changes.items()
        )


def _field_label(name: str) -> str:
    """A client field as staff read it ("téléphone"), not its name in the code ("phone")."""
    try:
        return str(getattr(Client._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


class AccessArchiveInline(ReadOnlyInline):
    model = AccessArchive
    verbose_name_plural = _("Copies des données")
    fields = ("created_at", "portability", "size", "expires_at", "downloaded_at", "deleted_at")
    readonly_fields = fields


class StaffRequestForm(forms.ModelForm):
    """A request received by letter, email, phone or in person."""

    class Meta:
        model = DataRequest
        fields = (
            "kind",
            "channel",
            "client",
            "requester_name",
            "requester_email",
            "requester_address",
            "details",
            "received_at",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("client") and not cleaned.get("requester_name"):
            self.add_error(
                "requester_name", _("Choisissez le client, ou indiquez le nom du demandeur.")
            )
        if not cleaned.get("client") and not (
            cleaned.get("requester_email") or cleaned.get("requester_address")
        ):
            self.add_error(
                "requester_email",
                _("Il faut un moyen de lui répondre : e-mail ou adresse postale."),
            )
        return cleaned


@admin.register(DataRequest)
class DataRequestAdmin(ViewAuditedAdmin):
    list_display = ("reference", "kind", "requester", "status", "due", "identity", "assignee")
    list_filter = (DueFilter, "kind", "status", "assignee", "channel")
    list_select_related = ("client", "assignee")
    search_fields = ("reference", "client__customer_number", "client__last_name", "requester_name")
    ordering = ("due_at",)
    raw_id_fields = ("client",)
    inlines = (RequestEventInline, AccessArchiveInline)
    list_per_page = 50
    show_full_result_count = False

    class Media:
        css = {"all": ("css/admin.css",)}

    def audit_view(self, obj: DataRequest, by: Actor) -> None:
        audit_log(action="dsar.request.viewed", by=by, client=obj.client, target=obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = StaffRequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return StaffRequestForm.Meta.fields
        return (
            "reference",
            "kind",
            "channel",
            "client",
            "requester_name",
            "requester_email",
            "requester_address",
            "details",
            "received_at",
            "due",
            "status",
            "identity",
            "identity_doubt",
            "extended_months",
            "extension_reason",
            "assignee",
            "refusal_reason",
            "answer",
            "closed_at",
            "identity_documents",
            "erasure_summary",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("demandeur"))
    def requester(self, obj: DataRequest) -> str:
        return obj.display_name

    @admin.display(description=_("échéance"), ordering="due_at")
    def due(self, obj: DataRequest) -> str:
        day = timezone.localtime(obj.due_at).strftime("%d/%m/%Y")
        if not obj.is_open:
            return day
        left = (timezone.localtime(obj.due_at).date() - timezone.localdate()).days
        if obj.clock_stopped_at:
            return format_html(
                '<span class="dsar-due dsar-stopped">{} — {}</span>', day, _("délai suspendu")
            )
        if left < 0:
            return format_html(
                '<span class="dsar-due dsar-overdue">{} — {}</span>',
                day,
                ngettext("en retard de %(n)d jour", "en retard de %(n)d jours", -left)
                % {"n": -left},
            )
        if left < 7:
            return format_html(
                '<span class="dsar-due dsar-soon">{} — {}</span>',
                day,
                ngettext("%(n)d jour restant", "%(n)d jours restants", left) % {"n": left},
            )
        return day

    @admin.display(description=_("pièces d'identité"))
    def identity_documents(self, obj: DataRequest) -> str:
        links = [
            format_html(
                '<a href="{}">{} {:%d/%m/%Y}</a>',
                reverse("admin:dsar_identity_document", args=[doc.pk]),
                _("pièce reçue le"),
                timezone.localtime(doc.uploaded_at),
            )
            for doc in obj.identity_documents.all()
        ]
        return format_html("<br>".join(["{}"] * len(links)), *links) if links else "—"

    @admin.display(description=_("rapport d'effacement"))
    def erasure_summary(self, obj: DataRequest) -> str:
        steps = (obj.erasure_report or {}).get("steps", {})
        if not steps:
            return "—"
        lines = [
            format_html(
                "{} : {} ({}){}",
                s["label"],
                s["action"],
                s["rows"],
                f" — {s['kept_because']}" if s.get("kept_because") else "",
            )
            for s in steps.values()
        ]
        return format_html("<br>".join(["{}"] * len(lines)), *lines)

    def save_model(self, request: HttpRequest, obj: DataRequest, form: Any, change: bool) -> None:
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        created = request_create(
            kind=data["kind"],
            channel=data["channel"],
            client=data.get("client"),
            requester_name=data.get("requester_name", ""),
            requester_email=data.get("requester_email", ""),
            requester_address=data.get("requester_address", ""),
            details=data.get("details", ""),
            received_at=data.get("received_at"),
            by=Actor.from_request(request),
        )
        obj.pk, obj.reference = created.pk, created.reference

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        actions = []
        if obj is not None and self.has_change_permission(request, obj):
            actions = [(name, action) for name, action in ACTIONS.items() if action.applies(obj)]
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "request_actions": actions}
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/action/<slug:name>/",
                self.admin_site.admin_view(self.action_view),
                name="dsar_request_action",
            ),
            path(
                "piece/<int:pk>/",
                self.admin_site.admin_view(self.identity_document_view),
                name="dsar_identity_document",
            ),
            path(
                "courrier/<int:pk>/",
                self.admin_site.admin_view(self.letter_view),
                name="dsar_letter",
            ),
            path(
                "tableau-de-bord/",
                self.admin_site.admin_view(self.dashboard_view),
                name="dsar_dashboard",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        action = ACTIONS.get(name)
        data_request = get_object_or_404(DataRequest.objects.select_related("client"), pk=pk)
        if action is None or not action.applies(data_request):
            raise Http404
        if not self.has_change_permission(request, data_request):
            raise PermissionDenied
        initial: dict[str, Any] | None = None
        if name == "assign":
            initial = {"assignee": request.user.pk}
        elif name == "close":
            initial = {"answer": MODEL_ANSWERS.get(Kind(data_request.kind), "")}
        posted = request.method == "POST"
        form = action.form(
            request.POST if posted else None, request.FILES if posted else None, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                action.run(data_request, form.cleaned_data, Actor.from_request(request))
            except PortalError as error:
                form.add_error(None, str(error.message))
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(
                    request,
                    _("« %(action)s » : fait.") % {"action": action.label},
                    messages.SUCCESS,
                )
                return redirect("admin:dsar_datarequest_change", data_request.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": action.label,
            "data_request": data_request,
            "action": action,
            "form": form,
            "opts": DataRequest._meta,
        }
        return TemplateResponse(request, "admin/dsar/action.html", context)

    def identity_document_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("dsar.view_identity_document"):
            raise PermissionDenied
        document = get_object_or_404(
            IdentityDocument.objects.select_related("request__client"), pk=pk
        )
        content = identity_document_read(document=document, by=Actor.from_request(request))
        response = HttpResponse(content, content_type=document.content_type)
        response["Content-Disposition"] = "inline"
        response["Cache-Control"] = "no-store"
        return response

    def letter_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A letter as sent, to print and post to a requester without email."""
        event = get_object_or_404(RequestEvent.objects.select_related("request__client"), pk=pk)
        if not self.has_view_permission(request, event.request) or not event.letter:
            raise PermissionDenied
        return TemplateResponse(
            request,
            "dsar/letter_print.html",
            {"event": event, "data_request": event.request, "letter": event.data.get("letter", {})},
        )

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tableau de bord des demandes"),
            "opts": DataRequest._meta,
            **dashboard.figures(),
        }
        return TemplateResponse(request, "admin/dsar/dashboard.html", context)
