"""Shared pieces of the benchmarks: scratch PostgreSQL databases and the kezek command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

# The benchmarks start the server the way the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.postgres import recreate_database
from tests.server import running_server as served

__all__ = ["served"]

ADMIN_URL = os.environ.get(
    "KEZEK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def fresh_database(name: str) -> str:
    return recreate_database(ADMIN_URL, name)


def libpq_args(url: str) -> list[str]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    if parsed.username:
        args += ["-U", parsed.username]
    return [*args, parsed.database or ""]


def kezek(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "kezek", *args],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]
