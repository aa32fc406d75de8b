"""What "Vos données personnelles" tells a client about the data held on them: each kind
grouped by purpose, with how many, the latest date and how long it is kept, the rows
themselves one click away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import formats, timezone
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
from retention.rules import due_day


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
        return obligation if obligation and not any(obligation in k for k in self.kept) else ""


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


# "Conservation : 3 ans après le dernier contact, puis effacement." per action, and without
# delay. Nouns rather than participles: the sentence suits documents as well as data.
_AFTER = {
    RetentionRule.Action.DELETE: gettext_noop(
        "Conservation : %(period)s après %(event)s, puis effacement."
    ),
    RetentionRule.Action.ANONYMISE: gettext_noop(
        "Conservation : %(period)s après %(event)s, puis anonymisation."
    ),
    RetentionRule.Action.ARCHIVE: gettext_noop(
        "Conservation : %(period)s après %(event)s, puis archivage."
    ),
}
_AT_ONCE = {
    RetentionRule.Action.DELETE: gettext_noop("Effacement dès %(event)s."),
    RetentionRule.Action.ANONYMISE: gettext_noop("Anonymisation dès %(event)s."),
    RetentionRule.Action.ARCHIVE: gettext_noop("Archivage dès %(event)s."),
}


def rule_sentence(rule: RetentionRule, *, on: dt.date | None = None) -> str:
    """A retention rule as a client reads it: "Conservation : 3 ans après le dernier
    contact, puis anonymisation.", with the day it comes for them when it is known."""
    event = rule.get_event_display()
    if not rule.duration:
        sentence = _(_AT_ONCE[RetentionRule.Action(rule.action)]) % {"event": event}
    else:
        sentence = _(_AFTER[RetentionRule.Action(rule.action)]) % {
            "period": rule.period,
            "event": event,
        }
    if on is not None:
        sentence += " " + _("Pour vous : à partir du %(date)s.") % {
            "date": formats.date_format(on, "DATE_FORMAT")
        }
    return sentence


def _event_day(client: Client, rule: RetentionRule, single: set[str]) -> dt.date | None:
    """For a kind the client has one row of, the day its rule's event happened for them."""
    if rule.data_kind not in single:
        return None
    declaration = registry.get(rule.data_kind)
    field = declaration.events.get(rule.event)
    if not field:
        return None
    value = declaration.for_client(client).values_list(field, flat=True).first()
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value if isinstance(value, dt.date) else None


def kept_texts(
    client: Client, rules: Iterable[RetentionRule], *, single: Iterable[str] = ()
) -> dict[str, list[str]]:
    """For each kind of data, how long it is kept for this client: the enabled rules that
    apply to their status (a status's own rules replace the general ones: a prospect reads
    the prospects' rule). For the kinds in `single` (one row), the day it comes."""
    single = set(single)
    by_kind: dict[str, list[RetentionRule]] = {}
    for rule in rules:
        if rule.client_status in ("", client.status):
            by_kind.setdefault(rule.data_kind, []).append(rule)
    texts: dict[str, list[str]] = {}
    for kind, kind_rules in by_kind.items():
        own = [rule for rule in kind_rules if rule.client_status]
        texts[kind] = []
        for rule in own or kind_rules:
            day = _event_day(client, rule, single)
            texts[kind].append(rule_sentence(rule, on=due_day(rule, day) if day else None))
    for declaration in registry:
        if declaration.key in texts:
            continue
        if declaration.legal_obligation:
            texts[declaration.key] = [
                _("Conservation imposée par la loi : %(obligation)s.")
                % {"obligation": declaration.legal_obligation}
            ]
        elif declaration.kept_with and declaration.kept_with in texts:
            other = registry.get(declaration.kept_with).label
            texts[declaration.key] = [
                _("Conservation : aussi longtemps que « %(kind)s ».") % {"kind": other}
            ]
    return texts


def held_data(client: Client) -> HeldData:
    """Every kind of data held on the client, grouped by purpose in the register's order."""
    views = registry.views_for(client)
    rules = RetentionRule.objects.filter(enabled=True).exclude(data_kind="")
    single = {view.declaration.key for view in views if view.total == 1}
    kept = kept_texts(client, rules, single=single)
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
