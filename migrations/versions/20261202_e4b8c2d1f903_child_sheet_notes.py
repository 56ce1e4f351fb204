"""child sheet notes: a tracker spreadsheet's column with no field on the record, kept as a note on
the child (its heading, text, and the file and day it came from), when the user chooses "Keep as a
note on the child" for the heading; a tenant table under row-level security (issue 15)

Revision ID: e4b8c2d1f903
Revises: c7a9031e5b20
Create Date: 2026-12-02 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'e4b8c2d1f903'
down_revision = 'c7a9031e5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('child_sheet_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('heading', sa.String(length=100), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('file', sa.String(length=100), nullable=False),
    sa.Column('imported_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_child_sheet_note_child_id_child'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_child_sheet_note_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_sheet_note'))
    )
    with op.batch_alter_table('child_sheet_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_sheet_note_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_sheet_note_tenant_id'), ['tenant_id'], unique=False)
    if rls.is_postgresql(op):
        rls.enable_tenant_rls(op, 'child_sheet_note')


def downgrade():
    with op.batch_alter_table('child_sheet_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_sheet_note_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_child_sheet_note_child_id'))
    op.drop_table('child_sheet_note')
