"""The oldest walk-ins of each group, by their own index

Revision ID: d4f6a8b0c2e1
Revises: c3d8a5e1f7b9
Create Date: 2026-12-06 05:00:00

Call-next reads the oldest waiting walk-ins of each priority group (and of a corridor's).
Through the index of all walk-ins, PostgreSQL read past the thousands not in the group, or
the whole table, on every call.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f6a8b0c2e1"
down_revision: str | None = "c3d8a5e1f7b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUP_WALK_INS = sa.text("status = 'waiting' AND appointment_at IS NULL AND \"group\" IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_ticket_group_walk_ins_in_line",
        "ticket",
        ["office_id", "day", "group", "arrived_at", "id"],
        postgresql_where=_GROUP_WALK_INS,
        sqlite_where=_GROUP_WALK_INS,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_group_walk_ins_in_line", table_name="ticket")
