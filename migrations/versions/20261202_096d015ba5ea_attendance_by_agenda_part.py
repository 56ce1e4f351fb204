"""attendance by agenda part: an attendance row's status for a part where it differs (left early,
attended a part the seat is not required for) and whether the meeting was quorate in each part

Revision ID: 096d015ba5ea
Revises: fc8afecd1e29
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '096d015ba5ea'
down_revision = 'fc8afecd1e29'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=True))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quorate_parts', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('quorate_parts')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('parts')
