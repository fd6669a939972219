"""publicity: 公示 batches and entries, 异议, registrations (入库登记编号) and portal notices

A batch lists records by their public fields only (name, USCC, region, technology field);
``registration`` numbers are unique, their serial unique within its scope (year and region by
default), so two announcements at once cannot share one; ``notice`` holds the portal's
published texts (sanitised HTML).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:46:34.083938

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "publicity_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=True),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=128), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["reporting_activity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["publicity_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("publicity_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publicity_batch_activity_id"), ["activity_id"], unique=False
        )

    op.create_table(
        "publicity_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("tech_field", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["publicity_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "submission_id", name="uq_publicity_entry_record"),
    )
    with op.batch_alter_table("publicity_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_entry_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_publicity_entry_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_publicity_entry_uscc"), ["uscc"], unique=False)
        batch_op.create_index("ix_publicity_entry_list", ["batch_id", "status", "id"], unique=False)

    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=True),
        sa.Column("evidence_name", sa.String(length=200), nullable=True),
        sa.Column("evidence_key", sa.String(length=128), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["publicity_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["publicity_entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_objection_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_objection_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("serial_scope", sa.String(length=40), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("data_year", sa.Integer(), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("bar_lifted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["publicity_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["publicity_entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index("uq_registration_serial", ["serial_scope", "serial"], unique=True)

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["publicity_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_published_at"), ["published_at"], unique=False)


def downgrade():
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_published_at"))
        batch_op.drop_index(batch_op.f("ix_notice_kind"))

    op.drop_table("notice")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index("uq_registration_serial")
        batch_op.drop_index(batch_op.f("ix_registration_enterprise_id"))

    op.drop_table("registration")
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_region_code"))
        batch_op.drop_index(batch_op.f("ix_objection_entry_id"))
        batch_op.drop_index(batch_op.f("ix_objection_batch_id"))

    op.drop_table("objection")
    with op.batch_alter_table("publicity_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_publicity_entry_list")
        batch_op.drop_index(batch_op.f("ix_publicity_entry_uscc"))
        batch_op.drop_index(batch_op.f("ix_publicity_entry_submission_id"))
        batch_op.drop_index(batch_op.f("ix_publicity_entry_batch_id"))

    op.drop_table("publicity_entry")
    with op.batch_alter_table("publicity_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicity_batch_activity_id"))

    op.drop_table("publicity_batch")
