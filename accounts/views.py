from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from accounts import selectors, services
from accounts.access_log import accesses, last_staff_access, own_actions
from accounts.adapters import remember_language
from accounts.data_page import audit_trail_kept, held_data
from accounts.decorators import ClientRequest, client_required
from accounts.exceptions import InvitationError
from accounts.forms import ClientContactForm, InvitationAcceptForm
from accounts.models import Document
from consent.selectors import client_choices
from dsar.models import DataRequest
from dsar.views import EXPLANATIONS, PORTAL_KINDS
from messaging.selectors import unread_replies, upcoming_appointments
from portal.audit import Actor


@never_cache
@require_safe
@client_required
def dashboard(request: ClientRequest) -> HttpResponse:
    client = request.client
    documents = selectors.client_documents(client=client)
    return render(
        request,
        "accounts/dashboard.html",
        {
            "client": client,
            "recent_documents": documents.order_by("-uploaded_at")[:3],
            "document_count": documents.count(),
            "loyalty_valid": client.has_valid_loyalty_card(),
            "appointments": upcoming_appointments(client=client)[:3],
            "unread_replies": unread_replies(client=client),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def personal_data(request: ClientRequest) -> HttpResponse:
    client = request.client
    form = ClientContactForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        client = services.client_update(client=client, data=changes, by=Actor.from_request(request))
        if changes:
            messages.success(request, _("Vos coordonnées ont été mises à jour."))
        else:
            messages.info(request, _("Aucune modification à enregistrer."))
        response = redirect("client_personal_data")
        if "language" in changes:
            remember_language(response, client.language)
        return response
    if request.method == "POST":
        # Show the page with the values stored, not the rejected ones, in the data listing.
        client.refresh_from_db()
    data_requests = list(DataRequest.objects.filter(client=client).order_by("-received_at")[:20])
    choices = client_choices(client)
    return render(
        request,
        "accounts/personal_data.html",
        {
            "client": client,
            "form": form,
            "choices": choices,
            "choices_granted": sum(1 for choice in choices if choice.granted),
            "rights": [(kind, EXPLANATIONS[kind]) for kind in PORTAL_KINDS],
            "data_requests": data_requests,
            "open_requests": [r for r in data_requests if r.is_open],
            "held": held_data(client),
            "last_staff_access": last_staff_access(client),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_safe
@client_required
def access_log(request: ClientRequest) -> HttpResponse:
    """« Qui a consulté vos données » (accounts/access_log.py)."""
    client = request.client
    return render(
        request,
        "accounts/access_log.html",
        {
            "page": accesses(client, page=request.GET.get("page", 1)),
            "own": own_actions(client),
            "kept": audit_trail_kept(client),
        },
    )


@never_cache
@require_safe
@client_required
def documents(request: ClientRequest) -> HttpResponse:
    kind = request.GET.get("type", "")
    docs = selectors.client_documents(client=request.client)
    if kind in Document.Kind.values:
        docs = docs.filter(kind=kind)
    else:
        kind = ""
    return render(
        request,
        "accounts/documents.html",
        {"documents": docs, "kinds": Document.Kind.choices, "selected_kind": kind},
    )


@never_cache
@require_safe
@client_required
def document_download(request: ClientRequest, public_id: uuid.UUID) -> FileResponse:
    document = selectors.client_document(client=request.client, public_id=public_id)
    handle = services.document_open(document=document, by=Actor.from_request(request))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.download_name,
        content_type=document.content_type,
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_get(token=token)
    except InvitationError as error:
        return render(
            request, "accounts/invitation_invalid.html", {"error": error.message}, status=404
        )
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        if request.user.is_authenticated:
            # Somebody else's session on a shared computer must not absorb this account.
            logout(request)
        try:
            user = services.invitation_accept(
                token=token, password=form.cleaned_data["password1"], by=Actor.from_request(request)
            )
        except InvitationError as error:
            return render(
                request, "accounts/invitation_invalid.html", {"error": error.message}, status=409
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        translation.activate(invitation.client.language)
        messages.success(request, _("Bienvenue ! Votre espace client est prêt."))
        response = redirect("client_dashboard")
        remember_language(response, invitation.client.language)
        return response
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )
