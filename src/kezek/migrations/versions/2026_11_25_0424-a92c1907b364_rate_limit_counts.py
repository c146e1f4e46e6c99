"""rate limit counts

Revision ID: a92c1907b364
Revises: b1d0d4c9bf81
Create Date: 2026-11-25 04:24:04.795432
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "a92c1907b364"
down_revision: str | None = "b1d0d4c9bf81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_count",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "window", name=op.f("pk_rate_count")),
    )
    with op.batch_alter_table("rate_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_count_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_count", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_count_expires_at"))

    op.drop_table("rate_count")
