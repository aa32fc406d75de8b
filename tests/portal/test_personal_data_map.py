"""The map of personal data: every model holding personal data is declared, and the
declarations export, erase and purge what they say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Client, Document, User
from portal.personal_data import registry

SUBJECTS = {Client, User}


def _reaches_a_person(model: type[models.Model], depth: int = 3) -> bool:
    """Does this model point, through foreign keys, to a client or a login?"""
    if model in SUBJECTS:
        return True
    if depth == 0:
        return False
    for field in model._meta.get_fields():
        points = (field.many_to_one or field.one_to_one) and field.concrete
        if points and field.related_model and _reaches_a_person(field.related_model, depth - 1):
            return True
    return False


def test_every_model_is_declared_or_exempted_with_a_reason() -> None:
    declared = registry.declared_models()
    exempt = registry.exemptions()
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model not in declared and model not in exempt
    ]
    assert not missing, (
        f"These models have no declaration in a privacy.py: {missing}. Declare the personal "
        "data they hold, or exempt them with a reason."
    )


def test_no_model_pointing_to_a_person_is_exempted() -> None:
    wrongly_exempt = [m._meta.label for m in registry.exemptions() if _reaches_a_person(m)]
    assert not wrongly_exempt


def test_a_new_model_with_personal_data_fails_the_check() -> None:
    class Callback(models.Model):
        client = models.ForeignKey(Client, on_delete=models.CASCADE)
        phone = models.CharField(max_length=20)

        class Meta:
            app_label = "accounts"

        def __str__(self) -> str:
            return self.phone

    try:
        assert Callback not in registry.declared_models()
        assert _reaches_a_person(Callback)
    finally:
        apps.all_models["accounts"].pop("callback", None)
        apps.clear_cache()


def test_declarations_name_their_activity_and_categories() -> None:
    assert len(registry) >= 9
    for declaration in registry:
        assert declaration.activity
        assert declaration.categories
        assert str(declaration.label)


def test_invoices_are_kept_by_legal_obligation_and_other_documents_are_not() -> None:
    assert "L123-22" in str(registry.get("accounts.invoices").legal_obligation)
    assert not registry.get("accounts.documents").legal_obligation
    assert not registry.get("accounts.client_profile").legal_obligation


def test_export_walks_the_clients_data_only(alice, bob) -> None:
    profile = registry.get("accounts.client_profile").export(alice)
    assert profile == [pytest.approx(profile[0])]
    assert profile[0]["last_name"] == "Martin"
    assert profile[0]["phone"] == "+33612345678"
    documents = registry.get("accounts.documents").export(alice)
    assert [d["title"] for d in documents] == ["Devis liner"]
    invoices = registry.get("accounts.invoices").export(alice)
    assert [d["title"] for d in invoices] == ["Facture liner"]
    assert registry.get("accounts.login").export(alice) == [
        {
            "email": "alice@client.test",
            "date_joined": alice.user.date_joined.isoformat(),
            "last_login": None,
            "is_active": True,
        }
    ]


def test_portability_export_keeps_what_the_person_provided(alice) -> None:
    (row,) = registry.get("accounts.client_profile").export(alice, provided_only=True)
    assert "last_name" in row
    assert "status" not in row
    assert "customer_number" not in row


def test_erasure_deletes_documents_and_archives_invoices(
    alice, bob, django_capture_on_commit_callbacks
) -> None:
    quote = alice.documents.get(kind="quote")
    storage, name = quote.file.storage, quote.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert registry.get("accounts.documents").erase(alice) == 1
    assert not storage.exists(name)
    assert registry.get("accounts.invoices").erase(alice) == 1
    invoice = alice.documents.get()
    assert invoice.kind == "invoice"
    assert invoice.archived_at is not None
    assert bob.documents.count() == 1


def test_erasure_anonymises_the_profile_and_the_login(bob) -> None:
    registry.get("accounts.client_profile").erase(bob)
    registry.get("accounts.login").erase(bob)
    bob.refresh_from_db()
    bob.user.refresh_from_db()
    assert (bob.first_name, bob.email, str(bob.phone), bob.city) == ("", "", "", "")
    assert bob.last_name == "Client effacé"
    assert bob.customer_number
    assert bob.user.email == f"efface-{bob.user.pk}@invalid.example"
    assert not bob.user.is_active
    assert not bob.user.has_usable_password()


def test_erasure_keeps_the_name_an_archived_invoice_needs(alice) -> None:
    registry.get("accounts.client_profile").erase(alice)
    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name) == ("Alice", "Martin")  # named on her invoice
    assert (alice.email, str(alice.phone), alice.address_line1, alice.city) == ("", "", "", "")


def test_purge_is_one_statement_sparing_the_given_clients(
    alice, bob, django_assert_max_num_queries
) -> None:
    old = timezone.localdate() - dt.timedelta(days=4000)
    Document.objects.update(issued_on=old)
    declaration = registry.get("accounts.documents")
    spare = Client.objects.filter(pk=bob.pk)
    cutoff = timezone.localdate() - dt.timedelta(days=365 * 3)
    with django_assert_max_num_queries(6):
        touched = declaration.purge(
            event="document_date", cutoff=cutoff, spare=spare, action="delete"
        )
    assert touched == 1
    assert not alice.documents.filter(kind="quote").exists()
    assert bob.documents.exists()


def test_purge_counts_from_the_day_boundary(alice) -> None:
    declaration = registry.get("accounts.documents")
    cutoff = timezone.localdate() - dt.timedelta(days=10)
    # The factory dates documents exactly 10 days ago: not before the cutoff, so kept.
    assert (
        declaration.purge(
            event="document_date", cutoff=cutoff, spare=Client.objects.none(), action="delete"
        )
        == 0
    )
    assert (
        declaration.purge(
            event="document_date",
            cutoff=cutoff + dt.timedelta(days=1),
            spare=Client.objects.none(),
            action="delete",
        )
        == 1
    )


def test_settings_user_model_is_a_subject() -> None:
    assert apps.get_model(settings.AUTH_USER_MODEL) is User
