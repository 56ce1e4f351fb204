"""tenant admins_need_two_factor: the council requires its administrators to use two-factor sign-in

Revision ID: 6b2f4d8e1a93
Revises: 5d2e8f1a0c37
Create Date: 2026-12-02 09:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b2f4d8e1a93'
down_revision = '5d2e8f1a0c37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admins_need_two_factor', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('admins_need_two_factor')
