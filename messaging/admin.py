from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import ViewAuditedAdmin
from messaging.forms import AttachmentsField
from messaging.models import (
    Appointment,
    Attachment,
    CannedReply,
    Message,
    Notification,
    OpeningPeriod,
    ServiceLevel,
    Thread,
)
from messaging.services.appointments import appointment_save
from messaging.services.threads import (
    attachment_open,
    staff_message_post,
    thread_close,
    thread_mark_read,
)
from portal.audit import Actor, audit_log

ADMIN_CSS = {"all": ("css/admin.css",)}


# Response times and opening hours.


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 1


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    inlines = (OpeningPeriodInline,)
    fields = ("priority_hours", "standard_hours")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ServiceLevel.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "body")


# The inbox.


class InboxFilter(admin.SimpleListFilter):
    """The inbox opens on the threads waiting for an answer."""

    title = _("boîte")
    parameter_name = "boite"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("waiting", _("à traiter")),
            ("overdue", _("en retard")),
            ("mine", _("à traiter, suivies par moi")),
            ("answered", _("répondues")),
            ("closed", _("closes")),
            ("all", _("toutes")),
        ]

    def value(self) -> str:
        return super().value() or "waiting"

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Thread]) -> QuerySet[Thread]:
        value = self.value()
        waiting = queryset.filter(status=Thread.Status.WAITING)
        if value == "waiting":
            return waiting
        if value == "overdue":
            return waiting.filter(due_at__lt=timezone.now())
        if value == "mine":
            return waiting.filter(assigned_to=request.user.pk)
        if value in (Thread.Status.ANSWERED, Thread.Status.CLOSED):
            return queryset.filter(status=value)
        return queryset


