"""Queue requests sent with an Idempotency-Key, and the ticket each acted on

Revision ID: 4116ac48e179
Revises: ae992051ad69
Create Date: 2026-11-25 06:28:53.703834
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "4116ac48e179"
down_revision: str | None = "ae992051ad69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_request",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_queue_request_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_queue_request")),
    )


def downgrade() -> None:
    op.drop_table("queue_request")
