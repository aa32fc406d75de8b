"""The access and portability archive: a ZIP written row by row from the map of personal
data, with the client's documents and the letter of art. 15, so that memory does not grow
with the data. The link works for 7 days, for that client only; the file is then deleted."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from accounts.data_page import kept_texts, rule_sentence
from accounts.models import Client
from dsar.models import AccessArchive, DataRequest, Kind
from dsar.services.requests import _locked, record_event, request_close, require_identity
from portal.audit import Actor
from portal.files import files_delete_on_commit
from portal.models import Controller
from portal.personal_data import (
    ACTIVITY_LEGAL_BASIS,
    Activity,
    Category,
    PersonalData,
    registry,
)
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
        # The archive and its letter are the answer: the request is closed with them, and
        # no second letter goes.
        request_close(
            request=request,
            answer=_("Copie des données envoyée, disponible jusqu'au %(date)s.")
            % {"date": formats.date_format(timezone.localtime(archive.expires_at), "DATE_FORMAT")},
            by=by,
            letter="",
        )
    return archive


# Rows of each kind shown in index.html; the CSV and JSON files hold them all.
HTML_ROWS = 200


@dataclass
class ArchivedKind:
    """One kind of data in the archive: its files, and what index.html shows of it."""

    declaration: PersonalData
    csv: str
    json: str
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def facts(self) -> list[tuple[str, str]]:
        """A single row as label and value pairs, read down rather than across."""
        return list(zip(self.columns, self.sample[0], strict=True)) if self.sample else []


class _Names:
    """File names a person can read ("vos-documents.csv"), each used once."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, folder: str, stem: str, extension: str) -> str:
        base = slugify(stem)[:80] or "fichier"
        name, number = f"{folder}/{base}{extension}", 1
        while name in self.taken:
            number += 1
            name = f"{folder}/{base}-{number}{extension}"
        self.taken.add(name)
        return name


def write_archive(handle: IO[bytes], client: Client, *, portability: bool) -> None:
    """The archive, in the client's language: index.html to browse it all, a README, the
    letter, the documents, a CSV per kind of data for people (their column names, Paris
    times, Oui/Non) and a JSON per kind for machines (stable keys, ISO 8601 UTC times).
    A kind the portal holds nothing of for this client gets no file."""
    from retention.models import RetentionRule

    language = client.language or "fr"
    with translation.override(language), zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
        names = _Names()
        kept = kept_texts(client, RetentionRule.objects.filter(enabled=True).exclude(data_kind=""))
        kinds: list[ArchivedKind] = []
        empty: list[PersonalData] = []
        for declaration in registry:
            if not declaration.export_fields(provided_only=portability):
                continue
            if not declaration.for_client(client).exists():
                empty.append(declaration)
                continue
            kind = ArchivedKind(
                declaration=declaration,
                csv=names("tableaux", str(declaration.label), ".csv"),
                json=f"donnees/{declaration.key}.json",
                kept=kept.get(declaration.key, []),
            )
            _write_json(zf, kind, client, portability=portability)
            _write_csv(zf, kind, client, portability=portability)
            kinds.append(kind)
        documents: list[tuple[str, Any]] = []
        if not portability:
            for document in client.documents.all().iterator():
                if document.file and document.file.storage.exists(document.file.name):
                    stem, dot, extension = document.download_name.rpartition(".")
                    name = names("documents", stem or extension, f".{extension}" if dot else "")
                    zf.write(document.file.path, name)
                    documents.append((name, document))
            context = letter_context(client)
            zf.writestr("lettre.html", render_to_string("dsar/access_letter.html", context))
            zf.writestr(
                "lettre.pdf", letter_pdf(render_to_string("dsar/access_letter.txt", context))
            )
        context = {
            "client": client,
            "controller": Controller.load(),
            "portability": portability,
            "kinds": kinds,
            "groups": _by_activity(kinds),
            "empty": empty,
            "documents": documents,
            "html_rows": HTML_ROWS,
            "now": timezone.now(),
        }
        zf.writestr(
            "index.json", json.dumps(_manifest(kinds, portability), ensure_ascii=False, indent=2)
        )
        zf.writestr("LISEZ-MOI.txt", render_to_string("dsar/archive/readme.txt", context))
        zf.writestr("index.html", render_to_string("dsar/archive/index.html", context))


def _write_json(
    zf: zipfile.ZipFile, kind: ArchivedKind, client: Client, *, portability: bool
) -> None:
    """One JSON file written in a pass over the rows (a ZIP takes one entry at a time), so
    that no more than a chunk of rows is ever in memory."""
    with zf.open(kind.json, "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8")
        out.write("[\n")
        for row in kind.declaration.export_iter(client, provided_only=portability):
            out.write((",\n" if kind.rows else "") + json.dumps(row, ensure_ascii=False))
            kind.rows += 1
        out.write("\n]\n")
        out.flush()
        out.detach()


def _write_csv(
    zf: zipfile.ZipFile, kind: ArchivedKind, client: Client, *, portability: bool
) -> None:
    """The same rows as a person reads them, under their column names; the first ones are
    kept for index.html."""
    declaration = kind.declaration
    fields = declaration.shown_names(provided_only=portability)
    kind.columns = [capfirst(str(declaration.field_label(name))) for name in fields]
    with zf.open(kind.csv, "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(kind.columns)
        for row in declaration.display_iter(client, provided_only=portability):
            writer.writerow(row)
            if len(kind.sample) < HTML_ROWS:
                kind.sample.append(row)
        out.flush()
        out.detach()


def _by_activity(kinds: list[ArchivedKind]) -> list[dict[str, Any]]:
    """The kinds grouped by purpose, in the order of "Vos données personnelles"."""
    return [
        {"label": activity.label, "basis": ACTIVITY_LEGAL_BASIS.get(activity, ""), "kinds": items}
        for activity in Activity
        if (items := [kind for kind in kinds if kind.declaration.activity == activity])
    ]


def _manifest(kinds: list[ArchivedKind], portability: bool) -> dict[str, Any]:
    """index.json: what each JSON file holds, for a program reading the archive."""
    return {
        "format": 2,
        "portability": portability,
        "kinds": [
            {
                "key": kind.declaration.key,
                "label": str(kind.declaration.label),
                "purpose": str(kind.declaration.activity.label),
                "rows": kind.rows,
                "json": kind.json,
                "csv": kind.csv,
                "fields": {
                    name: str(kind.declaration.field_label(name))
                    for name in kind.declaration.export_fields(provided_only=portability)
                },
            }
            for kind in kinds
        ],
    }


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
        "rules": [(rule.label, rule_sentence(rule)) for rule in rules_for(client)],
        "recipients": recipients(),
    }


# What the standard PDF fonts (Latin-1) lack, written with what they have: typographic
# apostrophes and dashes are common in names typed on a phone.
PDF_SUBSTITUTES = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark, the phone's apostrophe
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "€": "EUR",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def pdf_safe(text: str) -> str:
    """French text the standard PDF fonts can draw; a sign beyond them becomes "?"."""
    return text.translate(PDF_SUBSTITUTES).encode("latin-1", "replace").decode("latin-1")


def letter_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for paragraph in pdf_safe(text).split("\n"):
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
