"""Ready for the field: service order, office phone, priority groups, the kiosk role, one
ticket per window, and the queue day that closes

Revision ID: 5c2e7a91d4f0
Revises: 4116ac48e179
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kezek.types

revision: str = "5c2e7a91d4f0"
down_revision: str | None = "4116ac48e179"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TICKET_STATUSES_BEFORE = (
    "('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'transferred')"
)
TICKET_STATUSES = (
    "('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'transferred', 'not_served')"
)
ROLES_BEFORE = "('admin', 'manager', 'clerk')"
ROLES = "('admin', 'manager', 'clerk', 'kiosk')"
AT_WINDOW = sa.text("status IN ('called', 'serving')")


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
    op.create_table(
        "priority_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("who", sa.JSON(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_group")),
        sa.UniqueConstraint("code", name=op.f("uq_priority_group_code")),
    )
    op.create_table(
        "queue_day_closure",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", kezek.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("not_served", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_queue_day_closure_office_id_office")
        ),
        sa.PrimaryKeyConstraint("office_id", "day", name=op.f("pk_queue_day_closure")),
    )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_user_known_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_user_known_role"), f"role IN {ROLES}")
    _settle_windows_with_two_tickets()
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ticket_known_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_ticket_known_status"), f"status IN {TICKET_STATUSES}"
        )
        batch_op.create_index(
            "uq_ticket_at_window",
            ["window_id"],
            unique=True,
            postgresql_where=AT_WINDOW,
            sqlite_where=AT_WINDOW,
        )


def _settle_windows_with_two_tickets() -> None:
    """Before one ticket per window is enforced: of the tickets a window holds, the latest
    called stays; an earlier one only called goes back in line, one being served is done."""
    later = (
        "EXISTS (SELECT 1 FROM ticket AS later WHERE later.window_id = ticket.window_id"
        " AND later.status IN ('called', 'serving')"
        " AND (later.called_at > ticket.called_at"
        " OR (later.called_at = ticket.called_at AND later.id > ticket.id)))"
    )
    for status, kind in (("called", "requeue"), ("serving", "finish")):
        # On the record, as every change of a ticket is: the log is only ever added to.
        op.execute(
            "INSERT INTO queue_event (ticket_id, office_id, kind, at, window_id, actor, detail)"
            f" SELECT id, office_id, '{kind}', CURRENT_TIMESTAMP, window_id, 'migration', '{{}}'"
            f" FROM ticket WHERE status = '{status}' AND {later}"
        )
    op.execute(
        "UPDATE ticket SET status = 'waiting', window_id = NULL"
        f" WHERE status = 'called' AND {later}"
    )
    op.execute(
        "UPDATE ticket SET status = 'done', ended_at = updated_at"
        f" WHERE status = 'serving' AND {later}"
    )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ticket_at_window", postgresql_where=AT_WINDOW, sqlite_where=AT_WINDOW
        )
        batch_op.drop_constraint(op.f("ck_ticket_known_status"), type_="check")
    op.execute("UPDATE ticket SET status = 'cancelled' WHERE status = 'not_served'")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_ticket_known_status"), f"status IN {TICKET_STATUSES_BEFORE}"
        )
    # A kiosk account has no role before this revision: it is kept, disabled, as a clerk.
    op.execute("UPDATE staff_user SET role = 'clerk', active = false WHERE role = 'kiosk'")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_user_known_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_staff_user_known_role"), f"role IN {ROLES_BEFORE}"
        )
    op.drop_table("queue_day_closure")
    op.drop_table("priority_group")
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_column("phone")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("position")
