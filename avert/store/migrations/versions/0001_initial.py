"""initial schema: area, referrals, events, idempotency keys

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import avert.store.schema


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "neighbourhoods",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("locality", sa.String(length=120), nullable=False),
        sa.Column("centre_lat", sa.Float(), nullable=False),
        sa.Column("centre_lon", sa.Float(), nullable=False),
        sa.Column("deprivation_decile", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhoods")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("locality", sa.String(length=120), nullable=False),
        sa.Column("base_lat", sa.Float(), nullable=False),
        sa.Column("base_lon", sa.Float(), nullable=False),
        sa.Column("service_hours", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "care_homes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("nursing", sa.Boolean(), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=False),
        sa.Column("address_line", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_care_homes_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_homes")),
    )
    op.create_table(
        "practices",
        sa.Column("ods_code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_practices_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("ods_code", name=op.f("pk_practices")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=False),
        sa.Column("home_lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_staff_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_team_id"), ["team_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("address_line", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("practice_ods", sa.String(length=10), nullable=True),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=True),
        sa.Column("residence", sa.String(length=32), nullable=False),
        sa.Column("care_home_id", sa.String(length=32), nullable=True),
        sa.Column("deprivation_decile", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["care_home_id"], ["care_homes.id"], name=op.f("fk_people_care_home_id_care_homes")
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_people_neighbourhood_id_neighbourhoods"),
        ),
        sa.ForeignKeyConstraint(
            ["practice_ods"], ["practices.ods_code"], name=op.f("fk_people_practice_ods_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("nhs_number", name=op.f("uq_people_nhs_number")),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_shifts_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shifts_starts_at_ends_at"), ["starts_at", "ends_at"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_system", sa.String(length=100), nullable=True),
        sa.Column("source_referral_id", sa.String(length=100), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("referrer_name", sa.String(length=160), nullable=False),
        sa.Column("referrer_organisation", sa.String(length=160), nullable=True),
        sa.Column("referrer_phone", sa.String(length=40), nullable=False),
        sa.Column("received_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("need", sa.String(length=32), nullable=False),
        sa.Column("need_text", sa.Text(), nullable=True),
        sa.Column("red_flags", sa.JSON(), nullable=False),
        sa.Column("stated_urgency", sa.String(length=32), nullable=False),
        sa.Column("residence", sa.String(length=32), nullable=False),
        sa.Column("age_years", sa.Integer(), nullable=False),
        sa.Column("disposition", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.String(length=40), nullable=True),
        sa.Column("standard", sa.String(length=32), nullable=True),
        sa.Column("ruleset_version", sa.String(length=32), nullable=False),
        sa.Column("triage", sa.JSON(), nullable=False),
        sa.Column("needs_clinical_review", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.String(length=40), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("triaged_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("first_contact_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("discharged_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("clock_rules", sa.JSON(), nullable=True),
        sa.Column("clock_started_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("clock_deadline", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("clock_stopped_at", avert.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("onward_service", sa.String(length=32), nullable=True),
        sa.Column("onward_note", sa.Text(), nullable=True),
        sa.Column(
            "possible_duplicate_of",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_referrals_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["possible_duplicate_of"],
            ["referrals.id"],
            name=op.f("fk_referrals_possible_duplicate_of_referrals"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_referrals_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint(
            "source_system",
            "source_referral_id",
            name=op.f("uq_referrals_source_system_source_referral_id"),
        ),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referrals_is_open_clock_deadline"),
            ["is_open", "clock_deadline"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_person_id_received_at"),
            ["person_id", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_team_id_is_open"), ["team_id", "is_open"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_idempotency_keys_referral_id_referrals"),
        ),
        sa.PrimaryKeyConstraint("client_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "referral_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_referral_events_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
        sa.UniqueConstraint("referral_id", "seq", name=op.f("uq_referral_events_referral_id_seq")),
    )


def downgrade() -> None:
    op.drop_table("referral_events")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_team_id_is_open"))
        batch_op.drop_index(batch_op.f("ix_referrals_person_id_received_at"))
        batch_op.drop_index(batch_op.f("ix_referrals_is_open_clock_deadline"))

    op.drop_table("referrals")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_starts_at_ends_at"))
        batch_op.drop_index(batch_op.f("ix_shifts_staff_id"))

    op.drop_table("shifts")
    op.drop_table("people")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_team_id"))

    op.drop_table("staff")
    op.drop_table("practices")
    op.drop_table("care_homes")
    op.drop_table("teams")
    op.drop_table("neighbourhoods")
