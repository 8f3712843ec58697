"""directory of services: services and their capacity history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import avert.store.schema


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=True),
        sa.Column("organisation", sa.String(length=160), nullable=True),
        sa.Column("address_line", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("neighbourhoods", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("route_kind", sa.String(length=8), nullable=False),
        sa.Column("route_value", sa.String(length=200), nullable=False),
        sa.Column("referral_information", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=160), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_services")),
    )
    with op.batch_alter_table("directory_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_services_service_type_active"),
            ["service_type", "active"],
            unique=False,
        )

    op.create_table(
        "directory_capacity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reset_minutes", sa.Integer(), nullable=False),
        sa.Column("set_at", avert.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=160), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_capacity_service_id_directory_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_capacity")),
    )
    with op.batch_alter_table("directory_capacity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_capacity_service_id_id"), ["service_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_capacity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_capacity_service_id_id"))
    op.drop_table("directory_capacity")
    with op.batch_alter_table("directory_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_services_service_type_active"))
    op.drop_table("directory_services")
