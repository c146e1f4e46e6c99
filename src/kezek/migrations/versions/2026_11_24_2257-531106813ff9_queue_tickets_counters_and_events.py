"""queue tickets, counters and events

Revision ID: 531106813ff9
Revises: 3b0647bdebce
Create Date: 2026-11-24 22:57:20.282417
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "531106813ff9"
down_revision: str | None = "3b0647bdebce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_counter",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=2), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_ticket_counter_office_id_office")
        ),
        sa.PrimaryKeyConstraint("office_id", "day", "prefix", name=op.f("pk_ticket_counter")),
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=2), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("arrived_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("appointment_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("called_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("transferred_from_id", sa.Integer(), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('walk_in', 'appointment')", name=op.f("ck_ticket_known_kind")),
        sa.CheckConstraint(
            "status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled',"
            " 'transferred')",
            name=op.f("ck_ticket_known_status"),
        ),
        sa.CheckConstraint("number > 0", name=op.f("ck_ticket_positive_number")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_ticket_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_ticket_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_ticket_service_id_service")
        ),
        sa.ForeignKeyConstraint(
            ["transferred_from_id"],
            ["ticket.id"],
            name=op.f("fk_ticket_transferred_from_id_ticket"),
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["service_window.id"], name=op.f("fk_ticket_window_id_service_window")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_ticket_booking_id")),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_waiting", ["office_id", "status", "service_id"], unique=False
        )
        batch_op.create_index(
            "uq_ticket_number", ["office_id", "day", "prefix", "number"], unique=True
        )

    op.create_table(
        "queue_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_queue_event_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_queue_event_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["service_window.id"],
            name=op.f("fk_queue_event_window_id_service_window"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_event")),
    )
    with op.batch_alter_table("queue_event", schema=None) as batch_op:
        batch_op.create_index("ix_queue_event_office_at", ["office_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_event", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_event_office_at")

    op.drop_table("queue_event")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("uq_ticket_number")
        batch_op.drop_index("ix_ticket_waiting")

    op.drop_table("ticket")
    op.drop_table("ticket_counter")
