from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.admin_tools import ReadOnlyAdmin, SingletonAdmin
from portal.models import AuditEvent, Controller


@admin.register(Controller)
class ControllerAdmin(SingletonAdmin):
    fieldsets = (
        (None, {"fields": ("name", "trade_name", "legal_form", "siren", "website")}),
        ("Contact", {"fields": ("address", "email", "phone")}),
        ("DPO", {"fields": ("dpo_name", "dpo_email", "dpo_address")}),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, read-only: nobody edits or deletes it from the application."""

    list_display = (
        "at",
        "action",
        "actor",
        "client",
        "target_type",
        "target_id",
        "ip",
        "scrubbed_at",
    )
    list_filter = ("action", ("scrubbed_at", admin.EmptyFieldListFilter))
    list_select_related = ("actor", "client")
    search_fields = ("action", "client__customer_number", "actor__email")
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]
