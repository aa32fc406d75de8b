"""The privacy policy, generated from the record of processing activities, the retention
rules and the controller's identity: what the business says is what the portal does."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

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
