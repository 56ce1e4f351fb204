"""job outbox: completed_at, written in the job's own transaction, so a job whose worker was killed
after its commit and before RQ recorded it finished is not run again when RQ retries it (issue 19)

Revision ID: f2a9c6e1d8b3
Revises: b7d4e2a9c1f6
Create Date: 2026-12-04 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2a9c6e1d8b3'
down_revision = 'b7d4e2a9c1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.drop_column('completed_at')
