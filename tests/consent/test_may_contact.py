from __future__ import annotations

import datetime as dt

from accounts.models import Client
from consent.models import LegalBasis, Method, Purpose, Suppression
from consent.selectors import contactable, may_contact
from consent.services import suppression_add_client
from portal.audit import Actor
from tests.consent.conftest import choose
from tests.factories import ClientFactory


def test_no_consent_no_contact(alice, email_purpose) -> None:
    assert not may_contact(alice, email_purpose)
    choose(alice, email_purpose, True)
    assert may_contact(alice, email_purpose)
    assert may_contact(alice, "marketing_email")
    choose(alice, email_purpose, False)
    assert not may_contact(alice, email_purpose)


def test_soft_opt_in_needs_an_actual_purchase_and_no_objection(alice, bob, email_purpose) -> None:
    Purpose.objects.filter(pk=email_purpose.pk).update(legal_basis=LegalBasis.SOFT_OPT_IN)
    email_purpose.refresh_from_db()
    alice.last_purchase_on = dt.date(2026, 10, 1)
    alice.save()
    assert may_contact(alice, email_purpose)
    assert not may_contact(bob, email_purpose)  # an account is not a sale
    choose(alice, email_purpose, False)
    assert not may_contact(alice, email_purpose)


def test_soft_opt_in_never_covers_sharing_with_partners(alice) -> None:
    partners = Purpose.objects.get(key="partners")
    Purpose.objects.filter(pk=partners.pk).update(legal_basis=LegalBasis.SOFT_OPT_IN)
    partners.refresh_from_db()
    alice.last_purchase_on = dt.date(2026, 10, 1)
    alice.save()
    assert not may_contact(alice, partners)


def test_restriction_stops_everything(alice, email_purpose) -> None:
    choose(alice, email_purpose, True)
    Client.objects.filter(pk=alice.pk).update(is_restricted=True)
    assert not may_contact(alice, email_purpose)


def test_the_suppression_list_stops_even_a_consent(
    alice, carol, email_purpose, sms_purpose
) -> None:
    choose(alice, email_purpose, True)
    choose(alice, sms_purpose, True)
    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=carol))
    assert not may_contact(alice, email_purpose)
    assert not may_contact(alice, sms_purpose)


def test_a_channel_needs_its_address(alice, email_purpose) -> None:
    choose(alice, email_purpose, True)
    Client.objects.filter(pk=alice.pk).update(email="")
    assert not may_contact(alice, email_purpose)


def test_the_audience_is_one_sql_query(
    alice, bob, email_purpose, django_assert_num_queries
) -> None:
    choose(alice, email_purpose, True)
    choose(bob, email_purpose, True)
    choose(bob, email_purpose, False)
    others = [ClientFactory() for _ in range(3)]
    choose(others[0], email_purpose, True)
    audience = contactable(Client.objects.all(), email_purpose)
    with django_assert_num_queries(1):
        assert set(audience.values_list("pk", flat=True)) == {alice.pk, others[0].pk}


def test_withdrawing_every_purpose_lists_the_contact(alice) -> None:
    for purpose in Purpose.objects.all():
        choose(alice, purpose, False)
    kinds = set(Suppression.objects.filter(lifted_at__isnull=True).values_list("kind", flat=True))
    assert kinds == {"email", "phone"}
    entry = Suppression.objects.get(kind="email")
    assert entry.reason == "withdrawal_all"
    assert (entry.expires_at - entry.created_at).days >= 3 * 365


def test_a_reimported_contact_starts_with_marketing_off_and_a_new_consent_lifts_it(
    alice, carol, email_purpose
) -> None:
    from accounts import services

    choose(alice, email_purpose, True)
    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=carol))
    # The same person, imported again later under another record.
    again = services.client_create(
        data={
            "last_name": "Martin",
            "first_name": "Alice",
            "email": "ALICE@client.test ",
            "phone": "06 12 34 56 78",
        },
        by=Actor(user=carol),
    )
    assert again.email_digest == alice.email_digest
    assert not may_contact(again, email_purpose)
    assert not contactable(Client.objects.filter(pk=again.pk), "marketing_sms").exists()
    # Staff can see why.
    from consent.selectors import client_suppressions

    assert {s.reason for s in client_suppressions(again)} == {"objection"}
    # A new, active consent on a channel lifts the opposition for that channel only.
    choose(again, email_purpose, True, method=Method.FORM)
    assert may_contact(again, email_purpose)
    assert Suppression.objects.filter(kind="phone", lifted_at__isnull=True).exists()
