"""service ticket prefix

Revision ID: 3b0647bdebce
Revises: e9fe3b177502
Create Date: 2026-11-24 22:55:20.371050
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b0647bdebce"
down_revision: str | None = "e9fe3b177502"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_prefix", sa.String(length=2), nullable=True))
    # A provisional prefix for services loaded before; the next network load sets the real one.
    op.execute("UPDATE service SET ticket_prefix = upper(substr(code, 1, 1))")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.alter_column("ticket_prefix", existing_type=sa.String(length=2), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("ticket_prefix")
