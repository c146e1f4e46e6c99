"""Index citizens by phone, for the cap of active bookings per phone

Revision ID: ae992051ad69
Revises: a92c1907b364
Create Date: 2026-11-25 06:16:19.039915
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "ae992051ad69"
down_revision: str | None = "a92c1907b364"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citizen_phone"), ["phone"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_phone"))
