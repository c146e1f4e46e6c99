"""When a booking's next reminder is due: the reminders are written then, not at booking

Revision ID: 6f2b8d41c3a7
Revises: 1c18e6310935
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "6f2b8d41c3a7"
down_revision: str | None = "1c18e6310935"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.add_column(
            sa.Column("remind_at", kezek.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("remind_at")
