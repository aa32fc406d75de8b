"""The map of personal data.

Every app declares, in its `privacy.py`, each kind of personal data it holds. The export and
erasure of a person's data, the retention purge, the record of processing activities and the
"Vos données personnelles" page all walk this map instead of knowing each app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from phonenumber_field.phonenumber import PhoneNumber

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

    from accounts.models import Client

# "keep": the data outlives an erasure on purpose (the suppression list, which exists to
# honour the person's opposition); `legal_obligation` says why.
EraseMode = Literal["delete", "anonymise", "archive", "keep"]
PurgeAction = Literal["delete", "anonymise", "archive"]


class Activity(models.TextChoices):
    """Processing activities (art. 30). Each declaration belongs to one."""

    CLIENT_RELATIONSHIP = "client_relationship", _("Gestion de la relation client")
    MARKETING = "marketing", _("Prospection commerciale et gestion des consentements")
    COOKIES = "cookies", _("Cookies et traceurs")
    ACCOUNTING = "accounting", _("Facturation et obligations comptables")
    ACCOUNT_SECURITY = "account_security", _("Sécurité de l'espace client")
    COMPLIANCE = "compliance", _("Respect du RGPD et traçabilité des accès")


# The legal basis of each activity (GDPR art. 6), as the privacy policy states it.
ACTIVITY_LEGAL_BASIS = {
    Activity.CLIENT_RELATIONSHIP: _(
        "L'exécution de votre contrat ou de mesures précontractuelles, à votre demande "
        "(art. 6.1.b du RGPD)."
    ),
    Activity.ACCOUNTING: _("Nos obligations légales comptables et fiscales (art. 6.1.c)."),
    Activity.ACCOUNT_SECURITY: _("Notre intérêt légitime à protéger votre compte (art. 6.1.f)."),
    Activity.COMPLIANCE: _("Nos obligations légales au titre du RGPD (art. 6.1.c)."),
    Activity.MARKETING: _(
        "Votre consentement (art. 6.1.a), que vous pouvez retirer à tout moment ; pour nos "
        "clients, notre intérêt légitime à proposer des produits analogues (art. 6.1.f), "
        "auquel vous pouvez vous opposer."
    ),
    Activity.COOKIES: _(
        "Votre consentement (art. 6.1.a), sauf pour les cookies strictement nécessaires."
    ),
}


class Category(models.TextChoices):
    """Data categories, as named in the CNIL's model register."""

    IDENTITY = "identity", _("État civil, identité, données d'identification")
    CONTACT = "contact", _("Coordonnées")
    COMMERCIAL = "commercial", _("Relation commerciale")
    ECONOMIC = "economic", _("Informations d'ordre économique et financier")
    CONNECTION = "connection", _("Données de connexion")
    SECURITY = "security", _("Données d'authentification")
    PREFERENCES = "preferences", _("Choix et préférences")


@dataclass(frozen=True)
class Row:
    """One record of a kind of data, ready to show to the person it is about."""

    cells: list[tuple[StrOrPromise, str]]


@dataclass(frozen=True)
class ClientView:
    declaration: PersonalData
    rows: list[Row]
    total: int
    # The most recent date of this kind of data (None when it has no date or no rows).
    latest: dt.datetime | dt.date | None = None

    @property
    def count_text(self) -> str:
        """ "3 documents", "1 message": how many, in the words of the kind."""
        return str(self.declaration.count_text % {"count": self.total})

    @property
    def latest_text(self) -> str:
        if self.latest is None:
            return ""
        if isinstance(self.latest, dt.datetime):
            return formats.date_format(timezone.localtime(self.latest), "DATE_FORMAT")
        return formats.date_format(self.latest, "DATE_FORMAT")


