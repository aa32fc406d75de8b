"""The scratch PostgreSQL databases the benchmarks build, dropped and recreated each run."""

from __future__ import annotations


def recreate_database(url: str, *, template: str | None = None) -> None:
    """Drop the database `url` names and create it again, empty or as a copy of `template`."""
    import psycopg

    server, name = url.rsplit("/", 1)
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
