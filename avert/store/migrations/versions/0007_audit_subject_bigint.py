"""audit subjects hold any person id: 64-bit on PostgreSQL, like people.id

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

On SQLite an INTEGER is already 64-bit, and rebuilding the table would drop its append-only
triggers, so nothing changes there. ALTER COLUMN TYPE fires no row triggers on PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_subjects",
            "person_id",
            type_=sa.BigInteger(),
            existing_type=sa.Integer(),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_subjects",
            "person_id",
            type_=sa.Integer(),
            existing_type=sa.BigInteger(),
            existing_nullable=False,
        )
