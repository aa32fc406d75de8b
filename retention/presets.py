"""Sector presets: the processing activities and retention rules of the five businesses the
portal grew from (../shared/seeds), corrected where their policies break the law (each
correction is written in the rule's notes). Applying a preset again changes nothing, and
never overwrites what the business edited since, unless forced."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.personal_data import registry
from retention.models import ProcessingActivity, RetentionRule

PRESETS = ("piscine", "conciergerie", "informatique", "toiture", "serrurerie")
# Each preset by the trade it serves (its file names the business whose policy it came from).
SECTORS = {
    "piscine": _("Installation et entretien de piscines"),
    "conciergerie": _("Conciergerie et services à domicile"),
    "informatique": _("Dépannage et assistance informatique"),
    "toiture": _("Couverture et travaux de toiture"),
    "serrurerie": _("Serrurerie et dépannage"),
}
FOLDER = Path(__file__).resolve().parent / "presets"
ACTIVITY_FIELDS = (
    "name",
    "purposes",
    "legal_basis",
    "persons",
    "data_categories",
    "recipients",
    "transfers",
    "security",
)
RULE_FIELDS = (
    "data_kind",
    "label",
    "duration",
    "unit",
    "event",
    "action",
    "legal_reference",
    "client_status",
    "enabled",
    "notes",
)
# The law counts 10 years from the close of the financial year: from the invoice's date,
# 11 years cover any financial year.
INVOICE_YEARS = 11


# What every business keeps in the same way, whatever its sector.
COMMON_ACTIVITY = {
    "key": "portail",
    "name": "Droits des personnes et sécurité de l'espace client",
    "purposes": (
        "Respect des oppositions et des droits des personnes, sécurité des comptes, "
        "suivi des e-mails et SMS envoyés"
    ),
    "legal_basis": "c",
    "persons": "Clients, prospects et personnes s'étant opposées à la prospection",
    "data": (
        "Empreintes chiffrées des coordonnées opposées, sessions de connexion, journal des "
        "e-mails et SMS envoyés (date, canal, objet, adresse ou numéro, état de distribution)"
    ),
    "recipients": (
        "Personnel habilité ; Brevo (envoi des e-mails) et Twilio (envoi des SMS), sous-traitants"
    ),
    "transfers": "Aucun",
    "security": "Empreintes salées (HMAC), accès restreint, journal d'audit chaîné",
}
COMMON_RULES = [
    {
        "activity": "portail",
        "data_kind": "consent.suppression",
        "label": "Liste d'opposition (empreintes chiffrées des coordonnées)",
        "duration": 0,
        "unit": "days",
        "event": "expiry",
        "action": "delete",
        "legal_reference": "CNIL, liste repoussoir : 3 ans après la dernière opposition",
    },
    {
        "activity": "portail",
        "data_kind": "accounts.sessions",
        "label": "Sessions de connexion (adresse IP, navigateur)",
        "duration": 1,
        "unit": "years",
        "event": "last_contact",
        "action": "delete",
        "legal_reference": "CNIL, recommandation sur la journalisation : 6 mois à 1 an",
    },
    {
        "activity": "portail",
        "data_kind": "messaging.notifications",
        "label": "Journal des e-mails et SMS envoyés",
        "duration": 1,
        "unit": "years",
        "event": "collection",
        "action": "delete",
        "legal_reference": (
            "CNIL, recommandation sur la journalisation : 6 mois à 1 an ; la preuve des "
            "consentements reste dans l'historique des choix"
        ),
    },
    {
        "activity": "portail",
        "data_kind": "messaging.threads",
        "label": "Conversations de la messagerie, messages et pièces jointes",
        "duration": 1,
        "unit": "years",
        "event": "last_contact",
        "action": "delete",
        "legal_reference": (
            "CNIL : historique des échanges, 1 an ; compté depuis le dernier message pour ne "
            "pas couper une conversation en cours"
        ),
    },
    {
        "activity": "portail",
        "data_kind": "messaging.appointments",
        "label": "Rendez-vous",
        "duration": 3,
        "unit": "years",
        "event": "last_contact",
        "action": "delete",
        "legal_reference": "CNIL, gestion de la clientèle : 3 ans après le dernier contact",
    },
]


@dataclass
class PresetReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_edits: list[str] = field(default_factory=list)


def load(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}")
    data: dict[str, Any] = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    data["activities"] = [*data["activities"], COMMON_ACTIVITY]
    data["rules"] = [*data["rules"], *COMMON_RULES]
    return data


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def rule_values(raw: dict[str, Any]) -> dict[str, Any]:
    """A rule as the portal applies it: the preset's values, made to fit the map of
    personal data, each adjustment written in the notes."""
    notes = [raw["correction"]] if raw.get("corrected") and raw.get("correction") else []
    values = {
        "data_kind": raw.get("data_kind") or "",
        "label": raw["label"][:200],
        "duration": int(raw["duration"]),
        "unit": raw["unit"],
        "event": raw["event"],
        "action": raw["action"],
        "legal_reference": raw["legal_reference"][:300],
        "client_status": "",
        "enabled": True,
    }
    kind = values["data_kind"]
    if kind == "accounts.client_profile":
        if values["event"] == "last_contact":
            values["client_status"] = "prospect"
            notes.append(
                "Appliquée aux seuls prospects : un client en relation n'est pas concerné."
            )
        if values["action"] == "delete":
            values["action"] = "anonymise"
            notes.append(
                "Anonymisée plutôt que supprimée : la fiche garde le numéro client des "
                "factures archivées."
            )
    if kind in ("accounts.invoices", "accounts.documents") and values["action"] == "archive":
        values["action"] = "delete"
        notes.append(
            "Supprimés au terme de la durée plutôt qu'archivés : une archive sans fin "
            "garderait ces pièces au-delà de ce que la loi demande."
        )
    if kind == "accounts.invoices" and values["unit"] == "years" and values["duration"] == 10:
        values["duration"] = INVOICE_YEARS
        notes.append(
            "10 ans à compter de la clôture de l'exercice (Code de commerce L123-22) : "
            "11 ans depuis la date de la facture couvrent tout exercice."
        )
    if kind:
        declaration = registry.get(kind)
        if values["event"] not in declaration.events:
            values["enabled"] = False
            notes.append(
                "Non appliquée : ces données ne se comptent pas à partir de cet événement."
            )
        unsupported = (values["action"] == "anonymise" and not declaration.anonymised) or (
            values["action"] == "archive" and not declaration.archived
        )
        if kind == "portal.audit_trail" and values["action"] != "delete":
            values["action"] = "delete"
            notes.append(
                "Supprimé au-delà de la durée : le journal chaîné garde un point de contrôle "
                "pour rester vérifiable."
            )
        elif unsupported:
            values["enabled"] = False
            notes.append("Non appliquée : cette action n'existe pas pour ces données.")
    values["notes"] = "\n".join(notes)
    return values


def preset_apply(name: str, *, force: bool = False) -> PresetReport:
    preset = load(name)
    report = PresetReport()
    with transaction.atomic():
        for raw in preset["activities"]:
            values = {
                "name": raw["name"][:200],
                "purposes": raw["purposes"],
                "legal_basis": raw["legal_basis"],
                "persons": raw["persons"],
                "data_categories": raw["data"],
                "recipients": raw.get("recipients", ""),
                "transfers": raw.get("transfers") or "Aucun",
                "security": raw.get("security", ""),
            }
            _upsert(
                ProcessingActivity,
                {"key": f"{name}-{raw['key']}"[:60]},
                values,
                ACTIVITY_FIELDS,
                name,
                force,
                report,
            )
        for index, raw in enumerate(preset["rules"]):
            values = rule_values(raw)
            activity = ProcessingActivity.objects.get(key=f"{name}-{raw['activity']}"[:60])
            _upsert(
                RetentionRule,
                {"preset": name, "preset_key": f"{name}:{index}"},
                {"activity": activity, **values},
                RULE_FIELDS,
                name,
                force,
                report,
            )
    return report


def _upsert(
    model: Any,
    lookup: dict[str, Any],
    values: dict[str, Any],
    fields: tuple[str, ...],
    preset: str,
    force: bool,
    report: PresetReport,
) -> None:
    digest = _digest({f: values[f] for f in fields if f in values})
    row = model.objects.filter(**lookup).first()
    if row is None:
        model.objects.create(**{**lookup, **values, "preset": preset, "preset_digest": digest})
        report.created += 1
        return
    current = _digest({f: getattr(row, f) for f in fields if f in values})
    if current == digest:
        report.unchanged += 1
        return
    edited = current != row.preset_digest
    if edited and not force:
        report.kept_edits.append(str(row))
        return
    for name, value in values.items():
        setattr(row, name, value)
    row.preset, row.preset_digest = preset, digest
    row.save()
    report.updated += 1
