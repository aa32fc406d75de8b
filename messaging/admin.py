from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import ViewAuditedAdmin
from messaging.forms import AttachmentsField
from messaging.models import (
    Appointment,
    Attachment,
    Campaign,
    CannedReply,
    Message,
    Notification,
    OpeningPeriod,
    ServiceLevel,
    Thread,
)
from messaging.services.appointments import appointment_save
from messaging.services.campaigns import (
    CampaignError,
    campaign_cancel,
    campaign_preview,
    campaign_progress,
    campaign_schedule,
)
from messaging.services.threads import (
    AssignmentChanged,
    ThreadChanged,
    attachment_open,
    staff_message_post,
    thread_assign,
    thread_close,
    thread_mark_read,
)
from portal.admin_tools import ReadOnlyAdmin, SingletonAdmin
from portal.audit import Actor, audit_log

ADMIN_CSS = {"all": ("css/admin.css",)}


# Response times and opening hours.


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 1


@admin.register(ServiceLevel)
class ServiceLevelAdmin(SingletonAdmin):
    inlines = (OpeningPeriodInline,)
    fields = ("priority_hours", "standard_hours")


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


class CannedReplySelect(forms.Select):
    """The list of canned replies, and the button that brings the chosen one into the answer
    without JavaScript (static/js/admin_canned.js hides it and fills the answer at once)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        select = super().render(name, value, attrs, renderer)
        return format_html(
            '{} <button type="submit" name="_use_canned" value="1" class="button">{}</button>',
            select,
            _("Reprendre la réponse type"),
        )


class ThreadReplyForm(forms.ModelForm):
    canned_reply = forms.ModelChoiceField(
        label=_("Réponse type"),
        queryset=CannedReply.objects.filter(is_active=True),
        required=False,
        widget=CannedReplySelect,
        help_text=_(
            "Son texte, au prénom du client, vient dans la réponse ci-dessous : relisez-le, "
            "complétez-le, puis enregistrez pour l'envoyer."
        ),
    )
    reply = forms.CharField(
        label=_("Réponse"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachments = AttachmentsField()
    internal = forms.BooleanField(
        label=_("Note interne"),
        required=False,
        help_text=_(
            "Hors de la conversation, et le client n'est pas prévenu. Il peut en obtenir "
            "copie (droit d'accès) : restez factuel."
        ),
    )
    close = forms.BooleanField(label=_("Clore la conversation"), required=False)
    # What the page showed when it was opened: a save never overrides what changed since.
    seen_up_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    seen_assignee = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Thread
        fields = ("assigned_to",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            last = self.instance.messages.order_by("-pk").values_list("pk", flat=True).first()
            self.fields["seen_up_to"].initial = last
            self.fields["seen_assignee"].initial = self.instance.assigned_to_id
            # Each reply's text for this client, read by admin_canned.js to fill the answer.
            texts = {
                str(canned.pk): canned.render(self.instance.client)
                for canned in self.fields["canned_reply"].queryset  # type: ignore[attr-defined]
            }
            self.fields["canned_reply"].widget.attrs.update(
                {"data-canned-texts": json.dumps(texts), "data-fills": "id_reply"}
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        canned, reply = cleaned.get("canned_reply"), (cleaned.get("reply") or "").strip()
        if canned is not None and not reply:
            # Chosen but never brought into the answer (no JavaScript): nothing goes unread.
            self.add_error(
                "canned_reply",
                _("Cliquez « Reprendre la réponse type », relisez-la, puis enregistrez."),
            )
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
        "unread",
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
            {
                "fields": (
                    "canned_reply",
                    "reply",
                    "attachments",
                    "internal",
                    "close",
                    "seen_up_to",
                    "seen_assignee",
                )
            },
        ),
    )

    class Media:
        css = ADMIN_CSS
        js = ("js/admin_canned.js",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """Without JavaScript, « Reprendre la réponse type » comes back here with ?canned=<id>:
        the answer opens filled with that reply, for staff to read before sending."""
        form = super().get_form(request, obj, change=change, **kwargs)
        canned_id = request.GET.get("canned", "")
        if obj is not None and canned_id.isdigit():
            canned = CannedReply.objects.filter(pk=int(canned_id), is_active=True).first()
            if canned is not None:
                form.base_fields["reply"] = copy.deepcopy(form.base_fields["reply"])
                form.base_fields["reply"].initial = canned.render(obj.client)
        return form

    def get_queryset(self, request: HttpRequest) -> QuerySet[Thread]:
        unread = Q(messages__author_kind=Message.Author.CLIENT, messages__read_at__isnull=True)
        return super().get_queryset(request).annotate(unread_count=Count("messages", filter=unread))

    @admin.display(description=_("non lus"), ordering="unread_count")
    def unread(self, obj: Thread) -> str:
        count = getattr(obj, "unread_count", 0)
        return format_html("<strong>{}</strong>", count) if count else "—"

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
        if request.method == "POST" and "_use_canned" in request.POST:
            canned = request.POST.get("canned_reply", "")
            return redirect(f"{request.path}?canned={canned}" if canned.isdigit() else request.path)
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            thread = self.get_object(request, object_id)
            if thread is not None and self.has_change_permission(request, thread):
                thread_mark_read(thread=thread, reader=Message.Author.STAFF)
        return response

    def save_model(self, request: HttpRequest, obj: Thread, form: Any, change: bool) -> None:
        by = Actor.from_request(request)
        data = form.cleaned_data
        if obj.assigned_to_id != data["seen_assignee"]:
            try:
                thread_assign(
                    thread=obj, to=obj.assigned_to, seen_assignee=data["seen_assignee"], by=by
                )
            except AssignmentChanged as error:
                messages.warning(request, str(error.message))
        if data["reply"]:
            staff_message_post(
                thread=obj,
                body=data["reply"],
                files=data["attachments"] or (),
                internal=data["internal"],
                seen_up_to=data["seen_up_to"],
                by=by,
            )
            if not data["internal"]:
                messages.success(request, _("Réponse envoyée au client."))
        if data["close"]:
            try:
                thread_close(thread=obj, seen_up_to=data["seen_up_to"], by=by)
            except ThreadChanged as error:
                messages.warning(request, str(error.message))
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
class NotificationAdmin(ReadOnlyAdmin, ViewAuditedAdmin):
    list_display = ("created_at", "channel", "template", "client", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "template", "campaign")
    list_select_related = ("client",)
    search_fields = ("client__customer_number", "client__last_name", "provider_id")
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_per_page = 100
    show_full_result_count = False

    def audit_view(self, obj: Notification, by: Actor) -> None:
        if obj.client_id is not None:
            audit_log(action="messaging.notification.viewed", by=by, client=obj.client, target=obj)


# Campaigns and service alerts.

ALERT_HELP = _(
    "Une alerte de service part sans consentement commercial. La loi ne le permet que pour "
    "une information nécessaire sur un produit ou un service que le client a acheté (rappel "
    "d'un article défaillant, alerte gel pour les piscines, coupure prévue) : elle ne va "
    "qu'aux clients, jamais aux prospects, par les canaux qu'ils ont choisis pour les "
    "messages de service. Aucune promotion : un message qui vend est de la prospection "
    "(CPCE L34-5) et doit partir en campagne, avec le consentement de chacun."
)


class CampaignForm(forms.ModelForm):
    no_promotion = forms.BooleanField(
        label=_("Ce message ne contient aucune offre ni promotion"),
        required=False,
        help_text=ALERT_HELP,
    )

    class Meta:
        model = Campaign
        fields = (
            "name",
            "kind",
            "subject",
            "body",
            "by_email",
            "email_purpose",
            "by_sms",
            "sms_purpose",
            "audience",
            "postal_prefix",
            "tag",
        )
        help_texts = {
            "kind": _(
                "Prospection : seuls les clients qui l'ont accepté (ou un client récent, "
                "au titre du « soft opt-in ») la reçoivent, aux heures autorisées. Alerte "
                "de service : voir la case plus bas."
            ),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        by_email, by_sms = cleaned.get("by_email"), cleaned.get("by_sms")
        if not by_email and not by_sms:
            raise forms.ValidationError(_("Choisissez au moins un canal : e-mail ou SMS."))
        if cleaned.get("kind") == Campaign.Kind.MARKETING:
            if by_email and not cleaned.get("email_purpose"):
                self.add_error("email_purpose", _("Choisissez la finalité des e-mails."))
            if by_sms and not cleaned.get("sms_purpose"):
                self.add_error("sms_purpose", _("Choisissez la finalité des SMS."))
        else:
            cleaned["email_purpose"] = cleaned["sms_purpose"] = None
            if not cleaned.get("no_promotion"):
                self.add_error(
                    "no_promotion",
                    _("Confirmez que l'alerte ne contient aucune offre, ou faites une campagne."),
                )
        audience = cleaned.get("audience")
        prefix = (cleaned.get("postal_prefix") or "").strip()
        if audience == Campaign.Audience.POSTAL_PREFIX and not (prefix.isdigit() and prefix):
            self.add_error("postal_prefix", _("Indiquez le début du code postal, en chiffres."))
        if audience == Campaign.Audience.TAG and not cleaned.get("tag"):
            self.add_error("tag", _("Choisissez l'étiquette."))
        cleaned["postal_prefix"] = prefix
        return cleaned


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Envoyer le"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Une campagne de prospection attend les heures autorisées."),
    )


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    change_form_template = "admin/messaging/campaign/change_form.html"
    list_display = ("name", "kind", "audience", "status", "scheduled_for", "recipients")
    list_filter = ("kind", "status")
    search_fields = ("name", "subject")
    readonly_fields = ("status", "scheduled_for", "audience_preview", "progress")
    list_per_page = 50

    class Media:
        css = ADMIN_CSS

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        message = ("name", "kind", "subject", "body")
        channels = (("by_email", "email_purpose"), ("by_sms", "sms_purpose"))
        audience = ("audience", "postal_prefix", "tag")
        sets: list[Any] = [
            (None, {"fields": message}),
            (_("Canaux"), {"fields": channels}),
            (_("Destinataires"), {"fields": audience}),
        ]
        if obj is None or obj.status == Campaign.Status.DRAFT:
            sets.append((_("Alerte de service"), {"fields": ("no_promotion",)}))
        if obj is not None:
            sets.append(
                (
                    _("Envoi"),
                    {"fields": ("status", "scheduled_for", "audience_preview", "progress")},
                )
            )
        return sets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return [*CampaignForm.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == Campaign.Status.DRAFT

    @admin.display(description=_("destinataires, après consentement"))
    def audience_preview(self, obj: Campaign) -> str:
        if obj.status != Campaign.Status.DRAFT:
            return format_html(
                "{}",
                ngettext("%(n)d message préparé", "%(n)d messages préparés", obj.recipients)
                % {"n": obj.recipients},
            )
        preview = campaign_preview(obj)
        return render_to_string(
            "admin/messaging/campaign/_preview.html",
            {"preview": preview, "campaign": obj, "labels": dict(Notification.Channel.choices)},
        )

    @admin.display(description=_("avancement"))
    def progress(self, obj: Campaign) -> str:
        if obj.status in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            return "—"
        return render_to_string(
            "admin/messaging/campaign/_progress.html", {"progress": campaign_progress(obj)}
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        campaign = self.get_object(request, object_id)
        context = {
            **(extra_context or {}),
            "refresh": campaign is not None and campaign.status == Campaign.Status.SENDING,
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/programmer/",
                self.admin_site.admin_view(self.schedule_view),
                name="messaging_campaign_schedule",
            ),
            path(
                "<int:pk>/annuler/",
                self.admin_site.admin_view(self.cancel_view),
                name="messaging_campaign_cancel",
            ),
            *super().get_urls(),
        ]

    def schedule_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        initial = {"scheduled_for": timezone.localtime().replace(second=0, microsecond=0)}
        form = ScheduleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                campaign = campaign_schedule(
                    campaign=campaign,
                    at=form.cleaned_data["scheduled_for"],
                    by=Actor.from_request(request),
                )
            except CampaignError as error:
                form.add_error(None, str(error.message))
            else:
                when = timezone.localtime(campaign.scheduled_for).strftime("%d/%m/%Y %H:%M")
                self.message_user(
                    request, _("Campagne programmée pour le %(when)s.") % {"when": when}
                )
                return redirect("admin:messaging_campaign_change", campaign.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Programmer « %(name)s »") % {"name": campaign.name},
            "campaign": campaign,
            "preview": campaign_preview(campaign),
            "labels": dict(Notification.Channel.choices),
            "form": form,
            "opts": Campaign._meta,
        }
        return TemplateResponse(request, "admin/messaging/campaign/schedule.html", context)

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, campaign):
            raise PermissionDenied
        try:
            stopped = campaign_cancel(campaign=campaign, by=Actor.from_request(request))
        except CampaignError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext(
                    "Campagne annulée : %(n)d message arrêté.",
                    "Campagne annulée : %(n)d messages arrêtés.",
                    stopped,
                )
                % {"n": stopped},
            )
        return redirect("admin:messaging_campaign_change", campaign.pk)