@dataclass
class PersonalData:
    """One kind of personal data, for example "the documents in the wallet".

    `client_path` is the ORM path from `model` to the Client it is about: "" when the model is
    Client itself, None when there is no such path and `for_client` is overridden. `scope`
    narrows the model when several kinds share a table. `events` maps the retention events
    this data can be counted from to the field holding their date.
    """

    key: str
    label: StrOrPromise
    activity: Activity
    categories: Sequence[Category]
    model: type[models.Model]
    client_path: str | None
    fields: Sequence[str]
    provided_fields: Sequence[str] = ()
    scope: models.Q | None = None
    events: Mapping[str, str] = field(default_factory=dict)
    legal_obligation: StrOrPromise = ""
    erase_mode: EraseMode = "delete"
    anonymised: Mapping[str, Any] = field(default_factory=dict)
    archived: Mapping[str, Any] = field(default_factory=dict)
    description: StrOrPromise = ""
    ordering: Sequence[str] = ("-pk",)
    # Labels and display functions for fields whose own are not meant for the person.
    labels: Mapping[str, StrOrPromise] = field(default_factory=dict)
    formatters: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    # The fields "Vos données personnelles" shows, when not all of `fields` are for a reader
    # (a letter's raw data stays in the archive); `row_formatters` read the whole object.
    shown_fields: Sequence[str] = ()
    row_formatters: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    # How many, in the kind's own words: ngettext_lazy("%(count)d document", …, "count").
    count_text: Any = field(
        default_factory=lambda: ngettext_lazy("%(count)d élément", "%(count)d éléments", "count")
    )
    # The field holding each row's date, for "the latest on …"; by default the first date
    # field the rows are ordered by, else the collection date.
    date_field: str = ""
    # The kind whose retention rules this one follows when it has none of its own (the
    # messages go with their conversation).
    kept_with: str = ""
    # For a relation, what the archive's JSON gives instead of a bare row number: the
    # related row's stable key or name ({"purpose": "purpose__key"}).
    export_as: Mapping[str, str] = field(default_factory=dict)
    # A page of its own shows this kind to the client (the audit trail, the consent
    # history): the URL name, linked instead of a table.
    client_page: str = ""
    # Relations to load with the rows, beyond the declared foreign keys themselves (for
    # example what their __str__ reads), so that showing them costs no query per row.
    related: Sequence[str] = ()
    # False for logs kept for a fixed time whoever they are about (the audit trail).
    purge_spares_clients: bool = True
    # Rows a purge action has already dealt with (anonymised, archived): not taken again.
    done_filters: Mapping[str, models.Q] = field(default_factory=dict)

    # Rows to select.

    def queryset(self) -> QuerySet[Any]:
        qs = self.model._default_manager.all()
        return qs.filter(self.scope) if self.scope is not None else qs

    def for_client(self, client: Client) -> QuerySet[Any]:
        if self.client_path is None:
            raise NotImplementedError(f"{self.key} must define for_client()")
        if self.client_path == "":
            return self.queryset().filter(pk=client.pk)
        return self.queryset().filter(**{self.client_path: client})

    # Reading.

    def export_fields(self, *, provided_only: bool = False) -> Sequence[str]:
        return self.provided_fields if provided_only else self.fields

    def export_iter(
        self, client: Client, *, provided_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Rows for the access (or, with provided_only, the portability) archive, read in
        chunks so that memory does not grow with the data."""
        names = self.export_fields(provided_only=provided_only)
        if not names:
            return
        paths = [self.export_as.get(name, name) for name in names]
        rows = self.for_client(client).order_by(*self.ordering).values_list(*paths)
        for values in rows.iterator(chunk_size=1000):
            yield {name: _json_value(value) for name, value in zip(names, values, strict=True)}

    def export(self, client: Client, *, provided_only: bool = False) -> list[dict[str, Any]]:
        return list(self.export_iter(client, provided_only=provided_only))

    def view_for(self, client: Client, *, limit: int = 20) -> ClientView:
        """The latest rows, labelled and formatted, for "Vos données personnelles", with
        how many there are and the latest date (one query for both)."""
        qs = self.for_client(client).order_by(*self.ordering)
        date_field = self.latest_field()
        aggregates: dict[str, Any] = {"total": models.Count("pk")}
        if date_field:
            aggregates["latest"] = models.Max(date_field)
        summary = qs.order_by().aggregate(**aggregates)
        if not summary["total"] or not limit:
            return ClientView(
                declaration=self, rows=[], total=summary["total"], latest=summary.get("latest")
            )
        objects = list(qs.select_related(*self._related())[:limit])
        names = self.shown_names()
        labels = [self.field_label(name) for name in names]
        rows = [
            Row(
                cells=[
                    (label, self.display(obj, name))
                    for label, name in zip(labels, names, strict=True)
                ]
            )
            for obj in objects
        ]
        return ClientView(
            declaration=self, rows=rows, total=summary["total"], latest=summary.get("latest")
        )

    def shown_names(self, *, provided_only: bool = False) -> Sequence[str]:
        """The columns a person reads: what the page shows, or for portability the fields
        the person provided."""
        if provided_only:
            return self.provided_fields
        return self.shown_fields or self.fields

    def display_iter(self, client: Client, *, provided_only: bool = False) -> Iterator[list[str]]:
        """Rows as a person reads them (labels of choices, Oui/Non, local dates), read in
        chunks like `export_iter`; empty values are empty strings."""
        names = self.shown_names(provided_only=provided_only)
        qs = self.for_client(client).order_by(*self.ordering).select_related(*self._related())
        for obj in qs.iterator(chunk_size=1000):
            yield [_blank_dash(self.display(obj, name)) for name in names]

    def latest_field(self) -> str:
        if self.date_field:
            return self.date_field
        for name in (*(o.lstrip("-") for o in self.ordering), self.events.get("collection", "")):
            if not name or name == "pk":
                continue
            try:
                model_field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue  # a path across a relation, taken as it is
            if isinstance(model_field, models.DateField):  # DateTimeField included
                return name
        return ""

    def _related(self) -> list[str]:
        foreign_keys = [
            name
            for name in self.fields
            if getattr(self.model._meta.get_field(name), "many_to_one", False)
        ]
        return [*foreign_keys, *self.related]

    def field_label(self, name: str) -> StrOrPromise:
        if name in self.labels:
            return self.labels[name]
        return self.model._meta.get_field(name).verbose_name  # type: ignore[union-attr]

    def display(self, obj: models.Model, name: str) -> str:
        if name in self.row_formatters:
            return self.row_formatters[name](obj)
        if name in self.formatters:
            return self.formatters[name](getattr(obj, name))
        return _display_value(obj, name)

    # Erasure and purge.

    def erase(self, client: Client) -> int:
        """Erase this kind of data for one person. Returns the rows touched."""
        if self.erase_mode == "keep":
            return 0
        return self._apply(self.for_client(client), self._erase_action())

    def purge(
        self,
        *,
        event: str,
        cutoff: dt.datetime | dt.date,
        spare: QuerySet[Client],
        action: PurgeAction,
    ) -> int:
        """Apply `action`, in one statement, to every row whose `event` is before `cutoff`,
        sparing the clients in `spare` (legal hold, restriction, open request)."""
        try:
            date_field = self.events[event]
        except KeyError:
            raise ImproperlyConfigured(f"{self.key} cannot be counted from {event!r}") from None
        qs = self.queryset().filter(**{f"{date_field}__lt": cutoff})
        if self.client_path is not None:
            spare_path = self.client_path + "__in" if self.client_path else "pk__in"
            qs = qs.exclude(**{spare_path: spare})
        return self._apply(qs, action)

    def _erase_action(self) -> PurgeAction:
        if self.legal_obligation or self.erase_mode == "keep":
            return "archive"
        return self.erase_mode

    def apply_action(self, qs: QuerySet[Any], action: str) -> int:
        """Delete, anonymise or archive the rows of `qs` (one statement, plus files)."""
        return self._apply(qs, action)  # type: ignore[arg-type]

    def _apply(self, qs: QuerySet[Any], action: PurgeAction) -> int:
        if action == "anonymise":
            return qs.update(**self.anonymised)
        if action == "archive":
            return qs.update(**self.archived)
        with transaction.atomic():
            return self._delete(qs)

    def _delete(self, qs: QuerySet[Any]) -> int:
        _total, per_model = qs.delete()
        return per_model.get(self.model._meta.label, 0)

    def check(self) -> None:
        for name in self.shown_fields:
            if name not in self.fields and name not in self.labels:
                raise ImproperlyConfigured(f"{self.key}: shown field {name!r} needs a label")
        for name in (*self.fields, *self.provided_fields):
            try:
                self.model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(
                    f"{self.key}: {self.model} has no field {name!r}"
                ) from None
        if self.erase_mode == "keep" and not self.legal_obligation:
            raise ImproperlyConfigured(f"{self.key}: data kept after erasure must say why")
        if self.legal_obligation and self.erase_mode != "keep" and not self.archived:
            raise ImproperlyConfigured(f"{self.key}: data kept by law needs `archived` values")
        if self.erase_mode == "anonymise" and not self.anonymised:
            raise ImproperlyConfigured(f"{self.key}: anonymisation needs `anonymised` values")


def delete_files_on_commit(qs: QuerySet[Any], file_field: str = "file") -> None:
    """The files of the rows of `qs`, about to be deleted, are journalled in the same
    transaction and go once it commits (and stay if it is rolled back): portal/files.py."""
    from portal.files import files_delete_on_commit

    files_delete_on_commit(qs.exclude(**{file_field: ""}).values_list(file_field, flat=True))


@dataclass
class FilePersonalData(PersonalData):
    """Personal data with a file on disk: deleting a row deletes its file once committed."""

    file_field: str = "file"

    def _delete(self, qs: QuerySet[Any]) -> int:
        delete_files_on_commit(qs, self.file_field)
        return super()._delete(qs)


class Registry:
    def __init__(self) -> None:
        self._declarations: dict[str, PersonalData] = {}
        self._exempt: dict[type[models.Model], str] = {}

    def register(self, declaration: PersonalData) -> PersonalData:
        if declaration.key in self._declarations:
            raise ImproperlyConfigured(f"Personal data {declaration.key!r} is declared twice")
        declaration.check()
        self._declarations[declaration.key] = declaration
        return declaration

    def exempt(self, model: type[models.Model], *, reason: str) -> None:
        """Say that a model holds no personal data of its own, and why."""
        self._exempt[model] = reason

    def __iter__(self) -> Iterator[PersonalData]:
        return iter(self._declarations.values())

    def __len__(self) -> int:
        return len(self._declarations)

    def get(self, key: str) -> PersonalData:
        return self._declarations[key]

    def declared_models(self) -> set[type[models.Model]]:
        return {d.model for d in self}

    def exemptions(self) -> dict[type[models.Model], str]:
        return dict(self._exempt)

    def views_for(self, client: Client, *, limit: int = 20) -> list[ClientView]:
        return [d.view_for(client, limit=limit) for d in self]


registry = Registry()


def autodiscover() -> None:
    autodiscover_modules("privacy")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | PhoneNumber | Promise):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def who_text(kind: str) -> str:
    """Who wrote or did something, as the client it concerns reads it: "Vous", "Notre
    équipe", "Le portail, automatiquement"."""
    words = {
        "client": _("Vous"),
        "staff": _("Notre équipe"),
        "system": _("Le portail, automatiquement"),
    }
    return str(words.get(kind, "—"))


def _blank_dash(value: str) -> str:
    return "" if value == "—" else value


# Labels of choices and of Oui/Non, per field and language: an archive formats tens of
# thousands of cells, and Django's get_FOO_display rebuilds its lookup at every call.
_LABELS: dict[tuple[int, str | None], dict[Any, str]] = {}


def _labels(model_field: Any) -> dict[Any, str]:
    key = (id(model_field), translation.get_language())
    labels = _LABELS.get(key)
    if labels is None:
        if model_field is None:
            labels = {True: str(_("Oui")), False: str(_("Non"))}
        else:
            labels = {k: capfirst(str(v)) for k, v in model_field.flatchoices}
        _LABELS[key] = labels
    return labels


def _display_value(obj: models.Model, name: str) -> str:
    model_field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value in (None, ""):
        return "—"
    if getattr(model_field, "choices", None):
        return _labels(model_field).get(value, str(value))
    if isinstance(value, bool):
        return _labels(None)[value]
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, PhoneNumber):
        return str(value.as_national if value.country_code == 33 else value.as_international)
    if isinstance(value, models.Model):
        return str(value)
    return str(value)
