"""Post-mortem directives (Loi Informatique et Libertés art. 85): kept in the client's
account, editable and revocable at any time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Client
from dsar.models import PostMortemDirective
from portal.audit import Actor, audit_log


def post_mortem_save(*, client: Client, data: Mapping[str, Any], by: Actor) -> PostMortemDirective:
    with transaction.atomic():
        directive, _created = PostMortemDirective.objects.select_for_update().get_or_create(
            client=client, defaults={"choice": data["choice"]}
        )
        for name, value in data.items():
            setattr(directive, name, value)
        directive.revoked_at = None
        directive.save()
        audit_log(
            action="dsar.post_mortem.saved",
            by=by,
            client=client,
            target=directive,
            payload={"choice": directive.choice},
        )
    return directive


def post_mortem_revoke(*, client: Client, by: Actor) -> None:
    with transaction.atomic():
        revoked = PostMortemDirective.objects.filter(client=client, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_log(action="dsar.post_mortem.revoked", by=by, client=client)
