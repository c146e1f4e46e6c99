"""Settings from the environment (prefix ``KEZEK_``), with secrets also readable from ``*_FILE``."""

from __future__ import annotations

import logging
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

VAR_DIR = Path("var")
SECRET_FIELDS = ("secret_key", "database_url")


class Environment(StrEnum):
    development = "development"
    production = "production"


class SettingsError(RuntimeError):
    """The settings cannot be used; the message names the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEZEK_", extra="ignore")

    environment: Environment = Environment.development
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means SQLite at var/kezek.db.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Keys document-number hashes. Changing it orphans stored hashes.",
    )
    var_dir: Path = VAR_DIR
    redis_url: str = Field(
        default="",
        description="Redis for the rate limits, shared by every worker (redis://host:6379/0). "
        "Empty: the database keeps the counts.",
    )
    # Generous per address: many people share one mobile-network address. Tight per document.
    limit_bookings_per_address_hour: int = Field(default=300, ge=0)
    limit_bookings_per_document_day: int = Field(default=10, ge=0)
    limit_lookups_per_address_10min: int = Field(default=100, ge=0)
    limit_lookups_per_document_hour: int = Field(default=20, ge=0)
    limit_bookings_per_phone: int = Field(
        default=4,
        ge=0,
        description="Active bookings one phone number may hold (a family shares a phone; "
        "a tout gives one number for many documents). 0: no cap.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        le=10_000_000,
        description="The largest request body accepted (a network file upload: 2 MB).",
    )
    json_logs: bool = Field(
        default=True,
        description="Log one JSON object a line, with the request id. Off: Python's default.",
    )
    plan_dir: Path | None = Field(
        default=None,
        description="Where `kezek plan --out` wrote the campaign's plan for the managers' "
        "dashboard. Empty means var/plan.",
    )
    booking_horizon_days: int = Field(default=60, ge=1, le=366)
    min_notice_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    max_availability_days: int = Field(default=31, ge=1, le=366)
    booking_one_statement: bool = Field(
        default=True,
        description="On PostgreSQL, book a service of one window pool in one SQL statement; "
        "false sends every booking through the general transaction (for tests and diagnosis)",
    )
    network_refresh_seconds: float = Field(
        default=1.0,
        ge=0,
        le=300,
        description="How long a server process trusts its copy of the network before checking.",
    )
    queue_close_days: bool = Field(
        default=True,
        description="Close each office's line at its closing time: tickets still waiting "
        "become 'not served today'. Off for tests that play a day on their own clock.",
    )
    queue_close_check_seconds: float = Field(default=60, ge=1, le=3600)
    kiosk_receipt_seconds: int = Field(
        default=60, ge=1, le=600, description="How long the kiosk shows a receipt."
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=20, ge=0, le=500)
    db_statement_timeout_ms: int = Field(default=5000, ge=100)

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        """``KEZEK_SECRET_KEY_FILE=/run/secrets/key`` fills ``secret_key`` (secret mounts)."""
        if not isinstance(data, dict):
            return data
        for name in SECRET_FIELDS:
            path = os.environ.get(f"KEZEK_{name.upper()}_FILE")
            if path and not data.get(name):
                try:
                    data[name] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ValueError(
                        f"KEZEK_{name.upper()}_FILE={path} cannot be read ({exc.strerror}); "
                        "point it at a readable file"
                    ) from exc
        return data

    @property
    def campaign_plan_dir(self) -> Path:
        return self.plan_dir or self.var_dir / "plan"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'kezek.db').resolve()}"

    def secret_bytes(self) -> bytes:
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value().encode()
        if self.environment is Environment.production:
            raise SettingsError(
                "KEZEK_SECRET_KEY is not set. Production refuses to start without it: set "
                "KEZEK_SECRET_KEY or KEZEK_SECRET_KEY_FILE to a random string of 32+ characters."
            )
        return _development_secret(self.var_dir)


def _development_secret(var_dir: Path) -> bytes:
    """Generate once and keep, so that document hashes stay valid across restarts."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        draft = var_dir / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            # link() refuses to replace: when several workers start at once, the first one wins.
            os.link(draft, path)
            log.warning(
                "KEZEK_SECRET_KEY is not set: generated a development secret in %s. "
                "Set KEZEK_SECRET_KEY in production.",
                path,
            )
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
