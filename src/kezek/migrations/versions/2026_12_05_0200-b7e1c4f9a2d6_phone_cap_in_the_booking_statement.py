"""The phone cap's locks and count as a function the one-statement booking calls

Revision ID: b7e1c4f9a2d6
Revises: a4c9e2d7f1b3
Create Date: 2026-12-05 02:00:00

PostgreSQL only. A single statement sees the database as it was when the statement began,
so it cannot count the phone's bookings after waiting for the phone's lock: the count
would miss what the lock's previous holder committed meanwhile. A VOLATILE function takes
a fresh snapshot for each query it runs, so the count inside it, after the locks, sees
every booking committed before them. The locks are the transaction's, so a booking in
autocommit holds them only while its statement runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "b7e1c4f9a2d6"
down_revision: str | None = "a4c9e2d7f1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CREATE = """
CREATE FUNCTION kezek_phone_bookings(
    first_lock bigint, second_lock bigint, for_phone varchar, for_document varchar,
    retry_key varchar, since timestamptz
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(first_lock);
    PERFORM pg_advisory_xact_lock(second_lock);
    RETURN (
        SELECT coalesce(sum((
            SELECT count(*) FROM booking
            WHERE booking.citizen_id = who.id
              AND booking.status = 'confirmed' AND booking.ends_at >= since
              AND (retry_key IS NULL OR booking.idempotency_key IS NULL
                   OR booking.idempotency_key <> retry_key)
        )), 0)
        FROM (
            SELECT id FROM citizen WHERE phone = for_phone
            UNION
            SELECT id FROM citizen WHERE document_hash = for_document
        ) AS who
    );
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION kezek_phone_bookings(bigint, bigint, varchar, varchar, varchar, "
            "timestamptz)"
        )
