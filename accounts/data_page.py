"""What "Vos données personnelles" tells a client about the data held on them: each kind
grouped by purpose, with how many, the latest date and how long it is kept, the rows
themselves one click away."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Client
from portal.personal_data import (
    ACTIVITY_LEGAL_BASIS,
    Activity,
    ClientView,
    PersonalData,
    registry,
)
from retention.models import RetentionRule


@dataclass(frozen=True)
class HeldKind:
    view: ClientView
    kept: list[str]

    @property
    def declaration(self) -> PersonalData:
        return self.view.declaration

    @property
    def legal_obligation(self) -> str:
        """The law's own period, when a rule of the business's says more than it."""
        obligation = str(self.declaration.legal_obligation)
        return obligation if obligation and obligation not in self.kept else ""


@dataclass(frozen=True)
class PurposeGroup:
    activity: str
    legal_basis: str
    kinds: list[HeldKind]


@dataclass(frozen=True)
class HeldData:
    groups: list[PurposeGroup]
    empty: list[ClientView]

    @property
    def kinds(self) -> int:
        return sum(len(group.kinds) for group in self.groups)


# "Conservées 3 ans après le dernier contact, puis effacées." per action, and without delay.
_AFTER = {
    RetentionRule.Action.DELETE: gettext_noop(
        "Conservées %(period)s après %(event)s, puis effacées."
    ),
    RetentionRule.Action.ANONYMISE: gettext_noop(
        "Conservées %(period)s après %(event)s, puis anonymisées."
    ),
    RetentionRule.Action.ARCHIVE: gettext_noop(
        "Conservées %(period)s après %(event)s, puis archivées."
    ),
}
_AT_ONCE = {
    RetentionRule.Action.DELETE: gettext_noop("Effacées dès %(event)s."),
    RetentionRule.Action.ANONYMISE: gettext_noop("Anonymisées dès %(event)s."),
    RetentionRule.Action.ARCHIVE: gettext_noop("Archivées dès %(event)s."),
}


def rule_sentence(rule: RetentionRule) -> str:
    """A retention rule as a client reads it: "Conservées 3 ans après le dernier contact,
    puis anonymisées."."""
    event = rule.get_event_display()
    if not rule.duration:
        return _(_AT_ONCE[RetentionRule.Action(rule.action)]) % {"event": event}
    return _(_AFTER[RetentionRule.Action(rule.action)]) % {"period": rule.period, "event": event}


def kept_texts(client: Client, rules: Iterable[RetentionRule]) -> dict[str, list[str]]:
    """For each kind of data, how long it is kept for this client: the enabled rules that
    apply to their status (a prospect's own rule before the general one)."""
    by_kind: dict[str, list[RetentionRule]] = {}
    for rule in rules:
        if rule.client_status in ("", client.status):
            by_kind.setdefault(rule.data_kind, []).append(rule)
    texts: dict[str, list[str]] = {}
    for kind, kind_rules in by_kind.items():
        kind_rules.sort(key=lambda rule: rule.client_status == "")
        texts[kind] = [rule_sentence(rule) for rule in kind_rules]
    for declaration in registry:
        if declaration.key in texts:
            continue
        if declaration.legal_obligation:
            texts[declaration.key] = [str(declaration.legal_obligation)]
        elif declaration.kept_with and declaration.kept_with in texts:
            other = registry.get(declaration.kept_with).label
            texts[declaration.key] = [
                _("Conservées aussi longtemps que « %(kind)s ».") % {"kind": other}
            ]
    return texts


def held_data(client: Client) -> HeldData:
    """Every kind of data held on the client, grouped by purpose in the register's order."""
    views = registry.views_for(client)
    rules = RetentionRule.objects.filter(enabled=True).exclude(data_kind="")
    kept = kept_texts(client, rules)
    groups: list[PurposeGroup] = []
    for activity in Activity:
        kinds = [
            HeldKind(view=view, kept=kept.get(view.declaration.key, []))
            for view in views
            if view.declaration.activity == activity and view.total
        ]
        if kinds:
            groups.append(
                PurposeGroup(
                    activity=str(activity.label),
                    legal_basis=str(ACTIVITY_LEGAL_BASIS[activity]),
                    kinds=kinds,
                )
            )
    return HeldData(groups=groups, empty=[view for view in views if not view.total])


def audit_trail_kept(client: Client) -> list[str]:
    """How long the audit trail is kept, for « Qui a consulté vos données »."""
    rules = RetentionRule.objects.filter(enabled=True, data_kind="portal.audit_trail")
    return kept_texts(client, rules).get("portal.audit_trail", [])
