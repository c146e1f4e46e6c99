"""Scratch PostgreSQL databases for the tests and the benchmarks."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` through ``admin_url``; return the new database's URL."""
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
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False)
