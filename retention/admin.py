from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from retention.models import LegalHold, ProcessingActivity, PurgeRun, RetentionRule


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
class PurgeRunAdmin(admin.ModelAdmin):
    """The history of purges, with their counts per rule; nobody edits it."""

    list_display = ("started_at", "status", "dry_run", "total", "statements", "finished_at")
    list_filter = ("status", "dry_run")
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in PurgeRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
