"""office queue policy

Revision ID: c11c4425bf29
Revises: a603667ea98a
Create Date: 2026-11-24 23:20:15.882367
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c11c4425bf29"
down_revision: str | None = "a603667ea98a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Offices loaded before keep the default policy ({}) until the next network load.
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue_policy", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_column("queue_policy")
