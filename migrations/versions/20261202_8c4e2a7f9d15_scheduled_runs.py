"""scheduled runs: one row per periodic job's slot, unique on (name, due_at), so however many
schedulers tick, one of them starts the run; its councils' parts count themselves done or failed

Not a tenant table: a run spans every open council and holds no child's data (names, times,
counts, an exception's type). On PostgreSQL the app role may read and write it, with no
row-level security, like job_outbox.

Revision ID: 8c4e2a7f9d15
Revises: 6b2f4d8e1a93
Create Date: 2026-12-02 11:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = '8c4e2a7f9d15'
down_revision = '6b2f4d8e1a93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('councils', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('last_error_council', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_runs')),
    sa.UniqueConstraint('name', 'due_at', name=op.f('uq_scheduled_runs_name_due_at'))
    )
    if rls.is_postgresql(op):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON scheduled_runs TO {rls.APP_ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE scheduled_runs_id_seq TO {rls.APP_ROLE}")


def downgrade():
    op.drop_table('scheduled_runs')
