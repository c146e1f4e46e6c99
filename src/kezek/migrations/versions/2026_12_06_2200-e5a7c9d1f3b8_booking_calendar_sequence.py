"""A booking's calendar entry's SEQUENCE: a moved or cancelled booking changes its entry

Revision ID: e5a7c9d1f3b8
Revises: d4f6a8b0c2e1
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a7c9d1f3b8"
down_revision: str | None = "d4f6a8b0c2e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every booking made so far was sent as its first entry: 0. The default also fills it
    # for the booking statement, which names its columns.
    with op.batch_alter_table("booking") as batch:
        batch.add_column(
            sa.Column("calendar_sequence", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("calendar_sequence")
