"""The privacy policy, generated from the record of processing activities, the retention
rules and the controller's identity: what the business says is what the portal does."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Max, Q, QuerySet

from accounts.models import Client
from consent.cookies import CATEGORIES
from portal.models import Controller
from portal.personal_data import ACTIVITY_LEGAL_BASIS, Category, PersonalData, registry
from retention.models import ProcessingActivity, RetentionRule


def policy_context() -> dict[str, Any]:
    controller = Controller.load()
    activities = list(ProcessingActivity.objects.prefetch_related("rules").order_by("name"))
    changes = [
        controller.updated_at,
        ProcessingActivity.objects.aggregate(m=Max("updated_at"))["m"],
        RetentionRule.objects.aggregate(m=Max("updated_at"))["m"],
    ]
    return {
        "register": [
            {
                "name": activity.name,
                "purposes": activity.purposes,
                "basis": activity.get_legal_basis_display(),
                "data": activity.data_categories,
                "persons": activity.persons,
                "recipients": activity.recipients,
                "transfers": activity.transfers,
                "rules": [
                    rule for rule in activity.rules.all() if rule.enabled or not rule.data_kind
                ],
            }
            for activity in activities
        ],
        # Without a register yet, the map of personal data speaks for itself.
        "map_activities": [] if activities else _map_activities(),
        "kept_by_law": [d for d in registry if d.legal_obligation],
        "cookie_categories": CATEGORIES,
        "updated_at": max((c for c in changes if c is not None), default=None),
    }


def rules_for(client: Client) -> QuerySet[RetentionRule]:
    """The retention rules in force that can reach this client (art. 15(1)(d)): those of
    every status, and those limited to the client's own."""
    return RetentionRule.objects.filter(
        Q(client_status="") | Q(client_status=client.status), enabled=True
    ).order_by("activity__name", "pk")


def recipients() -> list[str]:
    """The recipients named in the register, each once, in the register's order."""
    named = ProcessingActivity.objects.order_by("name").values_list("recipients", flat=True)
    seen: dict[str, None] = {}
    for text in named:
        for part in re.split(r"[;\n]", text):
            if part.strip(" .\t"):
                seen.setdefault(part.strip(" .\t"), None)
    return list(seen)


def _map_activities() -> list[dict[str, Any]]:
    grouped: dict[Any, list[PersonalData]] = {}
    for declaration in registry:
        grouped.setdefault(declaration.activity, []).append(declaration)
    return [
        {
            "label": activity.label,
            "basis": ACTIVITY_LEGAL_BASIS.get(activity, ""),
            "declarations": declarations,
            "categories": sorted(
                {str(Category(c).label) for d in declarations for c in d.categories}
            ),
        }
        for activity, declarations in grouped.items()
    ]
