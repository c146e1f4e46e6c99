"""Scratch PostgreSQL databases for the tests and the benchmarks."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url


def admin_execute(admin_url: str, *statements: str) -> None:
    """Run ``statements`` one by one, outside a transaction, through ``admin_url``."""
    admin = make_url(admin_url)
    with psycopg.connect(
        host=admin.host,
        port=admin.port,
        user=admin.username,
        password=admin.password,
        dbname=admin.database,
        autocommit=True,
        connect_timeout=3,
    ) as connection:
        for statement in statements:
            connection.execute(statement)


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` through ``admin_url``; return the new database's URL."""
    admin_execute(
        admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)
