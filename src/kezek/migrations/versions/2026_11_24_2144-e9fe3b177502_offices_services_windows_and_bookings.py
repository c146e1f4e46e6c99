"""offices, services, windows and bookings

Revision ID: e9fe3b177502
Revises:
Create Date: 2026-11-24 21:44:32.963927
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "e9fe3b177502"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("document_tail", sa.String(length=3), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("legal_stay_until", sa.Date(), nullable=True),
        sa.Column("created_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen")),
        sa.UniqueConstraint("document_hash", name=op.f("uq_citizen_document_hash")),
    )
    op.create_table(
        "network_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_revision")),
    )
    network_revision = sa.table("network_revision", sa.column("id"), sa.column("revision"))
    op.bulk_insert(network_revision, [{"id": 1, "revision": 0}])
    op.create_table(
        "office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("city", sa.JSON(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("calendar", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('embassy', 'consulate', 'migration_center', 'mobile_team')",
            name=op.f("ck_office_known_kind"),
        ),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 1 AND 240", name=op.f("ck_office_slot_minutes_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
        sa.UniqueConstraint("code", name=op.f("uq_office_code")),
    )
    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_service_positive_duration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("code", name=op.f("uq_service_code")),
    )
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=8), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pool", sa.String(length=500), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("cell_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('confirmed', 'cancelled', 'lapsed')", name=op.f("ck_booking_known_status")
        ),
        sa.CheckConstraint(
            "cells > 0 AND cell_minutes > 0 AND ends_at > starts_at",
            name=op.f("ck_booking_positive_span"),
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizen.id"], name=op.f("fk_booking_citizen_id_citizen")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_booking_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_booking_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_booking_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_booking_reference")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_office_starts_at", ["office_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            "uq_booking_one_active",
            ["citizen_id", "service_id"],
            unique=True,
            postgresql_where=sa.text("status = 'confirmed'"),
            sqlite_where=sa.text("status = 'confirmed'"),
        )

    op.create_table(
        "office_service",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_office_service_office_id_office"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_office_service_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office_id", "service_id", name=op.f("pk_office_service")),
    )
    op.create_table(
        "service_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=True),
        sa.Column("dedicated_group", sa.String(length=32), nullable=True),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_service_window_office_id_office"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_window")),
        sa.UniqueConstraint("office_id", "code", name=op.f("uq_service_window_office_id_code")),
    )
    op.create_table(
        "slot_cell",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("pool", sa.String(length=500), nullable=False),
        sa.Column("starts_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name=op.f("ck_slot_cell_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_slot_cell_office_id_office")
        ),
        sa.PrimaryKeyConstraint("office_id", "pool", "starts_at", name=op.f("pk_slot_cell")),
    )
    op.create_table(
        "window_service",
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_window_service_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["service_window.id"],
            name=op.f("fk_window_service_window_id_service_window"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("window_id", "service_id", name=op.f("pk_window_service")),
    )


def downgrade() -> None:
    op.drop_table("window_service")
    op.drop_table("slot_cell")
    op.drop_table("service_window")
    op.drop_table("office_service")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_booking_one_active",
            postgresql_where=sa.text("status = 'confirmed'"),
            sqlite_where=sa.text("status = 'confirmed'"),
        )
        batch_op.drop_index("ix_booking_office_starts_at")

    op.drop_table("booking")
    op.drop_table("service")
    op.drop_table("office")
    op.drop_table("network_revision")
    op.drop_table("citizen")
