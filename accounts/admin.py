from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.exceptions import AccountsError
from accounts.forms import DocumentAdminForm
from accounts.models import Client, ClientTag, ContactRequest, Document, Invitation, Tag, User
from consent.admin import ClientConsentAdminMixin, ConsentFilter, ConsentStateInline
from portal.admin_tools import ReadOnlyInline
from portal.audit import Actor


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and Client.objects.filter(user=obj).exists():
            # A client's login is the client's: they change their address (confirmed by a
            # link sent to it) and their password themselves. Staff editing them here would
            # bypass that proof and the audit trail.
            return (
                *readonly,
                "email",
                "is_active",
                "is_staff",
                "is_superuser",
                "groups",
                "user_permissions",
            )
        return readonly

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if Client.objects.filter(user_id=id).exists():
            raise PermissionDenied(_("Un client choisit lui-même son mot de passe."))
        return super().user_change_password(request, id, form_url)

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


class ViewAuditedAdmin(admin.ModelAdmin):
    """Every staff view of a record holding a client's data writes an audit event."""

    def audit_view(self, obj: Any, by: Actor) -> None:
        raise NotImplementedError

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                self.audit_view(obj, by=Actor.from_request(request))
        return response


class DocumentInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        pks = [form.instance.pk for form in self.deleted_forms if form.instance.pk]
        if Document.objects.filter(pk__in=pks, kind__in=Document.ACCOUNTING_KINDS).exists():
            raise ValidationError(str(services.DocumentProtected.default_message))


class ClientTagInline(admin.TabularInline):
    model = ClientTag
    extra = 0
    fields = ("tag", "added_at")
    readonly_fields = ("added_at",)


class DocumentInline(admin.TabularInline):
    model = Document
    form = DocumentAdminForm
    formset = DocumentInlineFormSet
    extra = 0
    fields = ("kind", "title", "reference", "issued_on", "file", "download")
    readonly_fields = ("download",)
    show_change_link = True

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A reader who may not change documents gets the download link, not the private
        # file's name (which has no address of its own).
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            return [name for name in fields if name != "file"]
        return fields

    @admin.display(description=_("Télécharger"))
    def download(self, document: Document) -> str:
        if not document.pk:
            return "—"
        url = reverse("admin:accounts_document_download", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))


class InvitationInline(ReadOnlyInline):
    model = Invitation
    fields = ("email", "created_at", "created_by", "expires_at", "state", "accepted_at")
    readonly_fields = fields

    @admin.display(description=_("état"))
    def state(self, invitation: Invitation) -> str:
        return invitation.state


@admin.register(Client)
class ClientAdmin(ClientConsentAdminMixin, ViewAuditedAdmin):
    list_display = (
        "customer_number",
        "last_name",
        "first_name",
        "status",
        "email",
        "phone",
        "loyalty_card_valid_until",
        "has_account",
    )
    list_filter = (
        "status",
        ConsentFilter,
        "is_restricted",
        ("loyalty_card_valid_until", admin.EmptyFieldListFilter),
    )
    search_fields = ("customer_number", "last_name", "first_name", "email", "phone", "postal_code")
    list_per_page = 50
    readonly_fields = (
        "customer_number",
        "user",
        "is_restricted",
        "created_at",
        "updated_at",
        "audit_link",
        "suppression_status",
        "consent_history_link",
    )
    inlines = (ConsentStateInline, ClientTagInline, DocumentInline, InvitationInline)
    actions = ("send_invitation",)
    fieldsets = (
        (
            _("Identité"),
            {"fields": ("customer_number", "civility", "first_name", "last_name", "language")},
        ),
        (
            _("Coordonnées"),
            {"fields": ("email", "phone", *Client.ADDRESS_FIELDS)},
        ),
        (
            _("Relation commerciale"),
            {
                "fields": (
                    "status",
                    "source",
                    "collected_at",
                    "last_contact_at",
                    "last_purchase_on",
                    "relationship_ended_on",
                    "loyalty_card_valid_until",
                )
            },
        ),
        (
            _("Messages de service"),
            {"fields": ("service_by_email", "service_by_sms")},
        ),
        (
            _("Compte et RGPD"),
            {
                "fields": (
                    "user",
                    "is_restricted",
                    "suppression_status",
                    "consent_history_link",
                    "created_at",
                    "updated_at",
                    "audit_link",
                )
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A client is erased through a data-subject request, which exports, keeps what the
        # law requires and anonymises the rest; a plain delete would lose all of that.
        return False

    @admin.display(description=_("compte"), boolean=True)
    def has_account(self, client: Client) -> bool:
        return client.user_id is not None

    @admin.display(description=_("journal d'audit"))
    def audit_link(self, client: Client) -> str:
        if not client.pk:
            return "—"
        url = reverse("admin:portal_auditevent_changelist") + f"?client__id__exact={client.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Voir les accès et modifications"))

    def audit_view(self, obj: Client, by: Actor) -> None:
        services.client_record_viewed(client=obj, by=by)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if response.status_code == 200 and changelist is not None and changelist.query:
            services.client_search_made(
                results=changelist.result_count, by=Actor.from_request(request)
            )
        return response

    def save_model(
        self, request: HttpRequest, obj: Client, form: forms.ModelForm, change: bool
    ) -> None:
        by = Actor.from_request(request)
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = services.client_update(client=obj, data=data, by=by)
        else:
            data = {
                name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data
            }
            saved = services.client_create(data=data, by=by)
        obj.pk, obj.customer_number = saved.pk, saved.customer_number

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        if formset.model is not Document:
            super().save_formset(request, form, formset, change)
            return
        by = Actor.from_request(request)
        # The admin builds its change message from these lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for document_form in formset.forms:
            document = document_form.instance
            if document_form in formset.deleted_forms:
                if document.pk:
                    services.document_delete(document=document, by=by)
                    formset.deleted_objects.append(document)
            elif document.pk is None:
                if document_form.has_changed():
                    data = document_form.cleaned_data
                    formset.new_objects.append(
                        services.document_add(
                            client=form.instance,
                            kind=data["kind"],
                            title=data["title"],
                            reference=data.get("reference", ""),
                            issued_on=data.get("issued_on"),
                            upload=data["file"],
                            by=by,
                        )
                    )
            elif document_form.has_changed():
                changed = document_form.changed_data
                data = {n: document_form.cleaned_data[n] for n in changed}
                services.document_update(document=document, data=data, by=by)
                formset.changed_objects.append((document, changed))

    def get_urls(self) -> list[URLPattern]:
        invite = self.admin_site.admin_view(self.invite_view)
        return [
            path("<int:pk>/inviter/", invite, name="accounts_client_invite"),
            *self.consent_urls(),
            *super().get_urls(),
        ]

    def invite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        client = get_object_or_404(Client, pk=pk)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        try:
            services.client_invite(client=client, by=Actor.from_request(request))
        except AccountsError as error:
            self.message_user(request, str(error.message), messages.WARNING)
        else:
            self.message_user(
                request,
                _("Invitation envoyée à %(email)s.") % {"email": client.email},
                messages.SUCCESS,
            )
        return redirect("admin:accounts_client_change", client.pk)

    @admin.action(description=_("Inviter à l'espace client"), permissions=["change"])
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        by = Actor.from_request(request)
        sent = 0
        for client in queryset:
            try:
                services.client_invite(client=client, by=by)
                sent += 1
            except AccountsError as error:
                self.message_user(request, f"{client} : {error.message}", messages.WARNING)
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d invitation envoyée.", "%(count)d invitations envoyées.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )


