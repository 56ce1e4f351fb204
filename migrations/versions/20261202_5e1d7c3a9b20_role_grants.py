"""role grants: roles that read children, asked for by one council administrator and waiting for
another to confirm them (separation of duties), a tenant table under row-level security

Revision ID: 5e1d7c3a9b20
Revises: 7a3c51e2b9d4
Create Date: 2026-12-02 08:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = '5e1d7c3a9b20'
down_revision = '7a3c51e2b9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'refused', 'withdrawn', name='grantstatus',
                                native_enum=False, length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_label', sa.String(length=254), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_role_grant_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_role_grant_requested_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_role_grant_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_role_grant_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_tenant_id'), ['tenant_id'], unique=False)

    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, "role_grant")


def downgrade():
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grant_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_status'))
        batch_op.drop_index(batch_op.f('ix_role_grant_membership_id'))

    op.drop_table('role_grant')
