from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.admin_tools import ReadOnlyAdmin
from retention.models import LegalHold, ProcessingActivity, PurgeRun, RetentionRule
from retention.register import purge_chart, register_csv, register_ods


class RetentionRuleInline(admin.StackedInline):
    model = RetentionRule
    extra = 0
    fields = (
        ("data_kind", "label"),
        ("duration", "unit", "event", "action"),
        "legal_reference",
        "justification",
        "enabled",
    )


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_basis", "preset", "updated_at")
    search_fields = ("name", "purposes")
    inlines = (RetentionRuleInline,)

    def get_urls(self) -> list[URLPattern]:
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export.<str:fmt>", export, name="retention_register_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        """The register as CSV or ODS, with the CNIL model's columns."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt == "csv":
            response = HttpResponse(register_csv(), content_type="text/csv; charset=utf-8")
        elif fmt == "ods":
            response = HttpResponse(
                register_ods(), content_type="application/vnd.oasis.opendocument.spreadsheet"
            )
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="registre-des-traitements.{fmt}"'
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        context = {"register_exports": True, "title": _("Registre des traitements")}
        return super().changelist_view(request, {**(extra_context or {}), **context})


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "data_kind",
        "duration",
        "unit",
        "event",
        "action",
        "enabled",
        "activity",
    )
    list_filter = ("enabled", "action", "activity")
    list_select_related = ("activity",)


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ("client", "reason", "legal_reference", "starts_on", "ends_on")
    list_filter = ("reason",)
    list_select_related = ("client",)
    raw_id_fields = ("client",)
    readonly_fields = ("created_by",)

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    """The history of purges, with their counts per rule; nobody edits it."""

    list_display = ("started_at", "status", "dry_run", "total", "statements", "finished_at")
    list_filter = ("status", "dry_run")
    date_hierarchy = "started_at"

    fields = (
        ("started_at", "finished_at"),
        ("status", "dry_run", "runner"),
        ("total", "statements"),
        "per_rule",
        "error",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(f.name for f in PurgeRun._meta.fields), "per_rule"]

    @admin.display(description=_("résultats par règle"))
    def per_rule(self, run: PurgeRun) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    result["label"],
                    result["action_label"],
                    date_format(result["cutoff_date"], "SHORT_DATE_FORMAT"),
                    result["rows"],
                    result["batches"],
                    result["warned"],
                )
                for result in run.results()
            ),
        )
        if not rows:
            return str(_("Aucune règle appliquée."))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("Règle"),
            _("Action"),
            _("Avant le"),
            _("Lignes"),
            _("Lots"),
            _("Avertis"),
            rows,
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        context = {"chart": purge_chart(), "title": _("Historique des purges")}
        return super().changelist_view(request, {**(extra_context or {}), **context})
