"""Carry out the file deletions a killed process left, then list or remove the private files
that no row names (older than an hour, so that an upload in flight is left alone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.files import (
    ORPHAN_GRACE,
    file_deletions_carry_out,
    orphan_files,
    orphan_files_delete,
)
from portal.models import FileDeletion


class Command(BaseCommand):
    help = _("Supprime les fichiers privés qu'aucune ligne ne désigne plus.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=_("liste sans supprimer"))
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(ORPHAN_GRACE.total_seconds() // 60),
            help=_("âge minimal d'un fichier orphelin, en minutes"),
        )

    def handle(self, *args: Any, dry_run: bool, grace_minutes: int, **options: Any) -> None:
        grace = dt.timedelta(minutes=grace_minutes)
        if dry_run:
            pending = FileDeletion.objects.count()
            orphans = orphan_files(grace=grace)
        else:
            pending = file_deletions_carry_out()
            orphans = orphan_files_delete(grace=grace)
        for name in orphans:
            self.stdout.write(name)
        if dry_run:
            pending_line = ngettext(
                "%(count)d fichier en attente de suppression.",
                "%(count)d fichiers en attente de suppression.",
                pending,
            )
            orphans_line = ngettext(
                "%(count)d fichier orphelin à supprimer.",
                "%(count)d fichiers orphelins à supprimer.",
                len(orphans),
            )
        else:
            pending_line = ngettext(
                "%(count)d fichier en attente supprimé.",
                "%(count)d fichiers en attente supprimés.",
                pending,
            )
            orphans_line = ngettext(
                "%(count)d fichier orphelin supprimé.",
                "%(count)d fichiers orphelins supprimés.",
                len(orphans),
            )
        self.stdout.write(pending_line % {"count": pending})
        self.stdout.write(orphans_line % {"count": len(orphans)})
