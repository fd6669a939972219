"""dashboard indexes: the columns the dashboard's grouped scans read (docs/PERFORMANCE.md)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 07:18:54.283134

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DASHBOARD_COLUMNS = ['activity_id', 'region_code', 'status', 'changed_on', 'needs_financing',
                     'financing_need_amount', 'tech_field', 'scale', 'warning_rules']


def upgrade():
    op.create_index('ix_score_result_run_region', 'score_result',
                    ['run_id', 'region_code', 'grade', 'stage', 'total'], unique=False)
    op.create_index('ix_submission_dashboard', 'submission', DASHBOARD_COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_submission_dashboard', table_name='submission')
    op.drop_index('ix_score_result_run_region', table_name='score_result')
