"""queue order in one indexed column (referrals.queue_key)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import avert.store.schema


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LATER = timedelta(days=36525)


def _utc(value):
    if value is None or isinstance(value, datetime):
        return None if value is None else value.replace(tzinfo=value.tzinfo or UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue_key", avert.store.schema.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index(batch_op.f("ix_referrals_is_open_clock_deadline"))
        batch_op.create_index(
            batch_op.f("ix_referrals_is_open_queue_key_id"),
            ["is_open", "queue_key", "id"],
            unique=False,
        )
    connection = op.get_bind()
    referrals = sa.table(
        "referrals",
        sa.column("id", sa.Integer),
        sa.column("received_at", sa.DateTime),
        sa.column("clock_deadline", sa.DateTime),
        sa.column("clock_stopped_at", sa.DateTime),
        sa.column("queue_key", avert.store.schema.UtcDateTime(timezone=True)),
    )
    rows = connection.execute(
        sa.select(
            referrals.c.id,
            referrals.c.received_at,
            referrals.c.clock_deadline,
            referrals.c.clock_stopped_at,
        )
    ).all()
    updates = []
    for row in rows:
        deadline, stopped = _utc(row.clock_deadline), _utc(row.clock_stopped_at)
        key = (
            deadline if deadline is not None and stopped is None else _utc(row.received_at) + LATER
        )
        updates.append({"rid": row.id, "key": key})
    if updates:
        connection.execute(
            referrals.update()
            .where(referrals.c.id == sa.bindparam("rid"))
            .values(queue_key=sa.bindparam("key")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_is_open_queue_key_id"))
        batch_op.create_index(
            batch_op.f("ix_referrals_is_open_clock_deadline"),
            ["is_open", "clock_deadline"],
            unique=False,
        )
        batch_op.drop_column("queue_key")
