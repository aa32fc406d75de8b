from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import ClientRequest, client_required
from accounts.services import client_update
from messaging import formats, selectors
from messaging.forms import MessageForm, ServicePreferencesForm, ThreadForm
from messaging.models import Message, Thread
from messaging.services.threads import (
    attachment_open,
    client_message_post,
    thread_create,
    thread_mark_read,
)
from portal.audit import Actor


@never_cache
@require_safe
@client_required
def thread_list(request: ClientRequest) -> HttpResponse:
    return render(
        request,
        "messaging/thread_list.html",
        {
            "threads": selectors.client_threads(client=request.client),
            "preferences": ServicePreferencesForm(instance=request.client),
            "appointments": selectors.upcoming_appointments(client=request.client),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def thread_new(request: ClientRequest) -> HttpResponse:
    appointment = None
    if appointment_id := request.GET.get("rendez-vous"):
        try:
            appointment = selectors.client_appointment(
                client=request.client, public_id=uuid.UUID(appointment_id)
            )
        except ValueError:
            appointment = None
    initial = {}
    if appointment is not None:
        initial = {
            "category": Thread.Category.APPOINTMENT,
            "subject": _("Déplacer le rendez-vous du %(date)s")
            % {"date": formats.when(appointment.starts_at)},
            "body": _("Bonjour, je souhaiterais déplacer ce rendez-vous. Mes disponibilités : "),
        }
    form = ThreadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        thread = thread_create(
            client=request.client,
            subject=data["subject"],
            category=data["category"],
            body=data["body"],
            files=data["attachments"],
            appointment=appointment,
            by=Actor.from_request(request),
        )
        messages.success(request, _("Votre message est envoyé."))
        return redirect("messaging_thread", thread.public_id)
    return render(
        request,
        "messaging/thread_new.html",
        {"form": form, "appointment": appointment},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def thread_detail(request: ClientRequest, public_id: uuid.UUID) -> HttpResponse:
    thread = selectors.client_thread(client=request.client, public_id=public_id)
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        client_message_post(
            thread=thread,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
            by=Actor.from_request(request),
        )
        messages.success(request, _("Votre message est envoyé."))
        return redirect("messaging_thread", thread.public_id)
    if request.method == "GET":
        thread_mark_read(thread=thread, reader=Message.Author.CLIENT)
    return render(
        request,
        "messaging/thread_detail.html",
        {"thread": thread, "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@require_safe
@client_required
def attachment_download(request: ClientRequest, public_id: uuid.UUID) -> FileResponse:
    attachment = selectors.client_attachment(client=request.client, public_id=public_id)
    handle = attachment_open(attachment=attachment, by=Actor.from_request(request))
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


@require_POST
@client_required
def preferences_update(request: ClientRequest) -> HttpResponse:
    form = ServicePreferencesForm(request.POST, instance=request.client)
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        client_update(client=request.client, data=changes, by=Actor.from_request(request))
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
    return redirect("messaging_threads")
