"""Files after a killed purge (issue: outside callers, files and the audit trail).

On PostgreSQL, N clients (default 50,000) with a consent record and a quote each, every quote
a real file on disk; 30 % of the clients are prospects past retention (anonymised) and 30 %
of the quotes are past retention (deleted with their files). The purge runs twice side by
side, on two identical copies of the database and of the files:
- the baseline, uninterrupted;
- runs killed with SIGKILL at several moments (by default from 1.5 to 5 seconds after
  the process starts: Django starts in about a second, the purge of 50,000 takes about 4),
  each then run again.
It prints, for each, the time, the rows left, and the files left on disk that no row names
(the orphans: target 0), and whether both copies end in the same state.

Usage: .venv/bin/python bench/purge_killed.py [--clients 50000] [--kill-after 1.5 2 2.5 3 5]
Scratch databases portal_bench_purge (built), portal_bench_killed and portal_bench_whole on
BENCH_PG (default postgres://postgres@127.0.0.1:5432), dropped and recreated each run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from purge import DB, PG, populate, rules, setup, state  # bench/purge.py, beside this script
from scratch import recreate_database

ROOT = Path(__file__).resolve().parent.parent
KILLED, WHOLE = "portal_bench_killed", "portal_bench_whole"


def write_files(media: Path) -> int:
    """Give every quote a file of its own, as an upload would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_document SET file = 'documents/bench/' || id || '.pdf' RETURNING id"
        )
        ids = [row[0] for row in cursor.fetchall()]
    folder = media / "documents" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    for pk in ids:
        (folder / f"{pk}.pdf").write_bytes(b"%PDF-1.4 bench")
    return len(ids)


def purge(database: str, media: Path, *, kill_after: float | None = None) -> tuple[float, bool]:
    """`manage.py purge_retention` in a process of its own; killed after `kill_after` s."""
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "PRIVATE_MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("REDIS_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "purge_retention"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=kill_after)
        killed = False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = True
    return time.perf_counter() - started, killed


def orphans(database: str, media: Path) -> int:
    import psycopg

    with psycopg.connect(f"{PG}/{database}") as connection:
        named = {row[0] for row in connection.execute("SELECT file FROM accounts_document")}
    on_disk = {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}
    return len(on_disk - named)


def pending_deletions(database: str) -> int:
    import psycopg

    with psycopg.connect(f"{PG}/{database}") as connection:
        row = connection.execute("SELECT count(*) FROM portal_filedeletion").fetchone()
    assert row is not None
    return int(row[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument(
        "--kill-after", type=float, nargs="+", default=[1.5, 2, 2.5, 3, 3.2, 3.4, 5]
    )
    args = parser.parse_args()
    setup()
    from django.db import connections

    scratch = Path(tempfile.mkdtemp(prefix="portal-bench-files-"))
    built = scratch / "built"
    try:
        populate(args.clients)
        rules()
        files = write_files(built)
        print(f"setup: {args.clients} clients, {files} quotes with a file each")
        connections.close_all()
        recreate_database(f"{PG}/{WHOLE}", template=DB)
        shutil.copytree(built, scratch / WHOLE, copy_function=os.link)
        whole, _ = purge(WHOLE, scratch / WHOLE)
        print(
            f"baseline, uninterrupted: {whole:.1f} s; end state {state(WHOLE)}; "
            f"orphan files {orphans(WHOLE, scratch / WHOLE)}"
        )
        for moment in args.kill_after:
            media = scratch / f"{KILLED}-{moment}"
            recreate_database(f"{PG}/{KILLED}", template=DB)
            shutil.copytree(built, media, copy_function=os.link)
            first, killed = purge(KILLED, media, kill_after=moment)
            left = orphans(KILLED, media)
            at_kill = state(KILLED)
            journal = pending_deletions(KILLED)
            again, _ = purge(KILLED, media)
            print(
                f"SIGKILL at {first:.1f} s ({'mid-run' if killed else 'too late: it had ended'}): "
                f"state {at_kill}, {journal} deletions in the journal, {left} files named by no "
                f"row; run again in {again:.1f} s: "
                f"orphan files {orphans(KILLED, media)} (target 0), same end state as the "
                f"uninterrupted run: {'yes' if state(KILLED) == state(WHOLE) else 'NO'}"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
