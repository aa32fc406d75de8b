from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from consent import selectors, services
from consent.exceptions import ConsentError
from consent.forms import PurposeAdminForm, StaffConsentForm
from consent.models import ConsentRecord, ConsentState, CookieChoice, Purpose, Suppression
from portal.admin_tools import ReadOnlyAdmin, ReadOnlyInline
from portal.audit import Actor, audit_log


class ConsentStateInline(ReadOnlyInline):
    model = ConsentState
    fields = ("purpose", "granted", "method", "updated_at")
    readonly_fields = fields
    verbose_name_plural = _("Choix de prospection en vigueur")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentState]:
        return super().get_queryset(request).select_related("purpose__wording", "record")

    @admin.display(description=_("moyen"))
    def method(self, state: ConsentState) -> str:
        return state.record.get_method_display()


class ConsentFilter(admin.SimpleListFilter):
    """The client list by purpose and state: accorded, refused, or never asked."""

    title = _("consentement")
    parameter_name = "consentement"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        options = []
        states = (("granted", _("accordé")), ("refused", _("refusé")), ("none", _("sans choix")))
        for purpose in Purpose.objects.filter(is_active=True).select_related("wording"):
            options += [
                (f"{purpose.key}:{state}", f"{purpose} — {label}") for state, label in states
            ]
        return options

    def queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> QuerySet[Client]:
        key, _sep, state = (self.value() or "").partition(":")
        if not key:
            return queryset
        states = ConsentState.objects.filter(client=OuterRef("pk"), purpose__key=key)
        if state == "granted":
            return queryset.filter(Exists(states.filter(granted=True)))
        if state == "refused":
            return queryset.filter(Exists(states.filter(granted=False)))
        return queryset.exclude(Exists(states))


class ClientConsentAdminMixin:
    """What the client page of the admin shows and does about consent."""

    def suppression_status(self, client: Client) -> str:
        entries = list(selectors.client_suppressions(client)) if client.pk else []
        if not entries:
            return "—"
        return format_html_join(
            "<br>",
            "{} : {} ({} {})",
            (
                (
                    e.get_kind_display(),
                    e.get_reason_display(),
                    _("inscrit le"),
                    date_format(timezone.localtime(e.created_at), "SHORT_DATE_FORMAT"),
                )
                for e in entries
            ),
        )

    suppression_status.short_description = _("liste d'opposition")  # type: ignore[attr-defined]

    def consent_history_link(self, client: Client) -> str:
        if not client.pk:
            return "—"
        url = reverse("admin:consent_consentrecord_changelist") + f"?client__id__exact={client.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Historique complet des choix"))

    consent_history_link.short_description = _("historique des choix")  # type: ignore[attr-defined]

    def consent_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.record_consent_view)  # type: ignore[attr-defined]
        return [path("<int:pk>/consentement/", view, name="accounts_client_record_consent")]

    def record_consent_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("consent.add_consentrecord"):
            raise PermissionDenied
        client = get_object_or_404(Client, pk=pk)
        form = StaffConsentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.consent_set(
                    client=client,
                    purpose=data["purpose"],
                    granted=data["granted"],
                    proof=services.Proof(method=data["method"], note=data["note"]),
                    by=Actor.from_request(request),
                )
            except ConsentError as error:
                form.add_error(None, str(error.message))
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request, _("Le choix du client est enregistré."), messages.SUCCESS
                )
                return redirect("admin:accounts_client_change", client.pk)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": _("Enregistrer un choix reçu par téléphone ou courrier"),
            "client": client,
            "form": form,
            "opts": Client._meta,
        }
        return TemplateResponse(request, "admin/consent/record_consent.html", context)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "client",
        "purpose",
        "granted",
        "method",
        "wording_version",
        "recorded_by",
    )
    list_filter = ("purpose", "granted", "method", ("at", admin.DateFieldListFilter))
    list_select_related = ("client", "purpose__wording", "wording", "recorded_by")
    search_fields = ("client__customer_number", "client__last_name", "proof")
    date_hierarchy = "at"
    actions = ("export_csv",)
    list_per_page = 100

    @admin.display(description=_("version du texte"))
    def wording_version(self, record: ConsentRecord) -> int:
        return record.wording.version

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {
            "export_url": reverse("admin:consent_consentrecord_export")
            + "?"
            + request.GET.urlencode()
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def get_urls(self) -> list[URLPattern]:
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="consent_consentrecord_export"), *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """The ledger, as filtered on the list, as CSV for an audit."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # As the list itself answers a filter it cannot read.
            return HttpResponseRedirect(f"{reverse('admin:consent_consentrecord_changelist')}?e=1")
        return self._csv(request, changelist.get_queryset(request))

    @admin.action(description=_("Exporter en CSV"))
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[ConsentRecord]
    ) -> StreamingHttpResponse:
        return self._csv(request, queryset)

    def _csv(
        self, request: HttpRequest, queryset: QuerySet[ConsentRecord]
    ) -> StreamingHttpResponse:
        rows = queryset.select_related("client", "purpose", "wording", "recorded_by").order_by("id")
        audit_log(
            action="consent.ledger.exported",
            by=Actor.from_request(request),
            payload={"rows": rows.count()},
        )
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="registre-consentements-{stamp}.csv"'
        )
        return response


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "id",
    "date",
    "numero_client",
    "finalite",
    "canal",
    "choix",
    "moyen",
    "version_texte",
    "texte",
    "adresse_ip_tronquee",
    "navigateur",
    "preuve",
    "note",
    "enregistre_par",
]


def _cell(value: object) -> object:
    """Text typed by anybody (a browser name, a note) must not run as a spreadsheet formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_lines(rows: QuerySet[ConsentRecord]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(CSV_HEADER)  # the BOM lets spreadsheets read UTF-8
    for record in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            _cell(value)
            for value in [
                record.pk,
                record.at.isoformat(),
                record.client.customer_number,
                record.purpose.key,
                record.purpose.channel,
                "accord" if record.granted else "retrait",
                record.method,
                record.wording.version,
                record.wording.label,
                record.ip or "",
                record.user_agent,
                record.proof,
                record.note,
                record.recorded_by.email if record.recorded_by else "",
            ]
        )


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ("kind", "reason", "created_at", "expires_at", "lifted_at")
    list_filter = ("kind", "reason", ("lifted_at", admin.EmptyFieldListFilter))
    date_hierarchy = "created_at"


