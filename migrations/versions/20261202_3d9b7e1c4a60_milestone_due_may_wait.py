"""milestone.due may be empty: a timescale anchored on an event that has not happened yet (the
second looked-after review, the agency decision maker's decision) is kept as 'waiting' with no due
date until the event happens (issue 14: deadlines anchored on events)

Revision ID: 3d9b7e1c4a60
Revises: 8c4e2a7f9d15
Create Date: 2026-12-02 12:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d9b7e1c4a60'
down_revision = '8c4e2a7f9d15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.alter_column('due', existing_type=sa.Date(), nullable=True)


def downgrade():
    op.execute("DELETE FROM milestone WHERE due IS NULL")
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.alter_column('due', existing_type=sa.Date(), nullable=False)
