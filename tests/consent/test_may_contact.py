from __future__ import annotations

import datetime as dt
import html

import pytest
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Client
from consent.models import LegalBasis, Method, Purpose, Suppression
from consent.selectors import client_choices, client_suppressions, contactable, may_contact
from consent.services import suppression_add_client
from portal.audit import Actor
from portal.dates import add_months
from tests.consent.conftest import choose
from tests.factories import ClientFactory


def _soft_opt_in(key: str, since: dt.date = dt.date(2020, 1, 1)) -> Purpose:
    Purpose.objects.filter(key=key).update(
        legal_basis=LegalBasis.SOFT_OPT_IN, soft_opt_in_since=since
    )
    return Purpose.objects.get(key=key)


def _bought(client: Client, on: dt.date) -> None:
    Client.objects.filter(pk=client.pk).update(last_purchase_on=on)
    client.refresh_from_db()


def test_no_consent_no_contact(alice, email_purpose) -> None:
    assert not may_contact(alice, email_purpose)
    choose(alice, email_purpose, True)
    assert may_contact(alice, email_purpose)
    assert may_contact(alice, "marketing_email")
    choose(alice, email_purpose, False)
    assert not may_contact(alice, email_purpose)


def test_soft_opt_in_needs_a_recent_purchase_and_no_refusal(alice, bob) -> None:
    purpose = _soft_opt_in("marketing_email")
    today = timezone.localdate()
    _bought(alice, today - dt.timedelta(days=30))
    assert may_contact(alice, purpose)
    assert not may_contact(bob, purpose)  # an account is not a sale
    _bought(bob, add_months(today, -37))  # more than 3 years ago
    assert not may_contact(bob, purpose)
    choose(alice, purpose, False)
    assert not may_contact(alice, purpose)


def test_soft_opt_in_covers_only_purchases_since_it_was_enabled(alice) -> None:
    today = timezone.localdate()
    _bought(alice, today - dt.timedelta(days=30))
    assert not may_contact(
        alice, _soft_opt_in("marketing_email", since=today - dt.timedelta(days=10))
    )
    assert may_contact(alice, _soft_opt_in("marketing_email", since=today - dt.timedelta(days=40)))
    Purpose.objects.filter(key="marketing_email").update(soft_opt_in_since=None)
    assert not may_contact(alice, "marketing_email")


def test_soft_opt_in_never_covers_sharing_with_partners(alice) -> None:
    _bought(alice, timezone.localdate())
    assert not may_contact(alice, _soft_opt_in("partners"))


def test_the_switch_shows_soft_opt_in_as_on_and_one_click_turns_it_off(alice, alice_http) -> None:
    purpose = _soft_opt_in("marketing_email")
    _bought(alice, timezone.localdate())
    choice = next(c for c in client_choices(alice) if c.purpose.key == "marketing_email")
    assert (choice.granted, choice.soft_opt_in) == (True, True)
    page = alice_http.get("/espace-client/donnees-personnelles/").content.decode()
    assert "Activé parce que vous êtes client" in page
    alice_http.post("/espace-client/donnees-personnelles/choix/marketing_email/", {"granted": "0"})
    assert not may_contact(alice, purpose)


def test_restriction_stops_everything(alice, email_purpose) -> None:
    choose(alice, email_purpose, True)
    Client.objects.filter(pk=alice.pk).update(is_restricted=True)
    assert not may_contact(alice, email_purpose)


def test_an_objection_stops_even_a_consent_and_the_page_says_so(
    alice, alice_http, carol, email_purpose, sms_purpose
) -> None:
    choose(alice, email_purpose, True)
    choose(alice, sms_purpose, True)
    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=carol))
    assert not may_contact(alice, email_purpose)
    assert not may_contact(alice, sms_purpose)
    page = html.unescape(alice_http.get("/espace-client/donnees-personnelles/").content.decode())
    assert "liste d'opposition pour ce choix" in page


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


def test_every_withdrawal_lists_the_contact_for_that_purpose(alice) -> None:
    choose(alice, Purpose.objects.get(key="newsletter"), False)
    assert set(Suppression.objects.values_list("kind", "scope", "reason")) == {
        ("email", "newsletter", "withdrawal")
    }
    for purpose in Purpose.objects.exclude(key="newsletter"):
        choose(alice, purpose, False)
    everything = Suppression.objects.filter(scope="", reason="withdrawal_all")
    assert set(everything.values_list("kind", flat=True)) == {"email", "phone"}
    entry = everything.get(kind="email")
    assert (entry.expires_at - entry.created_at).days >= 3 * 365


@pytest.mark.parametrize("method", [Method.UNSUBSCRIBE_LINK, Method.PORTAL])
def test_a_contact_imported_again_after_one_unsubscribe_is_not_solicited(
    alice, carol, method
) -> None:
    purpose = _soft_opt_in("marketing_email")
    choose(alice, purpose, True)
    choose(alice, purpose, False, method=method)
    again = accounts.client_create(
        data={
            "last_name": "Martin",
            "email": "ALICE@client.test ",
            "last_purchase_on": timezone.localdate(),
        },
        by=Actor(user=carol),
    )
    assert not may_contact(again, purpose)
    assert {s.scope for s in client_suppressions(again)} == {"marketing_email"}
    # The same import without that opposition would be contactable: the test can fail.
    Suppression.objects.update(lifted_at=timezone.now())
    assert may_contact(again, purpose)


def test_a_new_consent_lifts_the_opposition_for_that_purpose_only(
    alice, carol, email_purpose
) -> None:
    suppression_add_client(client=alice, reason=Suppression.Reason.OBJECTION, by=Actor(user=carol))
    again = accounts.client_create(
        data={"last_name": "Martin", "email": "alice@client.test", "phone": "06 12 34 56 78"},
        by=Actor(user=carol),
    )
    choose(again, email_purpose, True, method=Method.PORTAL)
    assert may_contact(again, email_purpose)
    assert Suppression.objects.filter(kind="phone", lifted_at__isnull=True).exists()


def test_sharing_can_be_granted_again_after_withdrawing_everything(alice) -> None:
    for purpose in Purpose.objects.all():
        choose(alice, purpose, False)
    partners = Purpose.objects.get(key="partners")
    assert not may_contact(alice, partners)
    choose(alice, partners, True)
    assert may_contact(alice, partners)
