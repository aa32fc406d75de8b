"""`make screens`: a screenshot of every public, client and staff page, as each demo persona,
at 1280 and 390 px wide, in screens/<persona>/<page>-<width>.png.

It builds a scratch SQLite database with the demo data (staff get an authenticator so that
the admin opens), serves the portal on a free port, and follows each persona's links from
their first page, as a person would. Look at the pictures of every page a change touches
before it lands.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screens"
WIDTHS = (1280, 390)
PASSWORDS = {"client": "Piscine-Demo-2026", "staff": "Equipe-Demo-2026!"}
PERSONAS = {
    "visiteur": (None, ["/", "/confidentialite/", "/contact/", "/cookies/", "/compte/login/"]),
    "alice": ("alice@client.test", ["/espace-client/", "/espace-client/donnees-personnelles/"]),
    "bruno": ("bruno@client.test", ["/espace-client/", "/espace-client/donnees-personnelles/"]),
    "chantal": ("chantal@client.test", ["/espace-client/"]),
    "gerant": ("gerant@entreprise.test", ["/admin/"]),
    "equipe": ("equipe@entreprise.test", ["/admin/"]),
    "dpo": ("dpo@entreprise.test", ["/admin/"]),
}
SCOPE = ("/espace-client/", "/compte/", "/admin/", "/confidentialite/", "/contact/", "/cookies/")
SKIP = re.compile(
    r"logout|/delete/|/history/|pieces-jointes|/archives/|/documents/[0-9a-f-]{36}/$|/export|\.(pdf|csv|zip|ods)$"
)
PAGES_PER_PERSONA = 60

ENROL = """
import json
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from accounts.models import User
secrets = {}
for user in User.objects.filter(is_staff=True):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    secrets[user.email] = secret
print(json.dumps(secrets))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(done.stderr[-2000:])
    return done.stdout


def _log_in(page, base: str, email: str, secrets: dict[str, str]) -> None:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    staff = email in secrets
    page.goto(f"{base}/compte/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORDS["staff" if staff else "client"])
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state()
    if staff:
        code = format_hotp_value(hotp_value(secrets[email], int(time.time()) // 30))
        page.fill("input[name=code]", code)
        page.get_by_role("button", name="Vérifier").click()
        page.wait_for_load_state()


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "accueil"


def _shoot(browser, base: str, persona: str, email: str | None, start: list[str], secrets) -> int:
    from playwright.sync_api import Error as PlaywrightError

    folder = OUT / persona
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Answer the cookie banner once, so that it does not cover every picture.
    page.goto(f"{base}/cookies/")
    page.get_by_role("button", name="Tout refuser").first.click()
    if email:
        _log_in(page, base, email, secrets)
    seen: set[str] = set()
    queue = list(start)
    while queue and len(seen) < PAGES_PER_PERSONA:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        try:
            response = page.goto(base + path)
        except PlaywrightError:
            continue
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(folder / f"{_slug(path)}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        for href in page.eval_on_selector_all(
            "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0].split("?")[0]
            if href.startswith(SCOPE) and href not in seen:
                queue.append(href)
    context.close()
    return len(seen)


def main() -> None:
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="portal-screens-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{scratch / 'demo.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "CACHE_DIR": str(scratch / "cache"),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "1",
    }
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    secrets = json.loads(_manage(env, "shell", "-c", ENROL).strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    shutil.rmtree(OUT, ignore_errors=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            for persona, (email, start) in PERSONAS.items():
                count = _shoot(browser, base, persona, email, start, secrets)
                print(f"{persona}: {count} pages, {count * len(WIDTHS)} pictures")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"Pictures in {OUT.relative_to(ROOT)}/<persona>/<page>-<width>.png")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    main()
