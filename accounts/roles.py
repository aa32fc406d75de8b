"""The staff roles, as groups of permissions an owner can edit in the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

OWNER_GROUP = "Gérant"
TEAM_GROUP = "Équipe"
DPO_GROUP = "Délégué à la protection des données"

# How a client is told who acted on their data: a role, never a name.
ROLE_TO_CLIENT = {
    OWNER_GROUP: _("la direction de l'entreprise"),
    DPO_GROUP: _("notre délégué à la protection des données"),
    TEAM_GROUP: _("un membre de l'équipe"),
}
