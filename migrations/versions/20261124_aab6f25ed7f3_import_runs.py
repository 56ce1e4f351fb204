"""import runs: one upload of an SSDA903 extract or a tracker spreadsheet (the files kept in the row),
its progress, error report and result; a tenant table under row-level security

Revision ID: aab6f25ed7f3
Revises: 19307ecdd500
Create Date: 2026-11-24 18:05:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'aab6f25ed7f3'
down_revision = '19307ecdd500'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ssda903', 'tracker', name='importkind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('mapping', 'queued', 'running', 'done', 'failed', name='importstatus', native_enum=False, length=20), nullable=False),
    sa.Column('all_or_nothing', sa.Boolean(), nullable=False),
    sa.Column('file_names', sa.JSON(), nullable=False),
    sa.Column('uploads', sa.LargeBinary(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('step', sa.String(length=100), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_import_run_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_import_run_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_tenant_id'), ['tenant_id'], unique=False)

    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, "import_run")


def downgrade():
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_tenant_id'))

    op.drop_table('import_run')
