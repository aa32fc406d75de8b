"""Database helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import connection, migrations


def allow_in_transaction(setting: str, allowed: bool) -> None:
    """Turn a guard setting on or off for the current transaction only. The append-only
    triggers (audit trail, consent ledger) let an erasure's blanking through while it is on."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [setting, "on" if allowed else "off"])


def run_on_postgresql(sql: str, reverse_sql: str) -> migrations.RunPython:
    """A migration operation for PostgreSQL only (triggers); SQLite has no such guard."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql, params=None)

    return migrations.RunPython(forward, backward)
