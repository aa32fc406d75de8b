from __future__ import annotations

import re
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import ClientRequest, client_required
from accounts.models import Client
from consent import collection, cookies, selectors, services
from consent.exceptions import ConsentError
from consent.forms import ContactForm
from consent.models import Channel, Method, Purpose, PurposeWording
from consent.tokens import read_token
from portal import ratelimit
from portal.audit import Actor


def _wants_json(request: ClientRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_POST
@client_required
def choice_set(request: ClientRequest, key: str) -> HttpResponse:
    """One switch of "Vos données personnelles": a plain form post, or fetch() from consent.js."""
    purpose = get_object_or_404(Purpose, key=key, is_active=True)
    value = request.POST.get("granted")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(_("Choix manquant."))
    granted = value == "1"
    # The text the page showed; a rewording since then must not be recorded as seen.
    wording = request.POST.get("wording") or "0"
    if not re.fullmatch(r"[0-9]{1,18}", wording):
        return HttpResponseBadRequest(_("Version du texte inconnue."))
    shown = PurposeWording.objects.filter(pk=int(wording), purpose=purpose).first()
    try:
        record = services.consent_set(
            client=request.client,
            purpose=purpose,
            granted=granted,
            proof=services.Proof(
                method=Method.PORTAL, user_agent=request.headers.get("User-Agent", "")
            ),
            by=Actor.from_request(request),
            wording=shown,
        )
    except ConsentError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error.message)}, status=409)
        messages.error(request, str(error.message))
        return redirect(reverse("client_personal_data") + "#choix")
    message = (
        _("C'est noté : vous recevrez « %(label)s ».")
        if granted
        else _("C'est noté : vous ne recevrez plus « %(label)s ».")
    ) % {"label": record.wording.label}
    if _wants_json(request):
        status = render_to_string("consent/_choice_status.html", {"last": record}, request)
        return JsonResponse({"granted": granted, "status": status.strip(), "message": message})
    messages.success(request, message)
    return redirect(reverse("client_personal_data") + "#choix")


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def withdraw_all(request: ClientRequest) -> HttpResponse:
    """ "Ne plus rien recevoir": GET asks to confirm, naming what is on; POST withdraws all."""
    if request.method == "POST":
        changed = services.consent_withdraw_all(
            client=request.client,
            proof=services.Proof(
                method=Method.PORTAL, user_agent=request.headers.get("User-Agent", "")
            ),
            by=Actor.from_request(request),
        )
        messages.success(
            request,
            _("C'est noté : vous ne recevrez plus aucune offre, ni par e-mail ni par SMS.")
            if changed
            else _("Vous ne receviez déjà plus aucune offre : rien n'a changé."),
        )
        return redirect(reverse("client_personal_data") + "#choix")
    active = [choice for choice in selectors.client_choices(request.client) if choice.granted]
    return render(request, "consent/withdraw_all.html", {"active": active})


@never_cache
@require_safe
@client_required
def history(request: ClientRequest) -> HttpResponse:
    """Every choice the client ever made, newest first, 50 a page."""
    page = Paginator(selectors.client_history(request.client), 50).get_page(request.GET.get("page"))
    return render(request, "consent/history.html", {"page": page})


def _masked_contact(client: Client, purpose: Purpose) -> str:
    """How this purpose reaches the client, masked: enough to recognise, not to learn."""
    if purpose.channel == Channel.SMS:
        digits = str(client.phone)
        return f"•• •• •• {digits[-4:-2]} {digits[-2:]}" if len(digits) > 4 else ""
    name, _at, domain = client.email.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else ""


@csrf_exempt  # RFC 8058: mail clients POST without a CSRF token; the signed token authenticates.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will stop and a button; POST stops it at once. No login."""
    parsed = read_token(token)
    client = purpose = None
    if parsed is not None:
        client = Client.objects.filter(pk=parsed[0]).first()
        purpose = Purpose.objects.select_related("wording").filter(pk=parsed[1]).first()
    if client is None or purpose is None:
        return render(request, "consent/unsubscribe_invalid.html", status=404)
    context = {"purpose": purpose, "contact": _masked_contact(client, purpose)}
    if request.method in ("GET", "HEAD"):
        return render(request, "consent/unsubscribe.html", context)
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    services.consent_withdraw(
        client=client,
        purpose=purpose,
        proof=services.Proof(
            method=Method.UNSUBSCRIBE_LINK,
            user_agent=request.headers.get("User-Agent", ""),
            reference="rfc8058-one-click" if one_click else "unsubscribe-page",
        ),
        by=Actor.from_request(request, kind="client"),
    )
    return render(request, "consent/unsubscribe_done.html", context)


CONTACT_LIMIT = 5  # requests per address and hour


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    # The confirmation link proves the email address only: SMS marketing and sharing (which
    # would rest on a phone number nobody proved) are chosen in the client area instead.
    purposes = list(
        Purpose.objects.filter(is_active=True, channel=Channel.EMAIL).select_related("wording")
    )
    form = ContactForm(request.POST or None, purposes=purposes)
    if request.method == "POST":
        if not ratelimit.allow(request, action="contact", limit=CONTACT_LIMIT, seconds=3600):
            form.add_error(
                None,
                _("Trop de demandes envoyées depuis votre connexion : réessayez dans une heure."),
            )
            return render(request, "consent/contact.html", {"form": form}, status=429)
        if form.is_robot:
            # Answer a robot as a person, and keep nothing.
            return render(request, "consent/contact_sent.html", {"confirm": False})
        if form.is_valid():
            data = form.cleaned_data
            wordings = form.chosen_wordings()
            collection.contact_request_submit(
                details=collection.ContactDetails(
                    civility=data["civility"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    phone=str(data["phone"] or ""),
                    postal_code=data["postal_code"],
                ),
                kind=data["kind"],
                message=data["message"],
                wordings=wordings,
                by=Actor.from_request(request, kind="client"),
            )
            return render(request, "consent/contact_sent.html", {"confirm": bool(wordings)})
    return render(
        request, "consent/contact.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation email: GET shows what will be recorded, POST records it."""
    try:
        _client, wordings = collection.confirmation_read(token)
    except collection.ConfirmationInvalid:
        return render(request, "consent/confirm_invalid.html", status=404)
    if request.method == "POST":
        collection.confirmation_accept(
            token=token,
            by=Actor.from_request(request, kind="client"),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return render(request, "consent/confirm_done.html", {"wordings": wordings})
    return render(request, "consent/confirm.html", {"wordings": wordings})


@never_cache
@require_http_methods(["GET", "POST"])
def cookie_preferences(request: HttpRequest) -> HttpResponse:
    """The banner's buttons post here; GET shows every category, reachable from the footer."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    current = cookies.read(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "customize":
            return redirect(f"{reverse('cookie_preferences')}?next={quote(next_url)}")
        if action not in ("accept_all", "refuse_all", "save"):
            return HttpResponseBadRequest(_("Choix manquant."))
        if action == "save":
            choices = {c: request.POST.get(c) == "on" for c in cookies.OPTIONAL}
        else:
            choices = dict.fromkeys(cookies.OPTIONAL, action == "accept_all")
        response = redirect(next_url)
        cookies.record(request, response, choices=choices, method=action)
        messages.success(request, _("Vos choix de cookies sont enregistrés."))
        return response
    return render(
        request,
        "consent/cookies.html",
        {"categories": cookies.CATEGORIES, "current": current, "next": next_url},
    )
