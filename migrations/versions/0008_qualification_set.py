"""qualifications as plain text in the dashboard index (docs/PERFORMANCE.md, dashboard)

The dashboard counted qualifications by reading the JSON column, which cannot be in a
PostgreSQL B-tree: on SQLite that meant reading the wide rows. ``qualification_set`` holds
the same options as one text ("科技型中小企业|高新技术企业") and joins the covering index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 09:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_COLUMNS = ['activity_id', 'region_code', 'status', 'changed_on', 'needs_financing',
               'financing_need_amount', 'tech_field', 'scale', 'warning_rules']
submission = sa.table('submission', sa.column('id', sa.Integer),
                      sa.column('qualifications', sa.JSON),
                      sa.column('qualification_set', sa.String))


def option_set(chosen):
    # As app.domain.fields.option_set when this migration was written (kept here so the
    # migration means the same whatever the code becomes).
    return "|".join(sorted(set(chosen))) if chosen else None


def upgrade():
    op.add_column('submission', sa.Column('qualification_set', sa.String(length=200),
                                          nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(submission.c.id, submission.c.qualifications)
                        .where(submission.c.qualifications.is_not(None))).all()
    values = [{"row_id": row_id, "text": option_set(chosen)} for row_id, chosen in rows
              if option_set(chosen)]
    if values:
        bind.execute(submission.update().where(submission.c.id == sa.bindparam("row_id"))
                     .values(qualification_set=sa.bindparam("text")), values)
    op.drop_index('ix_submission_dashboard', table_name='submission')
    op.create_index('ix_submission_dashboard', 'submission',
                    [*OLD_COLUMNS, 'qualification_set'], unique=False)


def downgrade():
    op.drop_index('ix_submission_dashboard', table_name='submission')
    op.create_index('ix_submission_dashboard', 'submission', OLD_COLUMNS, unique=False)
    with op.batch_alter_table('submission') as batch_op:
        batch_op.drop_column('qualification_set')
