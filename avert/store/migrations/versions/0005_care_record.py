"""shared care record: append-only, versioned sections per person

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import avert.store.schema


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_record_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_care_record_entries_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_record_entries")),
        sa.UniqueConstraint(
            "person_id",
            "section",
            "version",
            name=op.f("uq_care_record_entries_person_id_section_version"),
        ),
    )
    with op.batch_alter_table("care_record_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_record_entries_person_id"), ["person_id"], unique=False
        )
    _append_only()


def _append_only() -> None:
    """Every version is kept: refuse UPDATE and DELETE on the entries, on both engines."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION avert_care_record_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'the care record history is append-only'; END; $$ "
            "LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER care_record_entries_append_only BEFORE UPDATE OR DELETE "
            "ON care_record_entries FOR EACH ROW EXECUTE FUNCTION avert_care_record_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER care_record_entries_no_{event.lower()} BEFORE {event} "
            "ON care_record_entries "
            "BEGIN SELECT RAISE(ABORT, 'the care record history is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER care_record_entries_append_only ON care_record_entries")
        op.execute("DROP FUNCTION avert_care_record_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER care_record_entries_no_{event}")
    with op.batch_alter_table("care_record_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_record_entries_person_id"))
    op.drop_table("care_record_entries")
