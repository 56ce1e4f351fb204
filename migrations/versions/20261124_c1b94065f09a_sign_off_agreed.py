"""sign-off agreed: whether the named decision maker agreed with a panel recommendation

Revision ID: c1b94065f09a
Revises: 489cb3768e12
Create Date: 2026-11-24 20:07:23.810873

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1b94065f09a'
down_revision = '489cb3768e12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_off_agreed', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_column('sign_off_agreed')
