"""Cookie consent (CNIL délibérations 2020-091 and 2020-092).

The choice lives in a signed cookie that lasts 6 months (then the banner asks again; it
never outlives 13 months) and is recorded on the server with the version of the banner
shown. Refusing is as easy as accepting; silence is refusal; a browser's Global Privacy
Control signal, with no choice yet, is recorded as a refusal of advertising.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from consent.models import CookieBannerVersion, CookieChoice
from consent.services import truncate_ip
from portal.audit import Actor

COOKIE_NAME = "cookie_consent"
COOKIE_MAX_AGE = timedelta(days=182)  # asked again after about 6 months
_SALT = "consent.cookies"
OPTIONAL = ("functional", "audience", "advertising")

CATEGORIES = [
    {
        "key": "necessary",
        "label": _("Strictement nécessaires"),
        "text": _(
            "Votre session, la protection des formulaires, la mémoire de vos choix de cookies. "
            "Toujours actifs : le portail ne fonctionne pas sans eux."
        ),
    },
    {
        "key": "functional",
        "label": _("Fonctionnels"),
        "text": _("Des services de confort, comme un lecteur vidéo ou une carte intégrés."),
    },
    {
        "key": "audience",
        "label": _("Mesure d'audience"),
        "text": _("Des statistiques de fréquentation pour améliorer le site."),
    },
    {
        "key": "advertising",
        "label": _("Publicité"),
        "text": _("Des publicités adaptées à vos centres d'intérêt, sur ce site et ailleurs."),
    },
]
BUTTONS = [_("Tout accepter"), _("Tout refuser"), _("Personnaliser")]
BANNER_TEXT = _(
    "Nous utilisons des cookies strictement nécessaires au fonctionnement du portail. Avec "
    "votre accord, nous pourrions en utiliser d'autres. Vous pouvez tout accepter, tout "
    "refuser ou choisir, et changer d'avis à tout moment depuis le lien « Cookies » en bas "
    "de page. Refuser n'a aucune conséquence sur votre accès."
)


@dataclass(frozen=True)
class CookieConsent:
    consent_id: str
    version: str
    functional: bool
    audience: bool
    advertising: bool
    chosen: bool  # False when only a GPC signal was recorded
    language: str

    def allows(self, category: str) -> bool:
        return category == "necessary" or bool(getattr(self, category, False))


def _snapshot() -> dict[str, Any]:
    """Everything the banner shows, in the active language: the proof of what was asked."""
    return {
        "language": translation.get_language(),
        "text": str(BANNER_TEXT),
        "buttons": [str(label) for label in BUTTONS],
        "categories": [{k: str(v) for k, v in c.items()} for c in CATEGORIES],
    }


_versions: dict[str, CookieBannerVersion] = {}


def banner_version() -> CookieBannerVersion:
    """The banner as shown in the active language, stored once as proof."""
    snapshot = _snapshot()
    digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    cached = _versions.get(digest)
    if cached is not None and CookieBannerVersion.objects.filter(pk=cached.pk).exists():
        return cached
    version, _created = CookieBannerVersion.objects.get_or_create(
        digest=digest, defaults={"snapshot": snapshot}
    )
    _versions[digest] = version
    return version


def read(request: HttpRequest) -> CookieConsent | None:
    """The visitor's current choice, or None when none is valid (absent, expired, forged)."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_SALT, max_age=COOKIE_MAX_AGE)
        return CookieConsent(
            consent_id=data["id"],
            version=data["v"],
            functional=bool(data["f"]),
            audience=bool(data["a"]),
            advertising=bool(data["p"]),
            chosen=bool(data["c"]),
            language=str(data.get("l", "fr")),
        )
    except (signing.BadSignature, KeyError, TypeError):
        return None


def record(
    request: HttpRequest,
    response: HttpResponseBase,
    *,
    choices: dict[str, bool],
    method: str,
    chosen: bool = True,
) -> CookieChoice:
    """Record a choice on the server and remember it in the visitor's browser."""
    previous = read(request)
    consent_id = previous.consent_id if previous else str(uuid.uuid4())
    version = banner_version()
    by = Actor.from_request(request)
    with transaction.atomic():
        choice = CookieChoice.objects.create(
            consent_id=consent_id,
            banner=version,
            method=method,
            at=timezone.now(),
            ip=truncate_ip(by.ip),
            user_agent=request.headers.get("User-Agent", "")[:300],
            user=by.user,
            functional=choices.get("functional"),
            audience=choices.get("audience"),
            advertising=bool(choices.get("advertising")),
        )
    value = signing.dumps(
        {
            "id": consent_id,
            "v": version.digest[:16],
            "f": int(bool(choice.functional)),
            "a": int(bool(choice.audience)),
            "p": int(choice.advertising),
            "c": int(chosen),
            "l": translation.get_language(),
        },
        salt=_SALT,
        compress=True,
    )
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=int(COOKIE_MAX_AGE.total_seconds()),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return choice


def needs_banner(request: HttpRequest) -> bool:
    """Ask when there is no valid choice, or the banner changed since it was made (compared
    in the language it was made in, so that switching language does not ask again)."""
    consent = read(request)
    if consent is None or not consent.chosen:
        return True
    with translation.override(consent.language):
        return consent.version != banner_version().digest[:16]
