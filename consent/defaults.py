"""The purposes every business starts with. Their texts explain what staying subscribed
brings (the seeds' arguments), and every switch still starts off."""

from __future__ import annotations

from typing import Any

PURPOSES = [
    (
        "marketing_email",
        "email",
        "Offres et nouveautés par e-mail",
        "Promotions, lancements de produits, opérations exceptionnelles, conseils de saison. "
        "Vos devis, factures, rappels de rendez-vous et alertes importantes vous sont envoyés "
        "de toute façon : ils ne dépendent pas de ce choix.",
    ),
    (
        "marketing_sms",
        "sms",
        "Offres et nouveautés par SMS",
        "Offres du moment et opérations exceptionnelles par SMS. Vous pouvez répondre STOP à "
        "tout moment. Les rappels de rendez-vous et alertes ne dépendent pas de ce choix.",
    ),
    (
        "newsletter",
        "email",
        "Lettre d'information",
        "Nos conseils d'entretien, les nouveautés et la vie de l'entreprise, quelques fois par an.",
    ),
    (
        "partners",
        "none",
        "Transmission à nos partenaires",
        "Vos coordonnées transmises à des entreprises partenaires pour qu'elles vous fassent "
        "leurs propres offres. Sans votre accord, nous ne les transmettons à personne.",
    ),
]


def ensure_default_purposes(purpose_model: Any, wording_model: Any) -> None:
    """Create the default purposes that do not exist yet; never touch existing ones."""
    for order, (key, channel, label, explanation) in enumerate(PURPOSES):
        purpose, created = purpose_model.objects.get_or_create(
            key=key, defaults={"channel": channel, "order": order}
        )
        if created:
            wording = wording_model.objects.create(
                purpose=purpose, version=1, label=label, explanation=explanation
            )
            purpose.wording = wording
            purpose.save(update_fields=["wording"])
