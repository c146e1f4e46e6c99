"""Wrong passwords counted per account and address, and attempts counted while they are
checked: the lock moves from the account to the pair, so the account's own columns go

Revision ID: 8d3f6b1c2a47
Revises: 5c2e7a91d4f0
Create Date: 2026-12-03 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "8d3f6b1c2a47"
down_revision: str | None = "5c2e7a91d4f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        # Failures from before name no account: they still count against their address.
        batch_op.add_column(
            sa.Column("account_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("checked", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_index(
            "ix_sign_in_failure_account_address_at",
            ["account_hash", "address_hash", "at"],
            unique=False,
        )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins")


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locked_until", kezek.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failure_account_address_at")
        batch_op.drop_column("checked")
        batch_op.drop_column("account_hash")
