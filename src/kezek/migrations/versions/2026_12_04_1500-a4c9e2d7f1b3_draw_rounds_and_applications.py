"""Rounds whose places go by a verifiable draw, their applications, and draw bookings

Revision ID: a4c9e2d7f1b3
Revises: 6f2b8d41c3a7
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "a4c9e2d7f1b3"
down_revision: str | None = "6f2b8d41c3a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, kezek.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "draw_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("offices", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        _utc("opens_at"),
        _utc("closes_at"),
        _utc("draws_at"),
        sa.Column("urgent_before", sa.Date(), nullable=True),
        sa.Column("urgent_share", sa.Integer(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("groups_share", sa.Integer(), nullable=False),
        sa.Column("confirm_hours", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("seed_held_outside", sa.Boolean(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=True),
        sa.Column("places_sha256", sa.String(length=64), nullable=True),
        _utc("places_fixed_at", nullable=True),
        sa.Column("applications_sha256", sa.String(length=64), nullable=True),
        _utc("drawn_at", nullable=True),
        sa.Column("published", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.CheckConstraint(
            "urgent_share >= 0 AND groups_share >= 0 AND urgent_share + groups_share <= 100",
            name=op.f("ck_draw_round_shares_within_places"),
        ),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_draw_round_days_in_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_round")),
        sa.UniqueConstraint("code", name=op.f("uq_draw_round_code")),
    )
    op.create_table(
        "draw_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("document_tail", sa.String(length=3), nullable=False),
        sa.Column("entry_key", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("legal_stay_until", sa.Date(), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        _utc("confirm_by", nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        sa.CheckConstraint(
            "standing IN ('applied', 'offered', 'confirmed', 'waiting', 'lapsed', 'cancelled')",
            name=op.f("ck_draw_application_known_standing"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_draw_application_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["draw_round.id"], name=op.f("fk_draw_application_round_id_draw_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_application")),
        sa.UniqueConstraint("round_id", "document_hash", name="uq_draw_application_document"),
        sa.UniqueConstraint("round_id", "entry_key", name="uq_draw_application_entry"),
    )
    op.create_index(
        "ix_draw_application_round_standing",
        "draw_application",
        ["round_id", "standing", "position"],
    )
    op.create_index("ix_draw_application_booking", "draw_application", ["booking_id"])
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("round_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("moves_left", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("moves_left")
        batch.drop_column("round_code")
    op.drop_index("ix_draw_application_booking", table_name="draw_application")
    op.drop_index("ix_draw_application_round_standing", table_name="draw_application")
    op.drop_table("draw_application")
    op.drop_table("draw_round")
