"""meeting online link: the link to join a sitting online, set by the panel administrator (the
terms of reference venue's standing link is used when it is empty) (issue 17)

Revision ID: b7e2c9d4a1f6
Revises: d4e6a8b0c2f1
Create Date: 2026-12-03 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c9d4a1f6'
down_revision = 'd4e6a8b0c2f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_link', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('online_link')
