"""codes sent to an enterprise's contact to read its own status on the portal

A code is kept only as its HMAC (keyed with the application's secret key), valid ten minutes
and five tries; every request leaves a row, so the throttles per USCC and per client address
count them in the database.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 23:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "status_query_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("sent_to_masked", sa.String(length=100), nullable=True),
        sa.Column("requested_by", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_query_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_query_code_uscc"), ["uscc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_status_query_code_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_query_code_requested_by"), ["requested_by"], unique=False
        )


def downgrade():
    with op.batch_alter_table("status_query_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_query_code_requested_by"))
        batch_op.drop_index(batch_op.f("ix_status_query_code_created_at"))
        batch_op.drop_index(batch_op.f("ix_status_query_code_uscc"))

    op.drop_table("status_query_code")
