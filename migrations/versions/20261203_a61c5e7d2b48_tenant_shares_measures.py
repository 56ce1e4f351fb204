"""tenant shares_measures: the council shares its timeliness measures (figures only) with other councils

Revision ID: a61c5e7d2b48
Revises: b7d3e91c4a26
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a61c5e7d2b48'
down_revision = 'b7d3e91c4a26'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shares_measures', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('shares_measures')
