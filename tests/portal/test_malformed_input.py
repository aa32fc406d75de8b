"""No input, however malformed, gets a 5xx: every URL of the client area, the public pages and
the admin is called with malformed path parameters, query parameters and form values, and every
admin action with malformed selections. A 400, a 404, a redirect or a form that re-renders with
its errors are all fine; a server error is not."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from tests.conftest import BrowserClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "abc",
    "-1",
    "99999999999999999999999",
    "notadate",
    "2026-13-45",
    "é\u202e\x00",
    "<script>alert(1)</script>",
    "x" * 5000,
]
BAD_PATH_VALUES = ["abc", "1-1-éééé", "0", "../../etc/passwd", "x" * 300, "%00"]
BAD_QUERY = ["page", "p", "o", "q", "next", "e", "all", "_changelist_filters"]
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', re.S)
# Pages that only send the visitor elsewhere, or that log them out.
SKIPPED = ("/compte/logout/", "/i18n/")


def _paths(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the portal outside the admin, as a pattern string."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not pattern.startswith("admin/"):
                yield from _paths(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern


def _fill(pattern: str, value: str) -> str:
    pattern = pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    filled = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), pattern)
    filled = re.sub(r"<(?:\w+:)?\w+>", value, filled)
    # Regex routes (allauth's) are filled the same way where they take a parameter.
    filled = re.sub(r"\(\?P<\w+>[^)]*\)", value, filled)
    return "/" + filled


def _no_server_error(http: BrowserClient, method: str, path: str, **kwargs: object) -> str:
    response = getattr(http, method)(path, **kwargs)
    # The health check answers 503 by design when beat or a worker is silent (none runs here).
    if path.startswith("/sante/") and response.status_code == 503:
        return ""
    assert response.status_code < 500, f"{method.upper()} {path[:120]} {kwargs!r:.200}"
    if response.status_code == 200 and not response.streaming:
        return response.content.decode(errors="replace")
    return ""


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
LINK = re.compile(r'href="(/[^"#?]*)"')


def _forms(page: str, path: str) -> list[tuple[str, set[str], set[str]]]:
    """Each POST form of a page: where it posts, its fields and its file fields."""
    forms = []
    for attributes, body in FORM.findall(page):
        if 'method="post"' not in attributes.lower():
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        target = html.unescape(action.group(1)) if action and action.group(1) else path
        files = set(re.findall(r'<input[^>]*type="file"[^>]*name="([^"]+)"', body))
        files |= set(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="file"', body))
        forms.append((target, set(FIELD.findall(body)) - {"csrfmiddlewaretoken"} - files, files))
    return forms


def _defaults(page: str) -> dict[str, str]:
    values = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            values.setdefault(name.group(1), html.unescape(value.group(1)) if value else "")
    return values


def _fuzz_page(http: BrowserClient, path: str) -> str:
    """Bad query parameters on the page, and bad values in each of its forms."""
    page = _no_server_error(http, "get", path)
    fields = sorted({*FIELD.findall(page), *BAD_QUERY} - {"csrfmiddlewaretoken"})
    for value in BAD_VALUES:
        _no_server_error(http, "get", path, data=dict.fromkeys(fields, value))
    for target, names, files in _forms(page, path):
        if any(target.startswith(skip) for skip in SKIPPED):
            continue
        for value in BAD_VALUES:
            _no_server_error(http, "post", target, data=dict.fromkeys(names, value))
        # One field wrong at a time, the others as the page filled them.
        defaults = _defaults(page)
        for name in names:
            for value in ("abc", "-1"):
                _no_server_error(http, "post", target, data={**defaults, name: value})
        # Files that are not what they say: a JPEG cut short, and text named .jpg.
        for content in (JPEG_HEAD, b"hello"):
            uploads = {
                name: SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
                for name in files
            }
            if uploads:
                data = {**dict.fromkeys(names, "abc"), **uploads}
                _no_server_error(http, "post", target, data=data)
    return page


def _crawl(http: BrowserClient, start: list[str], within: tuple[str, ...]) -> set[str]:
    """Every page reachable from `start` by the links of the pages, inside `within`."""
    seen: set[str] = set()
    queue = list(start)
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page = _fuzz_page(http, path)
        for link in LINK.findall(page):
            link = html.unescape(link)
            if link.startswith(within) and not link.startswith(SKIPPED) and link not in seen:
                queue.append(link)
    return seen


JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def _http(user: User) -> BrowserClient:
    http = BrowserClient(raise_request_exception=False)
    http.force_login(user)
    return http


@pytest.fixture
def demo() -> None:
    call_command("seed_demo", "--force", verbosity=0)


PUBLIC = ("/contact", "/cookies", "/confidentialite", "/desinscription", "/conserver", "/compte")


@pytest.mark.parametrize("who", ["alice@client.test", "bruno@client.test", None])
def test_the_client_area_and_public_pages_refuse_bad_input_cleanly(demo, who) -> None:
    http = (
        _http(User.objects.get(email=who)) if who else BrowserClient(raise_request_exception=False)
    )
    # Every page and form a person can reach by following links.
    start = ["/", "/espace-client/", "/espace-client/donnees-personnelles/", "/contact/"]
    seen = _crawl(http, start, ("/espace-client/", *PUBLIC))
    if who:
        assert len(seen) > 10, seen
    # Every route, with path parameters that name nothing or are not even well formed.
    for pattern in _paths():
        if any(_fill(pattern, "x").startswith(skip) for skip in SKIPPED):
            continue
        if "<" not in pattern and "(?P" not in pattern:
            if _fill(pattern, "") not in seen:
                _fuzz_page(http, _fill(pattern, ""))
            continue
        for value in BAD_PATH_VALUES:
            _no_server_error(http, "get", _fill(pattern, value))
            _no_server_error(http, "post", _fill(pattern, value), data={"x": "abc"})


def test_the_admin_refuses_bad_input_cleanly(demo) -> None:
    owner = UserFactory(email="proprietaire@entreprise.test", is_staff=True, is_superuser=True)
    TOTP.activate(owner, generate_totp_secret())
    http = _http(owner)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = f"/admin/{info[0]}/{info[1]}/"
        page = _no_server_error(http, "get", changelist)
        filters = set(re.findall(r'href="\?([a-z_]+(?:__[a-z]+)*)=', page))
        filters |= {f"{name}__exact" for name in ("id", "client__id", "pk")}
        filters |= {"at__gte", "at__lt", "created_at__gte", "o", "p", "q", "e"}
        for value in BAD_VALUES[:5]:
            _no_server_error(http, "get", changelist, data=dict.fromkeys(filters, value))
        for extra in _custom_urls(model_admin):
            for value in BAD_VALUES[:5]:
                _no_server_error(http, "get", extra, data=dict.fromkeys(filters, value))
        actions = re.findall(r'<option value="([a-z_]+)">', page)
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        for action in actions:
            for selected in ("abc", "-1", str(first or 1)):
                data = {"action": action, "_selected_action": selected, "index": "0"}
                form = _no_server_error(http, "post", changelist, data=data)
                # An action that asks for more: its own form, posted with bad values.
                names = set(FIELD.findall(form)) - {"csrfmiddlewaretoken", "action"}
                for value in BAD_VALUES[:5]:
                    bad = {**dict.fromkeys(names, value), **data, "apply": "1", "post": "yes"}
                    _no_server_error(http, "post", changelist, data=bad)
        if model_admin.has_add_permission(_request_of(owner)):
            add = _no_server_error(http, "get", f"{changelist}add/")
            names = set(FIELD.findall(add)) - {"csrfmiddlewaretoken"}
            for value in BAD_VALUES[:5]:
                _no_server_error(
                    http, "post", f"{changelist}add/", data=dict.fromkeys(names, value)
                )
        if first is not None:
            _fuzz_page(http, f"{changelist}{first}/change/")
        for value in BAD_PATH_VALUES:
            _no_server_error(http, "get", f"{changelist}{value}/change/")


def _custom_urls(model_admin: admin.ModelAdmin) -> list[str]:
    """The admin's own extra pages that take no parameter (exports, dashboards)."""
    standard = {"", "add/", "<path:object_id>/history/", "<path:object_id>/delete/"}
    standard |= {"<path:object_id>/change/", "<path:object_id>/", "autocomplete/"}
    info = (model_admin.model._meta.app_label, model_admin.model._meta.model_name)
    return [
        f"/admin/{info[0]}/{info[1]}/{pattern.pattern}"
        for pattern in model_admin.get_urls()
        if isinstance(pattern, URLPattern)
        and str(pattern.pattern) not in standard
        and "<" not in str(pattern.pattern)
    ]


def _request_of(user: User):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_the_values_named_in_the_review_get_a_clean_answer(alice_http, dana_http) -> None:
    switch = "/espace-client/donnees-personnelles/choix/marketing_email/"
    for wording in ("abc", "\u00b2", "\u0661", "-1", "1" * 30):  # ², an Arabic-Indic 1
        assert alice_http.post(switch, {"granted": "1", "wording": wording}).status_code == 400
    export = "/admin/consent/consentrecord/export/"
    for query in ({"client__id__exact": "abc"}, {"at__gte": "notadate"}):
        response = dana_http.get(export, query)
        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")
    assert dana_http.get(export).status_code == 200
    unsubscribe = BrowserClient(raise_request_exception=False).get("/desinscription/1-1-éééé/")
    assert unsubscribe.status_code == 404
