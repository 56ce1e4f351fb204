"""decision delivery: the log of each decision record's delivery to a case record system (a
destination plugin): status, attempts, last error, reference, a stable idempotency key; unique per
item and destination; a tenant table under row-level security (issue 17)

Revision ID: c3f18a2d9e57
Revises: e5a7c3f9b1d2
Create Date: 2026-12-03 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'c3f18a2d9e57'
down_revision = 'e5a7c3f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decision_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=100), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'acknowledged', name='deliverystatus',
                                native_enum=False, length=20), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('reference', sa.String(length=300), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'],
                            name=op.f('fk_decision_delivery_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'],
                            name=op.f('fk_decision_delivery_requested_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_decision_delivery_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_delivery')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_decision_delivery_idempotency_key')),
    sa.UniqueConstraint('tenant_id', 'agenda_item_id', 'destination',
                        name=op.f('uq_decision_delivery_tenant_id_agenda_item_id_destination'))
    )
    with op.batch_alter_table('decision_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_delivery_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_delivery_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_delivery_tenant_id'), ['tenant_id'], unique=False)
    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, 'decision_delivery')


def downgrade():
    with op.batch_alter_table('decision_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_delivery_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_decision_delivery_status'))
        batch_op.drop_index(batch_op.f('ix_decision_delivery_agenda_item_id'))
    op.drop_table('decision_delivery')
