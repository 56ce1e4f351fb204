"""papers packs: each member's papers pack of a sitting as one PDF, as last built, with the
fingerprint of its inputs; Office papers converted to PDF, kept by content (issue 17); tenant tables
under row-level security

Revision ID: e5a7c3f9b1d2
Revises: c3f8a1d5e7b9
Create Date: 2026-12-03 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'e5a7c3f9b1d2'
down_revision = 'c3f8a1d5e7b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('papers_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_papers_pack_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_papers_pack_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_papers_pack_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_papers_pack')),
    sa.UniqueConstraint('tenant_id', 'meeting_id', 'user_id', name=op.f('uq_papers_pack_tenant_id_meeting_id_user_id'))
    )
    with op.batch_alter_table('papers_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_papers_pack_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_papers_pack_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_papers_pack_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('converted_paper',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_converted_paper_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_converted_paper')),
    sa.UniqueConstraint('tenant_id', 'sha256', name=op.f('uq_converted_paper_tenant_id_sha256'))
    )
    with op.batch_alter_table('converted_paper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_converted_paper_tenant_id'), ['tenant_id'], unique=False)
    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, 'papers_pack')
        rls.enable_tenant_rls(op, 'converted_paper')


def downgrade():
    with op.batch_alter_table('converted_paper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_converted_paper_tenant_id'))
    op.drop_table('converted_paper')
    with op.batch_alter_table('papers_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_papers_pack_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_papers_pack_user_id'))
        batch_op.drop_index(batch_op.f('ix_papers_pack_meeting_id'))
    op.drop_table('papers_pack')
