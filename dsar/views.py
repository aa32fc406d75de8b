from __future__ import annotations

import uuid

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import ClientRequest, client_required
from dsar.forms import PortalRequestForm, PostMortemForm
from dsar.models import AccessArchive, DataRequest, Kind, PostMortemDirective, RequestChannel
from dsar.services import archive as archives
from dsar.services import post_mortem, rights
from dsar.services.requests import request_create, request_withdraw
from portal.audit import Actor

# What each right means, in a sentence, on the page where it is exercised.
EXPLANATIONS = {
    Kind.ACCESS: gettext_lazy(
        "Recevoir la copie de toutes les données que nous détenons sur vous."
    ),
    Kind.PORTABILITY: gettext_lazy(
        "Recevoir les données que vous nous avez fournies, dans un format réutilisable."
    ),
    Kind.RECTIFICATION: gettext_lazy(
        "Faire corriger des données inexactes que vous ne pouvez pas modifier vous-même."
    ),
    Kind.ERASURE: gettext_lazy(
        "Faire effacer vos données et fermer votre espace client (les factures restent archivées)."
    ),
    Kind.RESTRICTION: gettext_lazy(
        "Geler vos données : conservées, mais plus utilisées, le temps d'une vérification."
    ),
    Kind.OBJECTION: gettext_lazy("Ne plus jamais recevoir d'offre, par aucun canal."),
}
PORTAL_KINDS = [k for k in Kind if k != Kind.POST_MORTEM]


def _new_request(request: ClientRequest, kind: str) -> HttpResponse:
    form = PortalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = request_create(
            kind=kind,
            channel=RequestChannel.PORTAL,
            client=request.client,
            details=form.cleaned_data["details"],
            by=Actor.from_request(request),
        )
        if kind == Kind.OBJECTION:
            # No reason needed, nothing to check: the opposition applies at once (art. 21(3)).
            rights.objection_execute(request=created, by=Actor.from_request(request))
        messages.success(
            request,
            _(
                "Votre demande %(reference)s est enregistrée : nous y répondrons au plus tard "
                "le %(date)s."
            )
            % {
                "reference": created.reference,
                "date": timezone.localtime(created.due_at).strftime("%d/%m/%Y"),
            },
        )
        return redirect("dsar_request_detail", reference=created.reference)
    return render(
        request,
        "dsar/new_request.html",
        {"kind": Kind(kind), "explanation": EXPLANATIONS[Kind(kind)], "form": form},
    )


# Confirming an erasure needs a recent re-authentication; reading the page does not.
_confirm_erasure = reauthentication_required(allow_get=True)(_new_request)


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def new_request(request: ClientRequest, kind: str) -> HttpResponse:
    if kind == Kind.POST_MORTEM:
        return redirect("dsar_post_mortem")
    if kind not in Kind.values:
        raise Http404
    if kind == Kind.ERASURE:
        return _confirm_erasure(request, kind)
    return _new_request(request, kind)


@never_cache
@require_safe
@client_required
def request_detail(request: ClientRequest, reference: str) -> HttpResponse:
    data_request = get_object_or_404(DataRequest, reference=reference, client=request.client)
    return render(
        request,
        "dsar/request_detail.html",
        {
            "data_request": data_request,
            "letters": data_request.events.exclude(letter="").order_by("at", "id"),
            "archives": data_request.archives.filter(
                deleted_at__isnull=True, expires_at__gt=timezone.now()
            ),
        },
    )


@never_cache
@require_POST
@client_required
def request_withdraw_view(request: ClientRequest, reference: str) -> HttpResponse:
    data_request = get_object_or_404(DataRequest, reference=reference, client=request.client)
    if data_request.is_open:
        request_withdraw(request=data_request, by=Actor.from_request(request))
        messages.success(request, _("Votre demande est retirée."))
    return redirect("dsar_request_detail", reference=reference)


def _download(request: ClientRequest, public_id: uuid.UUID) -> FileResponse:
    archive = get_object_or_404(
        AccessArchive,
        public_id=public_id,
        client=request.client,
        deleted_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    handle = archives.archive_open(archive=archive, by=Actor.from_request(request))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"mes-donnees-{archive.request.reference}.zip",
        content_type="application/zip",
    )


@never_cache
@require_safe
@client_required
@reauthentication_required
def archive_download(request: ClientRequest, public_id: uuid.UUID) -> FileResponse:
    return _download(request, public_id)


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def post_mortem_edit(request: ClientRequest) -> HttpResponse:
    current = PostMortemDirective.objects.filter(client=request.client).first()
    form = PostMortemForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        post_mortem.post_mortem_save(
            client=request.client, data=form.cleaned_data, by=Actor.from_request(request)
        )
        messages.success(
            request,
            _(
                "Vos directives sont enregistrées. Vous pouvez les modifier ou les révoquer à "
                "tout moment."
            ),
        )
        return redirect("dsar_post_mortem")
    return render(
        request,
        "dsar/post_mortem.html",
        {"form": form, "directive": current},
        status=400 if form.errors else 200,
    )


@never_cache
@require_POST
@client_required
def post_mortem_revoke(request: ClientRequest) -> HttpResponse:
    post_mortem.post_mortem_revoke(client=request.client, by=Actor.from_request(request))
    messages.success(request, _("Vos directives sont révoquées."))
    return redirect("dsar_post_mortem")
