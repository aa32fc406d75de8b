"""« Vos données personnelles » reads as a summary for a person: grouped by purpose, a count,
the latest date and how long each kind is kept, the rows one click away, and never a code
name, an enum value, a dictionary or a UTC timestamp."""

from __future__ import annotations

import html
import re

import pytest
from django.core.management import call_command

from accounts.data_page import held_data, kept_texts, rule_sentence
from accounts.models import Client, User
from dsar.letters import LETTER_LABELS
from dsar.models import RequestEvent
from portal.personal_data import registry
from retention.models import ProcessingActivity, RetentionRule
from tests.conftest import logged_in

URL = "/espace-client/donnees-personnelles/"
LETTERS_DIR = "templates/dsar/letters"


def _text(page: str) -> str:
    """What a reader sees: the page without its markup, scripts and attributes."""
    body = page.split("<main", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# What must never reach a client: the portal's own names for things.
CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\.[a-z_]+\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ENGLISH = re.compile(
    r"\b(received|acknowledgement|pending|sent|delivered|True|False|None|email|sms|"
    r"client_relationship|thread_reply|in_progress)\b"
)


@pytest.fixture
def demo(db) -> None:
    call_command("seed_demo", "--force", verbosity=0)


@pytest.mark.parametrize("who", ["alice@client.test", "bruno@client.test", "chantal@client.test"])
def test_no_code_name_enum_value_dict_or_utc_time_reaches_the_client(demo, who) -> None:
    page = logged_in(User.objects.get(email=who)).get(URL).content.decode()
    text = _text(page)
    assert not CODE_NAME.findall(text), CODE_NAME.findall(text)
    assert not ISO_TIME.findall(text)
    assert not ENGLISH.findall(text), ENGLISH.findall(text)
    assert "{'" not in text
    assert "\\n" not in text
    for declaration in registry:
        assert declaration.key not in page


def test_the_page_opens_on_a_summary_and_each_kind_on_demand(demo) -> None:
    alice = Client.objects.get(email="alice@client.test")
    page = logged_in(alice.user).get(URL).content.decode()
    summary = page.index('id="resume"')
    assert summary < page.index('id="choix"') < page.index('id="conservees"')
    assert "2 accords sur 4" in page
    assert "1 demande en cours" in page
    assert "réponse au plus tard le" in page
    assert "Qui a consulté vos données" in page[summary:]
    held = page[page.index('id="conservees"') :]
    # Every kind the client has data of is a closed <details>, its count in its summary line.
    assert held.count('<details class="data-kind">') == held_data(alice).kinds
    assert '<details class="data-kind" open' not in held
    assert "2 documents" in held
    assert "1 facture ou avoir" in held
    assert "Conservation : 10 ans après la date du document, puis effacement." in held
    assert "Conservation : aussi longtemps que « Vos conversations avec notre équipe »." in held
    assert "Base légale :" in held


def test_a_request_history_shows_french_labels_not_its_letter(demo) -> None:
    alice = Client.objects.get(email="alice@client.test")
    assert RequestEvent.objects.filter(request__client=alice, letter="acknowledgement").exists()
    text = _text(logged_in(alice.user).get(URL).content.decode())
    assert "Réception de votre demande" in text
    assert "Accusé de réception" in text
    assert "Nous avons reçu" not in text  # the letter itself is on the request's page


def test_sent_messages_show_their_subject_and_a_number_as_people_write_it(demo) -> None:
    alice = Client.objects.get(email="alice@client.test")
    text = _text(logged_in(alice.user).get(URL).content.decode())
    assert "Réponse à votre message « Robot nettoyeur qui ne monte plus aux parois »" in text
    assert "06 12 34 56 78" in text
    assert "+33612345678" not in text


def test_the_page_speaks_english_to_a_client_who_chose_it(demo) -> None:
    alice = Client.objects.get(email="alice@client.test")
    Client.objects.filter(pk=alice.pk).update(language="en")
    http = logged_in(alice.user)
    http.cookies["django_language"] = "en"
    text = _text(http.get(URL).content.decode())
    assert "Retention: 10 years after" in text
    assert "Acknowledgement of receipt" in text
    assert "2 documents" in text
    assert "Conservées" not in text
    assert not CODE_NAME.findall(text), CODE_NAME.findall(text)


def test_every_letter_has_a_label(settings) -> None:
    from pathlib import Path

    names = {
        path.name.removesuffix(".subject.txt")
        for path in (Path(settings.BASE_DIR) / LETTERS_DIR).glob("*.subject.txt")
    }
    assert names == set(LETTER_LABELS)


def test_retention_sentences_follow_the_rule_and_the_client_status(alice) -> None:
    activity = ProcessingActivity.objects.create(
        key="t", name="t", purposes="t", legal_basis="b", persons="t", data_categories="t"
    )

    def rule(**values):
        defaults = {
            "activity": activity,
            "data_kind": "accounts.client_profile",
            "label": "t",
            "duration": 3,
            "unit": "years",
            "event": "relationship_end",
            "action": "anonymise",
            "legal_reference": "t",
        }
        return RetentionRule(**{**defaults, **values})

    general = rule()
    prospects = rule(client_status=Client.Status.PROSPECT, event="last_contact", duration=1)
    at_once = rule(data_kind="dsar.archives", duration=0, event="expiry", action="delete")
    assert rule_sentence(general) == (
        "Conservation : 3 ans après la fin de la relation commerciale, puis anonymisation."
    )
    assert rule_sentence(prospects) == (
        "Conservation : 1 an après le dernier contact, puis anonymisation."
    )
    assert rule_sentence(at_once) == "Effacement dès l'échéance prévue."
    client_texts = kept_texts(alice, [general, prospects])
    assert client_texts["accounts.client_profile"] == [rule_sentence(general)]
    # What follows the client record says so; what the law keeps says the law's period.
    assert client_texts["accounts.login"] == [
        "Conservation : aussi longtemps que « Votre fiche client »."
    ]
    assert client_texts["dsar.requests"][0].startswith("Conservation imposée par la loi :")
    assert "5 ans" in client_texts["dsar.requests"][0]
    # A prospect reads the prospects' rule only: the general one speaks of a relationship
    # a prospect never had.
    alice.status = Client.Status.PROSPECT
    assert kept_texts(alice, [general, prospects])["accounts.client_profile"] == [
        rule_sentence(prospects)
    ]


def test_a_single_record_says_the_day_its_rule_comes(alice) -> None:
    import datetime as dt

    activity = ProcessingActivity.objects.create(
        key="t", name="t", purposes="t", legal_basis="b", persons="t", data_categories="t"
    )
    ended = RetentionRule(
        activity=activity,
        data_kind="accounts.client_profile",
        label="t",
        duration=3,
        unit="years",
        event="relationship_end",
        action="anonymise",
        legal_reference="t",
    )
    alice.relationship_ended_on = dt.date(2025, 1, 1)
    alice.save(update_fields=["relationship_ended_on"])
    texts = kept_texts(alice, [ended], single={"accounts.client_profile"})
    assert texts["accounts.client_profile"] == [
        "Conservation : 3 ans après la fin de la relation commerciale, puis anonymisation. "
        "Pour vous : à partir du 2 janvier 2028."
    ]
    # No end yet, no day; a kind of many rows gives none either.
    alice.relationship_ended_on = None
    alice.save(update_fields=["relationship_ended_on"])
    assert (
        "Pour vous"
        not in kept_texts(alice, [ended], single={"accounts.client_profile"})[
            "accounts.client_profile"
        ][0]
    )
    assert "Pour vous" not in kept_texts(alice, [ended])["accounts.client_profile"][0]


def test_summary_counts_and_latest_date_cost_one_query_per_kind(
    alice, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(2 * len(registry)):
        views = registry.views_for(alice)
    documents = next(v for v in views if v.declaration.key == "accounts.documents")
    assert documents.total == 1
    assert documents.count_text == "1 document"
    assert documents.latest is not None


def test_a_browser_is_named_as_a_person_knows_it() -> None:
    from accounts.user_agents import describe

    assert (
        describe(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/156.0.0.0 Safari/537.36"
        )
        == "Chrome sur Linux"
    )
    assert (
        describe(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
        )
        == "Safari sur iPhone"
    )
    assert (
        describe(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"
        )
        == "Edge sur Windows"
    )
    assert (
        describe(
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
        )
        == "Samsung Internet sur Android"
    )
    assert (
        describe(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"
        )
        == "Firefox sur macOS"
    )
    assert describe("curl/8.0") == "Navigateur inconnu"
    assert describe("") == "—"