@admin.register(CookieChoice)
class CookieChoiceAdmin(ReadOnlyAdmin):
    list_display = ("at", "functional", "audience", "advertising", "method", "banner")
    list_filter = ("method", "functional", "audience", "advertising")
    list_select_related = ("banner",)
    date_hierarchy = "at"


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    form = PurposeAdminForm
    list_display = (
        "__str__",
        "channel",
        "legal_basis",
        "soft_opt_in_since",
        "is_active",
        "order",
        "version",
    )
    list_select_related = ("wording",)
    readonly_fields = ("versions",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The key and channel of a purpose already consented to never change.
        fixed = ("versions", "soft_opt_in_since")
        return ("key", "channel", *fixed) if obj is not None else fixed

    @admin.display(description=_("version en vigueur"))
    def version(self, purpose: Purpose) -> int:
        return purpose.wording.version if purpose.wording else 0

    @admin.display(description=_("versions précédentes"))
    def versions(self, purpose: Purpose) -> str:
        if not purpose.pk:
            return "—"
        return format_html_join(
            "<br>",
            "v{} — {} — {}",
            (
                (
                    w.version,
                    date_format(timezone.localtime(w.created_at), "SHORT_DATE_FORMAT"),
                    w.label,
                )
                for w in purpose.wordings.all()
            ),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Purpose, form: Any, change: bool) -> None:
        by = Actor.from_request(request)
        if not change:
            obj.save()
        elif fields := [f for f in form.changed_data if f in ("legal_basis", "is_active", "order")]:
            if "legal_basis" in fields:
                # Soft opt-in covers purchases made from today, when the opt-out is offered.
                obj.soft_opt_in_since = timezone.localdate() if obj.allows_soft_opt_in else None
                fields.append("soft_opt_in_since")
            obj.save(update_fields=fields)
            audit_log(
                action="consent.purpose.changed",
                by=by,
                target=obj,
                payload={"purpose": obj.key, "fields": sorted(fields)},
            )
        services.purpose_set_wording(
            purpose=obj,
            label=form.cleaned_data["label"],
            explanation=form.cleaned_data["explanation"],
            by=by,
        )
