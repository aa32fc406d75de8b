"""What a retention rule may say: which data, counted from which event, and the legal
maxima of RGPD.md beyond which a justification is required."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dates import add_months
from portal.personal_data import PersonalData, registry
from retention.models import RetentionRule, period_text

# RGPD.md, "Retention": the longest a kind of data may be kept (in months).
LEGAL_MAX_MONTHS = {
    "accounts.client_profile": 36,  # prospection: 3 years (CNIL)
    "accounts.contact_requests": 36,
    "accounts.sessions": 12,  # access logs: 6 months to 1 year
    "portal.audit_trail": 12,
    "consent.cookies": 13,  # CNIL délibération 2020-091
    "dsar.identity_documents": 1,
    "dsar.archives": 1,
    "messaging.notifications": 12,  # a delivery log: 6 months to 1 year
    "messaging.threads": 12,  # chat history: 1 year (RGPD.md, seed 003)
    "messaging.appointments": 36,
}


# The shortest a kind of data kept by law may be kept before it is deleted (in months):
# invoices, 10 years from the close of the financial year, so 11 from the invoice date.
LEGAL_MIN_MONTHS = {
    "accounts.invoices": 132,  # Code de commerce L123-22
}


def rule_declaration(rule: RetentionRule) -> PersonalData:
    return registry.get(rule.data_kind)


def rule_check(rule: RetentionRule) -> None:
    """The reasons a rule cannot be applied, as a French ValidationError."""
    if not rule.data_kind:
        return  # documents a period for data the portal does not hold
    keys = {d.key for d in registry}
    if rule.data_kind not in keys:
        raise ValidationError({"data_kind": _("Ce type de données n'existe pas dans la carte.")})
    declaration = registry.get(rule.data_kind)
    if rule.event not in declaration.events:
        allowed = ", ".join(str(RetentionRule.Event(e).label) for e in declaration.events) or "—"
        raise ValidationError(
            {
                "event": _("Ces données ne se comptent qu'à partir de : %(events)s.")
                % {"events": allowed}
            }
        )
    if rule.data_kind == "accounts.client_profile" and rule.event == RetentionRule.Event.COLLECTION:
        raise ValidationError(
            {
                "event": _(
                    "Comptez à partir du dernier contact : il part de la collecte, et chaque "
                    "contact de la personne repousse l'échéance (CNIL)."
                )
            }
        )
    if rule.action == RetentionRule.Action.DELETE and declaration.erase_mode == "anonymise":
        raise ValidationError(
            {
                "action": _(
                    "Ces données s'anonymisent : la fiche garde le numéro client des factures."
                )
            }
        )
    if rule.action == RetentionRule.Action.ANONYMISE and not declaration.anonymised:
        raise ValidationError(
            {"action": _("Ces données ne s'anonymisent pas : choisissez de les supprimer.")}
        )
    if rule.action == RetentionRule.Action.ARCHIVE and not declaration.archived:
        raise ValidationError({"action": _("Ces données ne s'archivent pas.")})
    minimum = LEGAL_MIN_MONTHS.get(rule.data_kind)
    if (
        minimum is not None
        and rule.action != RetentionRule.Action.ARCHIVE
        and rule.months < minimum
    ):
        raise ValidationError(
            {
                "duration": _(
                    "La loi impose de conserver ces données au moins %(period)s à compter "
                    "de leur date : choisissez une durée plus longue, ou l'archivage."
                )
                % {"period": period_text(minimum, "months")}
            }
        )
    maximum = LEGAL_MAX_MONTHS.get(rule.data_kind)
    if maximum is not None and rule.months > maximum and not rule.justification.strip():
        raise ValidationError(
            {
                "justification": _(
                    "Cette durée dépasse le maximum recommandé (%(period)s) : "
                    "justifiez-la ou raccourcissez-la."
                )
                % {"period": period_text(maximum, "months")}
            }
        )


def due_day(rule: RetentionRule, event_day: dt.date) -> dt.date:
    """The first night a row whose event fell on `event_day` is past this rule: the day
    after `event_day` plus the period, the inverse of `cutoff`."""
    if rule.unit == RetentionRule.Unit.DAYS:
        return event_day + dt.timedelta(days=rule.duration + 1)
    months = rule.duration * (12 if rule.unit == RetentionRule.Unit.YEARS else 1)
    return add_months(event_day, months) + dt.timedelta(days=1)


def cutoff(rule: RetentionRule, today: dt.date | None = None) -> dt.date:
    """Rows whose event falls before this day are past retention: an event on the cutoff
    day itself is kept until the next night."""
    today = today or timezone.localdate()
    if rule.unit == RetentionRule.Unit.DAYS:
        return today - dt.timedelta(days=rule.duration)
    months = rule.duration * (12 if rule.unit == RetentionRule.Unit.YEARS else 1)
    return add_months(today, -months)
