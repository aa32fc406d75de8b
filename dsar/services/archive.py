"""The access and portability archive: a ZIP written row by row from the map of personal
data, with the client's documents and the letter of art. 15, so that memory does not grow
with the data. The link works for 7 days, for that client only; the file is then deleted."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Client
from dsar.models import AccessArchive, DataRequest, Kind
from dsar.services.requests import _locked, record_event, require_identity
from portal.audit import Actor
from portal.files import files_delete_on_commit
from portal.models import Controller
from portal.personal_data import ACTIVITY_LEGAL_BASIS, Category, PersonalData, registry
from retention.policy import recipients, rules_for

ARCHIVE_DAYS = 7


def archive_build(*, request: DataRequest, by: Actor) -> AccessArchive:
    """Generate the archive for an access (everything) or portability (what the person
    provided) request, and tell the requester it is ready."""
    with transaction.atomic():
        request = _locked(request)
        require_identity(request)
        client = request.client
        if client is None:
            raise ValueError("An archive needs a client")
        portability = request.kind == Kind.PORTABILITY
        archive = AccessArchive(
            request=request,
            client=client,
            portability=portability,
            created_at=(now := timezone.now()),
            expires_at=now + timedelta(days=ARCHIVE_DAYS),
        )
        storage = archive.file.storage
        name = storage.generate_filename(
            archive.file.field.generate_filename(archive, "archive.zip")
        )
        # Written straight to its place on disk, row by row (private storage is a folder).
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("wb") as handle:
                write_archive(handle, client, portability=portability)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        archive.file.name = name
        archive.size = storage.size(name)
        archive.save()
        record_event(
            request,
            "archive_generated",
            by=by,
            letter="archive_ready",
            letter_context={"portability": portability, "expires_at": archive.expires_at},
            data={"size": archive.size, "portability": portability},
        )
    return archive


def write_archive(handle: IO[bytes], client: Client, *, portability: bool) -> None:
    language = client.language or "fr"
    with translation.override(language), zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
        index = []
        for declaration in registry:
            fields = declaration.export_fields(provided_only=portability)
            if not fields:
                continue
            count = _write_rows(zf, declaration, client, portability=portability)
            index.append({"key": declaration.key, "label": str(declaration.label), "rows": count})
        if not portability:
            for document in client.documents.all().iterator():
                if document.file and document.file.storage.exists(document.file.name):
                    zf.write(
                        document.file.path, f"documents/{document.pk}-{document.download_name}"
                    )
            context = letter_context(client)
            zf.writestr("lettre.html", render_to_string("dsar/access_letter.html", context))
            zf.writestr(
                "lettre.pdf", letter_pdf(render_to_string("dsar/access_letter.txt", context))
            )
        zf.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))


def _write_rows(
    zf: zipfile.ZipFile, declaration: PersonalData, client: Client, *, portability: bool
) -> int:
    """One JSON and one CSV file, each written in a pass over the rows (a ZIP takes one
    entry at a time), so that no more than a chunk of rows is ever in memory."""
    fields = list(declaration.export_fields(provided_only=portability))
    count = 0
    with zf.open(f"donnees/{declaration.key}.json", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8")
        out.write("[\n")
        for row in declaration.export_iter(client, provided_only=portability):
            out.write((",\n" if count else "") + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
        out.flush()
        out.detach()
    with zf.open(f"donnees/{declaration.key}.csv", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.DictWriter(out, fieldnames=fields, delimiter=";")
        writer.writeheader()
        for row in declaration.export_iter(client, provided_only=portability):
            writer.writerow(row)
        out.flush()
        out.detach()
    return count


def letter_context(client: Client) -> dict[str, Any]:
    """The information of GDPR art. 15(1)-(3), taken from the map of personal data."""
    activities: dict[Any, list[PersonalData]] = {}
    for declaration in registry:
        activities.setdefault(declaration.activity, []).append(declaration)
    return {
        "controller": Controller.load(),
        "client": client,
        "today": timezone.localdate(),
        "activities": [
            {
                "label": activity.label,
                "basis": ACTIVITY_LEGAL_BASIS.get(activity, ""),
                "data": [str(d.label) for d in declarations],
                "categories": sorted(
                    {str(Category(c).label) for d in declarations for c in d.categories}
                ),
            }
            for activity, declarations in activities.items()
        ],
        "kept_by_law": [
            (str(d.label), str(d.legal_obligation)) for d in registry if d.legal_obligation
        ],
        "source": client.source,
        "rules": rules_for(client),
        "recipients": recipients(),
    }


def letter_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    # The standard PDF fonts cover Windows-1252: French text fits, rarer signs are replaced.
    safe = text.encode("cp1252", "replace").decode("cp1252")
    for paragraph in safe.split("\n"):
        pdf.multi_cell(0, 5, paragraph or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def archive_open(*, archive: AccessArchive, by: Actor) -> IO[bytes]:
    AccessArchive.objects.filter(pk=archive.pk, downloaded_at__isnull=True).update(
        downloaded_at=timezone.now()
    )
    record_event(archive.request, "archive_downloaded", by=by)
    return archive.file.open("rb")


def archives_delete_expired() -> int:
    """Delete the files of archives past their 7 days; the rows stay as a record."""
    deleted = 0
    now = timezone.now()
    for archive in AccessArchive.objects.filter(expires_at__lte=now, deleted_at__isnull=True):
        with transaction.atomic():
            AccessArchive.objects.filter(pk=archive.pk).update(deleted_at=now, file="")
            files_delete_on_commit([archive.file.name])
        deleted += 1
    return deleted