class ThreadReplyForm(forms.ModelForm):
    canned_reply = forms.ModelChoiceField(
        label=_("Réponse type"),
        queryset=CannedReply.objects.filter(is_active=True),
        required=False,
        help_text=_("Reprise au début de votre réponse, avec le prénom du client."),
    )
    reply = forms.CharField(
        label=_("Réponse"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachments = AttachmentsField()
    internal = forms.BooleanField(
        label=_("Note interne"),
        required=False,
        help_text=_("Visible de l'équipe seulement ; le client n'est pas prévenu."),
    )
    close = forms.BooleanField(label=_("Clore la conversation"), required=False)

    class Meta:
        model = Thread
        fields = ("assigned_to",)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        canned, reply = cleaned.get("canned_reply"), (cleaned.get("reply") or "").strip()
        if canned is not None:
            reply = "\n\n".join(p for p in (canned.render(self.instance.client), reply) if p)
        if not reply and cleaned.get("attachments"):
            self.add_error("reply", _("Écrivez un mot pour accompagner les pièces jointes."))
        if not reply and cleaned.get("internal"):
            self.add_error("reply", _("Écrivez la note."))
        cleaned["reply"] = reply
        return cleaned


@admin.register(Thread)
class ThreadAdmin(ViewAuditedAdmin):
    form = ThreadReplyForm
    list_display = (
        "subject",
        "client",
        "category",
        "priority",
        "due",
        "status",
        "assigned_to",
        "last_message_at",
    )
    list_filter = (InboxFilter, "is_priority", "category", "assigned_to")
    list_select_related = ("client", "assigned_to")
    search_fields = ("subject", "client__customer_number", "client__last_name")
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = (
        "client_link",
        "subject",
        "category",
        "status",
        "priority",
        "due",
        "appointment",
        "created_at",
        "conversation",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("client_link", "category"),
                    ("status", "priority", "due"),
                    "appointment",
                    "assigned_to",
                    "conversation",
                )
            },
        ),
        (
            _("Répondre"),
            {"fields": ("canned_reply", "reply", "attachments", "internal", "close")},
        ),
    )

    class Media:
        css = ADMIN_CSS

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # Waiting first, priority clients first, then the earliest answer due.
        waiting_first = Case(
            When(status=Thread.Status.WAITING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [waiting_first.asc(), "-is_priority", "due_at", "-last_message_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def audit_view(self, obj: Thread, by: Actor) -> None:
        audit_log(action="messaging.thread.viewed", by=by, client=obj.client, target=obj)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            thread = self.get_object(request, object_id)
            if thread is not None and self.has_change_permission(request, thread):
                thread_mark_read(thread=thread, reader=Message.Author.STAFF)
        return response

    def save_model(self, request: HttpRequest, obj: Thread, form: Any, change: bool) -> None:
        by = Actor.from_request(request)
        if "assigned_to" in form.changed_data:
            Thread.objects.filter(pk=obj.pk).update(assigned_to=obj.assigned_to)
            audit_log(
                action="messaging.thread.assigned",
                by=by,
                client=obj.client,
                target=obj,
                payload={"assigned": obj.assigned_to_id is not None},
            )
        data = form.cleaned_data
        if data["reply"]:
            staff_message_post(
                thread=obj,
                body=data["reply"],
                files=data["attachments"] or (),
                internal=data["internal"],
                by=by,
            )
            if not data["internal"]:
                messages.success(request, _("Réponse envoyée au client."))
        if data["close"]:
            thread_close(thread=obj, by=by)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # no inlines; the form's extra fields are handled by save_model

    @admin.display(description=_("client"))
    def client_link(self, obj: Thread) -> str:
        url = reverse("admin:accounts_client_change", args=[obj.client_id])
        return format_html('<a href="{}">{}</a>', url, obj.client)

    @admin.display(description=_("priorité"), ordering="is_priority", boolean=False)
    def priority(self, obj: Thread) -> str:
        if obj.is_priority:
            return format_html('<span class="inbox-priority">{}</span>', _("prioritaire"))
        return "—"

    @admin.display(description=_("réponse due"), ordering="due_at")
    def due(self, obj: Thread) -> str:
        if obj.status != Thread.Status.WAITING or obj.due_at is None:
            return "—"
        text = timezone.localtime(obj.due_at).strftime("%d/%m/%Y %H:%M")
        if obj.is_overdue:
            return format_html(
                '<span class="dsar-due dsar-overdue">{} — {}</span>', text, _("en retard")
            )
        if obj.due_at < timezone.now() + dt.timedelta(hours=2):
            return format_html('<span class="dsar-due dsar-soon">{}</span>', text)
        return text

    @admin.display(description=_("conversation"))
    def conversation(self, obj: Thread) -> str:
        thread_messages = (
            Message.objects.filter(thread=obj)
            .select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "pk")
        )
        return render_to_string(
            "admin/messaging/_conversation.html", {"thread": obj, "messages": thread_messages}
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "piece-jointe/<uuid:public_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="messaging_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
        attachment = get_object_or_404(
            Attachment.objects.select_related("message__thread__client"), public_id=public_id
        )
        if not self.has_view_permission(request, attachment.message.thread):
            raise PermissionDenied
        handle = attachment_open(attachment=attachment, by=Actor.from_request(request))
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )


# Appointments.


@admin.register(Appointment)
class AppointmentAdmin(ViewAuditedAdmin):
    list_display = ("starts_at", "client", "kind", "status")
    list_filter = ("status", "kind", ("starts_at", admin.DateFieldListFilter))
    list_select_related = ("client",)
    search_fields = ("client__customer_number", "client__last_name")
    raw_id_fields = ("client",)
    date_hierarchy = "starts_at"
    fields = ("client", "kind", "starts_at", "duration_minutes", "address", "note", "status")
    list_per_page = 50

    def audit_view(self, obj: Appointment, by: Actor) -> None:
        audit_log(action="messaging.appointment.viewed", by=by, client=obj.client, target=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: the client is told

    def save_model(self, request: HttpRequest, obj: Appointment, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        appointment_save(appointment=obj, changed=form.changed_data, by=Actor.from_request(request))


# The outbox, for staff to check what left and what failed.


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "template", "client", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "template", "campaign")
    list_select_related = ("client",)
    search_fields = ("client__customer_number", "client__last_name", "provider_id")
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_per_page = 100
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
