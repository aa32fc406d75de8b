"""How the portal writes a moment to a person, in their language: « mardi 24 novembre 2026 à
14h30 » in French."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext


def when(value: dt.datetime, *, year: bool = True) -> str:
    local = timezone.localtime(value)
    if year:
        return date_format(local, pgettext("date et heure", "l j F Y à H\\hi"))
    return date_format(local, pgettext("date et heure sans l'année", "l j F à H\\hi"))
