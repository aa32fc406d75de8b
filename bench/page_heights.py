"""Client page heights (issue: the client's side as a French client meets it).

For each demo client (alice, bruno, chantal), the height at 1280 px of every client page it
reaches by its links, and whether any scrolls sideways at 390 px, in the portal as it is
and at a baseline revision, measured in the same run on the same demo data.

Usage: .venv/bin/python bench/page_heights.py [BASELINE_REVISION]
The baseline defaults to 9d74dd6, the portal before the client pages were reworked.
Each revision runs from its own git worktree, on a scratch SQLite database.
"""

from __future__ import annotations

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
BASELINE = sys.argv[1] if len(sys.argv) > 1 else "9d74dd6"
PERSONAS = ("alice@client.test", "bruno@client.test", "chantal@client.test")
PASSWORD = "Piscine-Demo-2026"
START = ["/espace-client/", "/espace-client/donnees-personnelles/", "/compte/sessions/"]
SCOPE = ("/espace-client/", "/compte/")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}")
SKIP = re.compile(r"logout|pieces-jointes|/archives/|/documents/[0-9a-f-]{36}/$|/delete/")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(tree: Path, scratch: Path) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{scratch / 'demo.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "CACHE_DIR": str(scratch / "cache"),
        "DEBUG": "1",
    }
    env.pop("REDIS_URL", None)
    for args in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=tree, env=env, check=True, capture_output=True
        )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def _measure(browser, base: str, email: str) -> tuple[dict[str, int], list[str], int]:
    """Heights at 1280 px of the pages the client reaches; pages wider than a phone."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/cookies/")
    page.get_by_role("button", name="Tout refuser").first.click()
    page.goto(f"{base}/compte/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace-client/")
    heights: dict[str, int] = {}
    seen: set[str] = set()
    wide: list[str] = []
    checks = 0
    queue = list(START)
    while queue and len(seen) < 40:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = page.goto(base + path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        page.set_viewport_size({"width": 1280, "height": 900})
        # A thread's or a request's address differs between databases: the pattern is kept.
        heights[UUID.sub("<id>", path)] = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 390, "height": 844})
        checks += 1
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            wide.append(path)
        page.set_viewport_size({"width": 1280, "height": 900})
        for href in page.eval_on_selector_all(
            "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0].split("?")[0]
            if href.startswith(SCOPE) and href not in seen:
                queue.append(href)
    context.close()
    return heights, wide, checks


def _run(tree: Path, browser) -> dict[str, tuple[dict[str, int], list[str], int]]:
    scratch = Path(tempfile.mkdtemp(prefix="portal-heights-"))
    server, base = _serve(tree, scratch)
    try:
        return {email: _measure(browser, base, email) for email in PERSONAS}
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    worktree = Path(tempfile.mkdtemp(prefix="portal-baseline-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--force", str(worktree), BASELINE],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
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
            before = _run(worktree, browser)
            after = _run(ROOT, browser)
            browser.close()
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT)
    for email in PERSONAS:
        (old, old_wide, _), (new, new_wide, checks) = before[email], after[email]
        print(f"\n{email}: height at 1280 px, baseline {BASELINE} → now")
        for path in sorted(set(old) | set(new)):
            was = f"{old[path]:>6,}" if path in old else "     —"
            now = f"{new[path]:>6,}" if path in new else "     —"
            print(f"  {path:<62} {was} → {now}")
        print(
            f"  wider than 390 px: baseline {len(old_wide)} {old_wide or ''}, "
            f"now {len(new_wide)} {new_wide or ''} ({checks} pages checked)"
        )


if __name__ == "__main__":
    main()
