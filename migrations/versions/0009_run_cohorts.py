"""score runs keep their cohort: size and per-stage figures; no 通过 count without a pass rule

A run normalises against every scorable record of the activity (SPEC §9), whichever records
it re-scores, so it stores the cohort's size beside the number it re-scored, and the cohort
figures per stage and indicator that its pages and export show. ``passed`` becomes empty for
runs of projects that decide no passing (no pass rule, no direct pass): "通过: 0" was shown
for them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

score_run = sa.table('score_run', sa.column('id', sa.Integer),
                     sa.column('project_id', sa.Integer), sa.column('passed', sa.Integer))
project = sa.table('evaluation_project', sa.column('id', sa.Integer),
                   sa.column('definition', sa.JSON))


def decides_pass(definition):
    # As app.domain.scoring.Project.decides_pass when this migration was written.
    return isinstance(definition, dict) and bool(
        definition.get('pass_rule') or definition.get('direct_pass'))


def upgrade():
    with op.batch_alter_table('score_run') as batch_op:
        batch_op.add_column(sa.Column('cohort_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cohorts', sa.JSON(), nullable=True))
        batch_op.alter_column('passed', existing_type=sa.Integer(), nullable=True)
    bind = op.get_bind()
    without = [pid for pid, definition in bind.execute(
        sa.select(project.c.id, project.c.definition)) if not decides_pass(definition)]
    if without:
        bind.execute(score_run.update().where(score_run.c.project_id.in_(without))
                     .values(passed=None))


def downgrade():
    bind = op.get_bind()
    bind.execute(score_run.update().where(score_run.c.passed.is_(None)).values(passed=0))
    with op.batch_alter_table('score_run') as batch_op:
        batch_op.alter_column('passed', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('cohorts')
        batch_op.drop_column('cohort_size')
