"""user session version: part of the id in every session and remember-me cookie, raised to end
all of a user's sessions (sign-out, a new password, deactivation, a role removed); two-factor
sign-in's secret and the last time step a code was accepted for

Revision ID: 5e55107a9c1d
Revises: 5e1d7c3a9b20
Create Date: 2026-12-02 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55107a9c1d'
down_revision = '5e1d7c3a9b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_version')
