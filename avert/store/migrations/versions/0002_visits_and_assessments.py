"""visits, assessments, care actions, huddle decisions, staff status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import avert.store.schema


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("onward_service", sa.String(length=32), nullable=True),
        sa.Column("owner", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=160), nullable=False),
        sa.Column("done_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_care_actions_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_actions")),
    )
    with op.batch_alter_table("care_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_actions_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "huddle_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("decided_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=160), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_huddle_decisions_referral_id_referrals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huddle_decisions")),
    )
    with op.batch_alter_table("huddle_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_huddle_decisions_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("planned_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("allocated_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("allocated_by", sa.String(length=160), nullable=False),
        sa.Column("en_route_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_visits_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_referral_id"), ["referral_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_visits_status_planned_at"), ["status", "planned_at"], unique=False
        )

    op.create_table(
        "assessments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("recorded_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=160), nullable=False),
        sa.Column("observations", sa.JSON(), nullable=True),
        sa.Column("news2_total", sa.Integer(), nullable=True),
        sa.Column("news2_band", sa.String(length=16), nullable=True),
        sa.Column("news2_scale", sa.Integer(), nullable=True),
        sa.Column("news2_escalate", sa.Boolean(), nullable=False),
        sa.Column("cfs", sa.Integer(), nullable=True),
        sa.Column("physical_needs", sa.Text(), nullable=True),
        sa.Column("mental_health_needs", sa.Text(), nullable=True),
        sa.Column("social_needs", sa.Text(), nullable=True),
        sa.Column("what_matters", sa.Text(), nullable=True),
        sa.Column("carer_situation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_assessments_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_assessments_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "visit_staff",
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_visit_staff_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_staff_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("visit_id", "staff_id", name=op.f("pk_visit_staff")),
    )
    with op.batch_alter_table("visit_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_staff_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_note", sa.Text(), nullable=True))

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="available", nullable=False)
        )
        batch_op.add_column(
            sa.Column("status_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("last_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("last_lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("last_lon")
        batch_op.drop_column("last_lat")
        batch_op.drop_column("status_at")
        batch_op.drop_column("status")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("access_note")

    with op.batch_alter_table("visit_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_staff_staff_id"))

    op.drop_table("visit_staff")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_referral_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_status_planned_at"))
        batch_op.drop_index(batch_op.f("ix_visits_referral_id"))

    op.drop_table("visits")
    with op.batch_alter_table("huddle_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_huddle_decisions_referral_id"))

    op.drop_table("huddle_decisions")
    with op.batch_alter_table("care_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_actions_referral_id"))

    op.drop_table("care_actions")
