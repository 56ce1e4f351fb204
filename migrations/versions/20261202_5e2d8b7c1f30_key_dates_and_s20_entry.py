"""key dates recorded on the child's page (the agency decision maker's decision, the match, an SGO
application, ...) and how section 20 accommodation began, for the facts and events a cohort or
timescale uses (issue 14: more facts and events, each with its source)

Revision ID: 5e2d8b7c1f30
Revises: 3d9b7e1c4a60
Create Date: 2026-12-02 15:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = '5e2d8b7c1f30'
down_revision = '3d9b7e1c4a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('key_date',
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_key_date_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_key_date_recorded_by_id_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_key_date_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_date'))
    )
    with op.batch_alter_table('key_date', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_date_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_date_tenant_id'), ['tenant_id'], unique=False)
    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, 'key_date')

    with op.batch_alter_table('legal_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('s20_entry', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('legal_status', schema=None) as batch_op:
        batch_op.drop_column('s20_entry')
    with op.batch_alter_table('key_date', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_date_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_key_date_child_id'))
    op.drop_table('key_date')
