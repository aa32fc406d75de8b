"""Database helpers shared by the apps."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, migrations


def run_on_postgresql(sql: str, reverse_sql: str) -> migrations.RunPython:
    """A migration operation for PostgreSQL only (triggers); SQLite has no such guard.
    `%(schema)s` in `sql` stands for the schema the tables are in, for functions that must
    name it in their search_path (before pg_temp, never after it)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        if "%(schema)s" in sql:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("SELECT quote_ident(current_schema())")
                schema = cursor.fetchone()[0]
            schema_editor.execute(sql.replace("%(schema)s", schema), params=None)
        else:
            schema_editor.execute(sql, params=None)

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql, params=None)

    return migrations.RunPython(forward, backward)


@contextmanager
def process_lock(name: str) -> Iterator[bool]:
    """Hold a lock named `name` for as long as the block runs, on every machine that shares
    the database, and for no longer than this process lives: yields False when another
    process holds it. On PostgreSQL it is a session advisory lock on a connection of its
    own, which the server releases when that connection dies (a process killed with
    SIGKILL included). On SQLite, one machine by construction, it is a lock on a file
    beside the database, which the kernel releases with the process."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        holder = connection.copy()
        held = False
        try:
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                held = bool(cursor.fetchone()[0])
            yield held
        finally:
            try:
                if held:
                    # Released at once: the server ends a closed session only a moment later.
                    with holder.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            finally:
                holder.close()  # ends the session, and with it the lock in any case
        return
    path = Path(str(connection.settings_dict["NAME"]) + f".{name}.lock")
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
