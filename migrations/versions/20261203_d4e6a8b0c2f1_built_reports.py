"""built reports: each reporting duty's report on a body for a period, as built (PDF and CSV) and
who was told; unique per duty, body and period so it is built and told once; a tenant table under
row-level security (issue 16)

Revision ID: d4e6a8b0c2f1
Revises: a61c5e7d2b48
Create Date: 2026-12-03 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'd4e6a8b0c2f1'
down_revision = 'a61c5e7d2b48'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('built_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('body_id', sa.String(length=100), nullable=False),
    sa.Column('body_name', sa.String(length=300), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('period_label', sa.String(length=200), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('csv', sa.Text(), nullable=False),
    sa.Column('told', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_built_report_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_built_report')),
    sa.UniqueConstraint('tenant_id', 'duty_id', 'body_id', 'period_start',
                        name=op.f('uq_built_report_tenant_id_duty_id_body_id_period_start'))
    )
    with op.batch_alter_table('built_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_built_report_tenant_id'), ['tenant_id'], unique=False)
    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, 'built_report')


def downgrade():
    with op.batch_alter_table('built_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_built_report_tenant_id'))
    op.drop_table('built_report')
