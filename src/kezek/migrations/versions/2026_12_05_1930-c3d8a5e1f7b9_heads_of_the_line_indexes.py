"""Indexes for the heads of the line: call-next reads no further than them

Revision ID: c3d8a5e1f7b9
Revises: b7e1c4f9a2d6
Create Date: 2026-12-05 19:30:00

Call-next reads the oldest waiting walk-ins (of all, of each group, from phones) and the
waiting appointments. Without these, a line of 5,000 was read whole on every call.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d8a5e1f7b9"
down_revision: str | None = "b7e1c4f9a2d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WALK_INS = sa.text("status = 'waiting' AND appointment_at IS NULL")
_APPOINTMENTS = sa.text("status = 'waiting' AND appointment_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_ticket_walk_ins_in_line",
        "ticket",
        ["office_id", "day", "arrived_at", "id"],
        postgresql_where=_WALK_INS,
        sqlite_where=_WALK_INS,
    )
    op.create_index(
        "ix_ticket_appointments_in_line",
        "ticket",
        ["office_id", "day", "appointment_at"],
        postgresql_where=_APPOINTMENTS,
        sqlite_where=_APPOINTMENTS,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_appointments_in_line", table_name="ticket")
    op.drop_index("ix_ticket_walk_ins_in_line", table_name="ticket")
