from __future__ import annotations

import pytest

from consent.models import CookieChoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_cookie_but_necessary_ones_before_a_choice_and_refusing_is_one_click(
    page, live_server
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/contact/")
    banner = page.get_by_role("region", name="Vos choix de cookies")
    expect(banner).to_be_visible()
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert names <= {"csrftoken"}, names
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert all(src.startswith(live_server.url) for src in scripts)

    accept = banner.get_by_role("button", name="Tout accepter").bounding_box()
    refuse = banner.get_by_role("button", name="Tout refuser").bounding_box()
    assert abs(accept["height"] - refuse["height"]) < 1
    assert abs(accept["width"] - refuse["width"]) < 40

    banner.get_by_role("button", name="Tout refuser").click()
    expect(page.get_by_role("region", name="Vos choix de cookies")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/contact/")
    choice = CookieChoice.objects.get()
    assert (choice.functional, choice.audience, choice.advertising) == (False, False, False)
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert "cookie_consent" in names
    assert names <= {"csrftoken", "cookie_consent", "messages"}


def test_the_footer_link_reopens_the_choices(page, live_server) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/contact/")
    page.get_by_role("region", name="Vos choix de cookies").get_by_role(
        "button", name="Tout accepter"
    ).click()
    page.get_by_role("link", name="Cookies").click()
    expect(page.get_by_role("checkbox", name="Publicité")).to_be_checked()
    page.get_by_role("checkbox", name="Publicité").uncheck()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    assert CookieChoice.objects.latest("id").advertising is False
