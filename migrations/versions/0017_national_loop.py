"""the national loop (SPEC §12.5): 报送 batches and their entries, the Ministry's files, its
points beside our runs, and the HTTP connector's outbox with every delivery attempt

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:07:35.226581

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "national_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("supplementary", sa.Boolean(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=True),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["reporting_activity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "number"),
    )
    with op.batch_alter_table("national_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_national_batch_activity_id"), ["activity_id"], unique=False
        )

    op.create_table(
        "national_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["reporting_activity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("national_import", schema=None) as batch_op:
        batch_op.create_index(
            "ix_national_import_sha", ["activity_id", "kind", "sha256"], unique=False
        )

    op.create_table(
        "national_batch_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("problem_field", sa.String(length=64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["national_batch.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "submission_id"),
    )
    with op.batch_alter_table("national_batch_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_national_batch_entry_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_national_batch_entry_uscc"), ["uscc"], unique=False)
        batch_op.create_index(
            "ix_national_entry_submission", ["submission_id", "state"], unique=False
        )

    op.create_table(
        "national_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["national_batch.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("national_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_national_outbox_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_national_outbox_status", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "national_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=True),
        sa.Column("indicators", sa.JSON(), nullable=True),
        sa.Column("provincial_total", sa.Float(), nullable=True),
        sa.Column("provincial_grade", sa.String(length=32), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["reporting_activity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["national_import.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["evaluation_project.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "submission_id"),
    )
    with op.batch_alter_table("national_points", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_national_points_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_national_points_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_national_points_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "national_delivery_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("milliseconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["national_outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("national_delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_national_delivery_attempt_outbox_id"), ["outbox_id"], unique=False
        )
    with op.batch_alter_table("recommendation_list", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points_source", sa.String(length=16), nullable=False,
                                      server_default="provincial"))
    with op.batch_alter_table("reporting_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_provincial_points", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    with op.batch_alter_table("reporting_activity", schema=None) as batch_op:
        batch_op.drop_column("show_provincial_points")
    with op.batch_alter_table("recommendation_list", schema=None) as batch_op:
        batch_op.drop_column("points_source")
    with op.batch_alter_table("national_delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_national_delivery_attempt_outbox_id"))

    op.drop_table("national_delivery_attempt")
    with op.batch_alter_table("national_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_national_points_region_code"))
        batch_op.drop_index(batch_op.f("ix_national_points_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_national_points_activity_id"))

    op.drop_table("national_points")
    with op.batch_alter_table("national_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_national_outbox_status")
        batch_op.drop_index(batch_op.f("ix_national_outbox_batch_id"))

    op.drop_table("national_outbox")
    with op.batch_alter_table("national_batch_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_national_entry_submission")
        batch_op.drop_index(batch_op.f("ix_national_batch_entry_uscc"))
        batch_op.drop_index(batch_op.f("ix_national_batch_entry_region_code"))

    op.drop_table("national_batch_entry")
    with op.batch_alter_table("national_import", schema=None) as batch_op:
        batch_op.drop_index("ix_national_import_sha")

    op.drop_table("national_import")
    with op.batch_alter_table("national_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_national_batch_activity_id"))

    op.drop_table("national_batch")
