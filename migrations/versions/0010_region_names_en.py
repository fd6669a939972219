"""regions get their English names: name_en and full_name_en

The English names ("Zhongshan District", "Zhongshan District, Dalian, Liaoning") come from
app/data/regions/names_en.csv; ``flask setup`` fills them after this migration, as it fills
the Chinese ones. Empty until then, and a region without an English name shows its
Chinese one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('region') as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('full_name_en', sa.String(length=256), nullable=True))


def downgrade():
    with op.batch_alter_table('region') as batch_op:
        batch_op.drop_column('full_name_en')
        batch_op.drop_column('name_en')
