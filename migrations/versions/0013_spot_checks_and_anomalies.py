"""spot checks (集中抽查) and the 异常名单

A spot check keeps its seed and share, so its draw can be repeated; each drawn enterprise is a
task for the reviewers of its county. The 异常名单 keeps additions and removals (never
deleted), each with its reason.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 22:00:18.765967

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spot_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "anomaly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=128), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("anomaly", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_anomaly_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_anomaly_region_code"), ["region_code"], unique=False)

    op.create_table(
        "spot_check_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("problem", sa.Boolean(), nullable=True),
        sa.Column("done_by", sa.String(length=128), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["spot_check.id"],
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("spot_check_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_check_task_check_id"), ["check_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_spot_check_task_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_spot_check_task_region_code"), ["region_code"], unique=False
        )


def downgrade():
    with op.batch_alter_table("spot_check_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spot_check_task_region_code"))
        batch_op.drop_index(batch_op.f("ix_spot_check_task_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_spot_check_task_check_id"))

    op.drop_table("spot_check_task")
    with op.batch_alter_table("anomaly", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anomaly_region_code"))
        batch_op.drop_index(batch_op.f("ix_anomaly_enterprise_id"))

    op.drop_table("anomaly")
    op.drop_table("spot_check")
