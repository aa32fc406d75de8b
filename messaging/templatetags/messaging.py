from __future__ import annotations

import datetime as dt

from django import template

from messaging import formats

register = template.Library()


@register.filter
def when(value: dt.datetime | None) -> str:
    """« mardi 24 novembre 2026 à 14h30 », in the page's language."""
    return formats.when(value) if value else ""


@register.filter
def due(value: dt.datetime | None) -> str:
    """« mardi 24 novembre à 14h30 »: an answer due soon needs no year."""
    return formats.when(value, year=False) if value else ""
