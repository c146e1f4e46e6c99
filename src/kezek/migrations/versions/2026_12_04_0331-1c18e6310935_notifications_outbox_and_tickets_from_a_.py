"""The notifications' outbox, chosen channels, Telegram links and phone codes; tickets
taken from a phone

Revision ID: 1c18e6310935
Revises: 8d3f6b1c2a47
Create Date: 2026-12-04 03:31:25.287137
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "1c18e6310935"
down_revision: str | None = "8d3f6b1c2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_contact",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", "channel", name=op.f("pk_notify_contact")),
    )
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject_line", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("calendar", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('sms', 'telegram', 'email')", name=op.f("ck_notify_outbox_known_channel")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'dead', 'withdrawn')",
            name=op.f("ck_notify_outbox_known_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_notify_outbox_key")),
    )
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notify_outbox_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("status = 'queued'"),
            sqlite_where=sa.text("status = 'queued'"),
        )
        batch_op.create_index("ix_notify_outbox_subject", ["subject"], unique=False)

    op.create_table(
        "notify_phone_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("expires_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_phone_code")),
    )
    with op.batch_alter_table("notify_phone_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_phone_code_phone"), ["phone"], unique=False)

    op.create_table(
        "notify_telegram_link",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("expires_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chat_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_notify_telegram_link")),
    )
    with op.batch_alter_table("notify_telegram_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notify_telegram_link_subject"), ["subject"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notify_telegram_link_chat_id"), ["chat_id"], unique=False
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("remote", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=2), nullable=True))
        batch_op.add_column(
            sa.Column("checked_in_at", kezek.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("passed_over_at", kezek.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("near_told_at", kezek.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "uq_ticket_remote_phone",
            ["office_id", "day", "phone"],
            unique=True,
            postgresql_where=sa.text("remote"),
            sqlite_where=sa.text("remote"),
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ticket_remote_phone",
            postgresql_where=sa.text("remote"),
            sqlite_where=sa.text("remote"),
        )
        batch_op.drop_column("near_told_at")
        batch_op.drop_column("passed_over_at")
        batch_op.drop_column("checked_in_at")
        batch_op.drop_column("language")
        batch_op.drop_column("phone")
        batch_op.drop_column("remote")

    with op.batch_alter_table("notify_telegram_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_telegram_link_subject"))
        batch_op.drop_index(batch_op.f("ix_notify_telegram_link_chat_id"))

    op.drop_table("notify_telegram_link")
    with op.batch_alter_table("notify_phone_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_phone_code_phone"))

    op.drop_table("notify_phone_code")
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_outbox_subject")
        batch_op.drop_index(
            "ix_notify_outbox_due",
            postgresql_where=sa.text("status = 'queued'"),
            sqlite_where=sa.text("status = 'queued'"),
        )

    op.drop_table("notify_outbox")
    op.drop_table("notify_contact")