@admin.register(Document)
class DocumentAdmin(ViewAuditedAdmin):
    form = DocumentAdminForm
    list_display = ("title", "kind", "client", "issued_on", "reference", "archived_at")
    list_filter = ("kind", "issued_on", ("archived_at", admin.EmptyFieldListFilter))
    list_select_related = ("client",)
    search_fields = ("title", "reference", "client__customer_number", "client__last_name")
    readonly_fields = (
        "client",
        "download",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "archived_at",
    )
    date_hierarchy = "issued_on"

    @admin.display(description=_("fichier"))
    def download(self, document: Document) -> str:
        return DocumentInline.download(self, document)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Documents are added from the client's page, where their owner is set.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_accounting_document:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> Any:
        # The bulk delete would bypass the service: no audit event, no protection of invoices.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    fields = ("client", "kind", "title", "reference", "issued_on", *readonly_fields[1:])

    def audit_view(self, obj: Document, by: Actor) -> None:
        services.document_viewed(document=obj, by=by)

    def save_model(
        self, request: HttpRequest, obj: Document, form: forms.ModelForm, change: bool
    ) -> None:
        data = {n: form.cleaned_data[n] for n in form.changed_data if n != "file"}
        services.document_update(document=obj, data=data, by=Actor.from_request(request))

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        services.document_delete(document=obj, by=Actor.from_request(request))

    def get_urls(self) -> list[URLPattern]:
        download = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:pk>/telecharger/", download, name="accounts_document_download"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(Document.objects.select_related("client"), pk=pk)
        handle = services.document_open(document=document, by=Actor.from_request(request))
        return FileResponse(
            handle,
            as_attachment=True,
            filename=document.download_name,
            content_type=document.content_type,
        )


@admin.register(ContactRequest)
class ContactRequestAdmin(ViewAuditedAdmin):
    list_display = ("created_at", "kind", "client", "handled_at")
    list_filter = (("handled_at", admin.EmptyFieldListFilter), "kind")
    list_select_related = ("client",)
    search_fields = ("client__customer_number", "client__last_name")
    readonly_fields = ("client", "kind", "message", "created_at", "handled_at")
    actions = ("mark_handled",)
    date_hierarchy = "created_at"

    def audit_view(self, obj: ContactRequest, by: Actor) -> None:
        services.contact_request_viewed(request=obj, by=by)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Marquer comme traitées"), permissions=["view"])
    def mark_handled(self, request: HttpRequest, queryset: QuerySet[ContactRequest]) -> None:
        count = services.contact_requests_handle(requests=queryset, by=Actor.from_request(request))
        self.message_user(
            request,
            ngettext("%(count)d demande traitée.", "%(count)d demandes traitées.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
