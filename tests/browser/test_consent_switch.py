from __future__ import annotations

import pytest

from consent.models import ConsentRecord, ConsentState
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE = "/espace-client/donnees-personnelles/"


def test_the_switch_works_from_the_keyboard_without_reloading(page, live_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, live_server, "alice@client.test", PAGE)
    switch = page.get_by_role("switch", name="Offres et nouveautés par e-mail")
    expect(switch).to_have_attribute("aria-checked", "false")
    page.evaluate("window.__sameDocument = true")
    switch.focus()
    page.keyboard.press("Space")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(switch).to_contain_text("Activé")
    expect(page.locator("#purpose-marketing_email-status")).to_contain_text("Accordé le")
    expect(page.locator("#choix-annonce")).to_contain_text("vous recevrez")
    assert page.evaluate("window.__sameDocument") is True  # no reload
    page.keyboard.press("Enter")
    expect(switch).to_have_attribute("aria-checked", "false")
    assert list(ConsentRecord.objects.order_by("id").values_list("granted", flat=True)) == [
        True,
        False,
    ]
    assert ConsentState.objects.get(client=alice).granted is False


def test_the_switch_works_without_javascript(page_without_javascript, live_server, alice) -> None:
    from playwright.sync_api import expect

    page = page_without_javascript
    log_in(page, live_server, "alice@client.test", PAGE)
    page.get_by_role("switch", name="Offres et nouveautés par SMS").click()
    page.wait_for_url(f"**{PAGE}#choix")
    expect(page.get_by_role("switch", name="Offres et nouveautés par SMS")).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_text("vous recevrez « Offres et nouveautés par SMS »")).to_be_visible()
    assert ConsentState.objects.get(client=alice).granted is True


GEOMETRY = """() => [...document.querySelectorAll('button.switch')].map(button => {
    const box = el => el.getBoundingClientRect();
    const track = box(button.querySelector('.switch-track'));
    const knob = box(button.querySelector('.switch-thumb'));
    const word = box(button.querySelector('.switch-state'));
    const apart = (a, b) => a.right <= b.left || a.left >= b.right
        || a.bottom <= b.top || a.top >= b.bottom;
    return {
        name: button.getAttribute('aria-labelledby'),
        on: button.getAttribute('aria-checked') === 'true',
        word: button.querySelector('.switch-state').textContent.trim(),
        track: [track.width, track.height],
        button: [button.getBoundingClientRect().width, button.getBoundingClientRect().height],
        knob: knob.left - track.left,
        knobInTrack: knob.left >= track.left && knob.right <= track.right,
        knobClearOfWord: apart(knob, word),
        trackColour: getComputedStyle(button.querySelector('.switch-track')).backgroundColor,
    };
})"""


@pytest.mark.parametrize("javascript", [True, False])
def test_on_and_off_are_told_apart_at_a_glance(
    page, page_without_javascript, live_server, alice, javascript
) -> None:
    from consent.models import Purpose
    from tests.consent.conftest import choose

    choose(alice, Purpose.objects.get(key="marketing_email"), True)
    page = page if javascript else page_without_javascript
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        log_in(page, live_server, "alice@client.test", PAGE)
        switches = page.evaluate(GEOMETRY)
        on = [s for s in switches if s["on"]]
        off = [s for s in switches if not s["on"]]
        assert on
        assert off
        for switch in switches:
            assert switch["track"][0] >= 40, switch
            assert switch["track"][1] >= 20, switch
            assert switch["button"][1] >= 44, switch  # a touch target
            assert switch["knobInTrack"], switch
            assert switch["knobClearOfWord"], switch
            assert switch["word"] == ("Activé" if switch["on"] else "Désactivé")
        # The knob sits on the other side, and the track has another colour.
        assert min(s["knob"] for s in on) - max(s["knob"] for s in off) >= 15
        assert {s["trackColour"] for s in on}.isdisjoint({s["trackColour"] for s in off})
        page.context.clear_cookies()


def test_the_focused_switch_shows_a_ring(page, live_server, alice) -> None:
    log_in(page, live_server, "alice@client.test", PAGE)
    switch = page.get_by_role("switch", name="Offres et nouveautés par e-mail")
    switch.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = switch.evaluate(
        "b => [getComputedStyle(b).outlineStyle, parseFloat(getComputedStyle(b).outlineWidth)]"
    )
    assert ring[0] != "none"
    assert ring[1] >= 2


@pytest.mark.parametrize("javascript", [True, False])
def test_nothing_more_in_two_clicks(
    page, page_without_javascript, live_server, alice, javascript
) -> None:
    from playwright.sync_api import expect

    from consent.models import Purpose
    from tests.consent.conftest import choose

    for key in ("marketing_email", "newsletter"):
        choose(alice, Purpose.objects.get(key=key), True)
    page = page if javascript else page_without_javascript
    log_in(page, live_server, "alice@client.test", PAGE)
    page.get_by_role("link", name="Ne plus rien recevoir").click()
    expect(page.get_by_role("heading", name="Ne plus rien recevoir")).to_be_visible()
    expect(page.get_by_text("Lettre d'information")).to_be_visible()  # what is on, named
    assert ConsentState.objects.filter(client=alice, granted=True).count() == 2  # not yet
    page.get_by_role("button", name="Oui, ne plus rien recevoir").click()
    page.wait_for_url(f"**{PAGE}#choix")
    expect(page.get_by_text("vous ne recevrez plus aucune offre")).to_be_visible()
    for switch in page.get_by_role("switch").all():
        expect(switch).to_have_attribute("aria-checked", "false")
    assert not ConsentState.objects.filter(client=alice, granted=True).exists()
    methods = set(
        ConsentRecord.objects.filter(client=alice, granted=False).values_list("method", flat=True)
    )
    assert methods == {"portal"}
