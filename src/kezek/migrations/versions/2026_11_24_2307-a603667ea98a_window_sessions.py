"""window sessions

Revision ID: a603667ea98a
Revises: 7fd68c90d975
Create Date: 2026-11-24 23:07:40.089013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "a603667ea98a"
down_revision: str | None = "7fd68c90d975"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "window_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", kezek.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'paused', 'closed')", name=op.f("ck_window_session_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_window_session_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_window_session_staff_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["service_window.id"],
            name=op.f("fk_window_session_window_id_service_window"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_window_session")),
    )
    with op.batch_alter_table("window_session", schema=None) as batch_op:
        batch_op.create_index(
            "uq_window_session_current",
            ["window_id"],
            unique=True,
            postgresql_where=sa.text("status <> 'closed'"),
            sqlite_where=sa.text("status <> 'closed'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("window_session", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_window_session_current",
            postgresql_where=sa.text("status <> 'closed'"),
            sqlite_where=sa.text("status <> 'closed'"),
        )

    op.drop_table("window_session")
