"""agenda items: the conditions of an outcome that needs them, and a request's amount agreed

Revision ID: a6d2f0c4e871
Revises: 9e1d4c7b2a58
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6d2f0c4e871'
down_revision = '9e1d4c7b2a58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        # Items recorded before outcomes could need conditions have none.
        batch_op.add_column(sa.Column('conditions', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('amount_agreed', sa.Numeric(precision=12, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_column('amount_agreed')
        batch_op.drop_column('conditions')
