"""agenda items: which rule or extract proposed the child, and who is asked to quality-assure it

Revision ID: fc8afecd1e29
Revises: c1b94065f09a
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc8afecd1e29'
down_revision = 'c1b94065f09a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        # Existing items were proposed before the source was kept: empty, as a referral's is.
        batch_op.add_column(sa.Column('proposal_source', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('qa_assignee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_qa_assignee_id_user'), 'user', ['qa_assignee_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_qa_assignee_id_user'), type_='foreignkey')
        batch_op.drop_column('qa_assignee_id')
        batch_op.drop_column('proposal_source')
