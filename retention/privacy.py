from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from portal.personal_data import Activity, Category, PersonalData, registry
from retention.models import (
    LegalHold,
    ProcessingActivity,
    PurgeRun,
    RetentionRule,
)

registry.register(
    PersonalData(
        key="retention.legal_holds",
        count_text=ngettext_lazy("%(count)d gel", "%(count)d gels", "count"),
        label=_("Gels juridiques de vos données"),
        description=_("Ce qui nous oblige à conserver certaines données (litige, impayé…)."),
        activity=Activity.COMPLIANCE,
        categories=(Category.COMMERCIAL,),
        model=LegalHold,
        client_path="client",
        fields=("reason", "legal_reference", "starts_on", "ends_on"),
        erase_mode="keep",
        legal_obligation=_(
            "Constatation, exercice ou défense de droits en justice (RGPD art. 17.3.e)"
        ),
    )
)

registry.exempt(ProcessingActivity, reason="The business's record of processing activities.")
registry.exempt(RetentionRule, reason="Retention rules.")
registry.exempt(PurgeRun, reason="Counts per rule, never data.")
