"""agreed dates: the dates a meeting agrees for a child with an outcome's sets_dates (matching
report to panel by ...), measured by the tracker; a tenant table under row-level security

Revision ID: b41e7c2d9a58
Revises: a6d2f0c4e871
Create Date: 2026-12-02 15:55:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'b41e7c2d9a58'
down_revision = 'a6d2f0c4e871'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreed_date',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.String(length=100), nullable=False),
    sa.Column('date_id', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('met_by', sa.String(length=40), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_agreed_date_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_agreed_date_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user.id'], name=op.f('fk_agreed_date_set_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_agreed_date_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_date'))
    )
    with op.batch_alter_table('agreed_date', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreed_date_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreed_date_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreed_date_tenant_id'), ['tenant_id'], unique=False)

    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, "agreed_date")


def downgrade():
    with op.batch_alter_table('agreed_date', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreed_date_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_agreed_date_child_id'))
        batch_op.drop_index(batch_op.f('ix_agreed_date_agenda_item_id'))

    op.drop_table('agreed_date')
