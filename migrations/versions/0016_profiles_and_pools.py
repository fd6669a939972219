"""enterprise profile tag rules, cultivation pools, their evaluations and memberships

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tag_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=True),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=True),
        sa.Column("track", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entry_criterion", sa.Text(), nullable=False),
        sa.Column("exit_criterion", sa.Text(), nullable=True),
        sa.Column("region_cap", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "pool_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_year", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evaluated", sa.Integer(), nullable=False),
        sa.Column("insufficient", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "pool_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("leaves_pool_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("set_aside_reason", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_by", sa.String(length=128), nullable=True),
        sa.Column("commented_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["evaluation_id"], ["pool_evaluation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"]),
        sa.ForeignKeyConstraint(["leaves_pool_id"], ["pool.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pool_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_pool_proposal_evaluation", ["evaluation_id", "status"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_pool_proposal_enterprise_id"), ["enterprise_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_pool_proposal_region_code"), ["region_code"],
                              unique=False)
    op.create_table(
        "pool_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"]),
        sa.ForeignKeyConstraint(["opened_by_id"], ["pool_proposal.id"]),
        sa.ForeignKeyConstraint(["closed_by_id"], ["pool_proposal.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pool_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_membership_enterprise_id"), ["enterprise_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_pool_membership_region_code"), ["region_code"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_pool_membership_pool_id"), ["pool_id"],
                              unique=False)
        # At most one open membership per enterprise and pool (SPEC §12.4).
        batch_op.create_index("uq_pool_membership_open", ["enterprise_id", "pool_id"],
                              unique=True, sqlite_where=sa.text("until IS NULL"),
                              postgresql_where=sa.text("until IS NULL"))
    # The profile radar compares with the median of the same field and stage in a run.
    with op.batch_alter_table("score_result", schema=None) as batch_op:
        batch_op.create_index("ix_score_result_run_field_stage",
                              ["run_id", "tech_field", "stage"], unique=False)


def downgrade():
    with op.batch_alter_table("score_result", schema=None) as batch_op:
        batch_op.drop_index("ix_score_result_run_field_stage")
    op.drop_table("pool_membership")
    op.drop_table("pool_proposal")
    op.drop_table("pool_evaluation")
    op.drop_table("pool")
    op.drop_table("tag_rule")
