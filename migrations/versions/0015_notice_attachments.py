"""files attached to policy documents and notices

``notice_attachment``: one row per file of a portal page (政策文件, 通知公告); the file itself
lives in the evidence storage under ``storage_key``. Rows go with their page; the stored file
is then an orphan that ``flask attachments cleanup`` removes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"],
                                name="fk_notice_attachment_notice", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key", name="uq_notice_attachment_storage_key"),
    )
    with op.batch_alter_table("notice_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_attachment_notice_id"), ["notice_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("notice_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_attachment_notice_id"))
    op.drop_table("notice_attachment")
