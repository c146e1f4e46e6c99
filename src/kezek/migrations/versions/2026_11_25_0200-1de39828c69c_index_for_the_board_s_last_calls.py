"""index for the board's last calls

Revision ID: 1de39828c69c
Revises: c11c4425bf29
Create Date: 2026-11-25 02:00:03.089450
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1de39828c69c"
down_revision: str | None = "c11c4425bf29"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_called", ["office_id", "day", "called_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_called")
