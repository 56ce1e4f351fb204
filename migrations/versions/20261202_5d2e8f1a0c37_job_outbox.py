"""job outbox: each job written in the transaction that causes it, handed to RQ or run
in-process after the commit, so a crash between the two loses nothing

Not a tenant table: the relay reads every council's rows (a row holds a function's name and
ids only). On PostgreSQL the app role may read and write it, with no row-level security.

Revision ID: 5d2e8f1a0c37
Revises: 5e55107a9c1d
Create Date: 2026-12-02 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = '5d2e8f1a0c37'
down_revision = '5e55107a9c1d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('func', sa.String(length=200), nullable=False),
    sa.Column('queue', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox'))
    )
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_outbox_dispatched_at'), ['dispatched_at'], unique=False)
    if rls.is_postgresql(op):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON job_outbox TO {rls.APP_ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE job_outbox_id_seq TO {rls.APP_ROLE}")


def downgrade():
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_outbox_dispatched_at'))
    op.drop_table('job_outbox')
