"""notices people can live with: each e-mail's kind and the daily digest it went in; each person's
choice per kind between straight away and the daily digest, a tenant table under row-level
security (issue 18, item 4)

Revision ID: c3f8a1d5e7b9
Revises: b7e2c9d4a1f6
Create Date: 2026-12-03 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'c3f8a1d5e7b9'
down_revision = 'b7e2c9d4a1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_email_message_digest_id_email_message'), 'email_message',
                                    ['digest_id'], ['id'], ondelete='SET NULL')

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_notification_preference_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_preference_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'kind', name=op.f('uq_notification_preference_tenant_id_user_id_kind'))
    )
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preference_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_preference_user_id'), ['user_id'], unique=False)
    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, 'notification_preference')


def downgrade():
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preference_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_preference_tenant_id'))
    op.drop_table('notification_preference')
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_email_message_digest_id_email_message'), type_='foreignkey')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('kind')
