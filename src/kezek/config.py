"""Settings from the environment (prefix ``KEZEK_``), with secrets also readable from ``*_FILE``."""

from __future__ import annotations

import logging
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

VAR_DIR = Path("var")
SECRET_FIELDS = (
    "secret_key",
    "database_url",
    "sms_auth",
    "telegram_bot_token",
    "telegram_webhook_secret",
    "smtp_password",
)


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
    http_max_header_bytes: int = Field(
        default=32 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="The largest request head (request line and headers); larger: 431.",
    )
    http_header_timeout_seconds: float = Field(
        default=15,
        gt=0,
        le=300,
        description="How long a client may take to send a request's head; slower: 408.",
    )
    http_body_timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=3600,
        description="How long a client may take to send a request's body; slower: 408.",
    )
    http_max_connections: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Connections one server process serves at once; one more request: 503.",
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
    line_process_from: int = Field(
        default=1000,
        ge=0,
        description="On PostgreSQL, a line with this many waiting at its last work is worked out "
        "by a process beside the web worker, which then only waits for it; 0: always by the "
        "worker itself",
    )
    idempotency_keep_hours: int = Field(
        default=48,
        ge=1,
        le=24 * 90,
        description="How long an Idempotency-Key is remembered: a retry within it acts once. "
        "Older keys, spent rate-limit counts and expired sign-ins are purged.",
    )
    purge_every_seconds: float = Field(
        default=3600,
        ge=0,
        le=7 * 86400,
        description="How often each server process purges; 0: never (`kezek db purge` still "
        "does it, from cron for instance).",
    )
    kiosk_receipt_seconds: int = Field(
        default=60, ge=1, le=600, description="How long the kiosk shows a receipt."
    )
    sign_in_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Passwords one server process checks at once (argon2id: 64 MiB each).",
    )
    sign_in_wait_seconds: float = Field(
        default=10,
        gt=0,
        le=120,
        description="How long a sign-in waits for its turn before it is told to try again.",
    )
    sign_in_office_networks: str = Field(
        default="",
        description="The offices' own networks (addresses, CIDR ranges): many clerks sign in "
        "from one address there, so twenty wrong passwords from it refuse nobody else; each "
        "username still locks after five.",
    )
    trusted_proxies: str = Field(
        default="",
        description="The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are "
        "believed: addresses and CIDR ranges, comma-separated (127.0.0.1, 10.0.0.0/8). "
        "Empty: none, and the connecting address is the client's.",
    )
    metrics_allow: str = Field(
        default="127.0.0.1, ::1",
        description="Addresses and CIDR ranges that may read /metrics (Prometheus). "
        "Empty: only with KEZEK_METRICS_TOKEN.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="A bearer token that reads /metrics from anywhere "
        "(Authorization: Bearer <token>).",
    )
    hsts_seconds: int = Field(
        default=365 * 24 * 3600,
        ge=0,
        description="In production, how long browsers reach the site over HTTPS only "
        "(Strict-Transport-Security). 0: no such header.",
    )
    board_streams_max: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="Board event streams one server process holds; one more gets 503.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address citizens open Kezek at; the links in messages start with it.",
    )
    verify_phones: bool = Field(
        default=False,
        description="Every office needs a phone confirmed by a one-time code before a "
        "booking (an office can also ask for it alone, in its [offices.queue] verify_phone).",
    )
    sms_url: str = Field(
        default="",
        description="The SMS gateway's HTTP endpoint (POST). Empty: no SMS is sent.",
    )
    sms_auth: SecretStr | None = Field(
        default=None,
        description="Sent as the Authorization header to the SMS gateway (Bearer xyz, Basic ...).",
    )
    sms_body: str = Field(
        default='{"to": "{to}", "text": "{text}", "from": "{sender}"}',
        description="The JSON body sent to the gateway; {to}, {text}, {sender} and {key} "
        "are filled in (JSON-escaped).",
    )
    sms_sender: str = Field(default="Kezek", max_length=11)
    telegram_bot_token: SecretStr | None = Field(
        default=None, description="The bot's token from @BotFather. Empty: no Telegram."
    )
    telegram_bot_username: str = Field(
        default="", description="The bot's @name, for the t.me links and QR codes."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="The Bot API's address (a local Bot API server, or a test's).",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Telegram sends it as X-Telegram-Bot-Api-Secret-Token to "
        "/telegram/webhook; without it the webhook is refused.",
    )
    smtp_host: str = Field(default="", description="SMTP server. Empty: no e-mail is sent.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr | None = None
    smtp_tls: str = Field(
        default="starttls", pattern="^(starttls|ssl|none)$", description="starttls, ssl or none"
    )
    mail_from: str = Field(default="Kezek <no-reply@kezek.invalid>")
    notify_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Tries before a message becomes a dead letter."
    )
    notify_retry_seconds: float = Field(
        default=30, gt=0, le=3600, description="The first retry's delay; it doubles each try."
    )
    notify_batch: int = Field(default=50, ge=1, le=1000)
    notify_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    notify_send_timeout_seconds: float = Field(default=10, gt=0, le=120)
    notify_keep_days: int = Field(
        default=30, ge=1, le=3650, description="Sent and dead messages older than this are purged."
    )
    notify_sms_per_second: float = Field(
        default=20, ge=0, description="Messages a second, over all relays together; 0: no limit."
    )
    notify_telegram_per_second: float = Field(default=25, ge=0)
    notify_email_per_second: float = Field(default=10, ge=0)
    reminder_day_before_hour: int = Field(
        default=18, ge=0, le=23, description="Local hour of the reminder the day before."
    )
    reminder_before_minutes: int = Field(
        default=120, ge=0, le=24 * 60, description="A reminder this long before; 0: none."
    )
    quiet_hours: str = Field(
        default="21-8",
        pattern=r"^([01]?\d|2[0-3])-([01]?\d|2[0-3])$|^$",
        description="Local hours when nothing non-urgent is sent (21-8); empty: none.",
    )
    ticket_near_people: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Tell a ticket's holder when this many are before them.",
    )
    limit_phone_codes_per_phone_hour: int = Field(default=5, ge=0)
    limit_phone_codes_per_address_hour: int = Field(default=30, ge=0)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_pool_warm: bool = Field(
        default=True,
        description="On PostgreSQL, each server worker opens its pool's connections as it "
        "starts, in the background, rather than in its first rush of requests, where each new "
        "connection is a new database process to start",
    )
    db_max_overflow: int = Field(default=20, ge=0, le=500)
    db_statement_timeout_ms: int = Field(default=5000, ge=100)

    @field_validator("trusted_proxies", "metrics_allow", "sign_in_office_networks")
    @classmethod
    def _addresses(cls, value: str, info: ValidationInfo) -> str:
        try:
            networks(value)
        except ValueError as exc:
            variable = f"KEZEK_{str(info.field_name).upper()}"
            raise ValueError(
                f"{variable}: {exc}. Write addresses or CIDR ranges separated by commas, "
                "such as 127.0.0.1, 10.0.0.0/8"
            ) from None
        return value

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


def networks(text: str) -> list[IPv4Network | IPv6Network]:
    """Comma-separated addresses and CIDR ranges; a bare address is a range of one."""
    return [ip_network(item.strip(), strict=False) for item in text.split(",") if item.strip()]


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
