from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Client
from retention.models import LegalHold


def active_holds(client: Client) -> QuerySet[LegalHold]:
    today = timezone.localdate()
    return LegalHold.objects.filter(client=client, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
