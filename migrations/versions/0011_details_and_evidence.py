"""detail tables and evidence files: the rows behind a count and the 佐证材料 proving them

``submission.details`` holds a record's detail rows ({"ip": [{uid, ip_type, number, …}]});
``reporting_activity.detail_tables`` the tables an activity asks for ({"ip": {"required":
false}}) and ``evidence_fields`` the fields whose evidence files are required ({"rd_expense":
{"required": true}}); ``attachment`` one row per stored file (the file itself lives in the
evidence storage under ``storage_key``); ``review_record.doubts`` the rows a reviewer marked
存疑, with reasons. Rows of an attachment go with their record; the stored file is then an
orphan that ``flask attachments cleanup`` removes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reporting_activity') as batch_op:
        batch_op.add_column(sa.Column('detail_tables', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('evidence_fields', sa.JSON(), nullable=True))
    with op.batch_alter_table('submission') as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
    with op.batch_alter_table('review_record') as batch_op:
        batch_op.add_column(sa.Column('doubts', sa.JSON(), nullable=True))
    op.create_table(
        'attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=64), nullable=True),
        sa.Column('detail_table', sa.String(length=16), nullable=True),
        sa.Column('detail_uid', sa.String(length=32), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('media_type', sa.String(length=64), nullable=False),
        sa.Column('bytes', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=128), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_by', sa.String(length=128), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                                name='fk_attachment_submission', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_attachment'),
        sa.UniqueConstraint('storage_key', name='uq_attachment_storage_key'),
    )
    op.create_index('ix_attachment_submission', 'attachment', ['submission_id', 'field'])


def downgrade():
    op.drop_index('ix_attachment_submission', table_name='attachment')
    op.drop_table('attachment')
    with op.batch_alter_table('review_record') as batch_op:
        batch_op.drop_column('doubts')
    with op.batch_alter_table('submission') as batch_op:
        batch_op.drop_column('details')
    with op.batch_alter_table('reporting_activity') as batch_op:
        batch_op.drop_column('evidence_fields')
        batch_op.drop_column('detail_tables')
