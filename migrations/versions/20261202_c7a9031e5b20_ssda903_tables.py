"""the SSDA903's other tables on the child's record: the decision that the child should be placed
for adoption (PlacedAdoption), adoptions (AD1), previous permanence (PrevPerm), missing episodes
(Missing), unaccompanied status (UASC) and outcomes (OC2/OC3) (issue 15)

Revision ID: c7a9031e5b20
Revises: d2f9036c8a41
Create Date: 2026-12-02 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'c7a9031e5b20'
down_revision = 'd2f9036c8a41'
branch_labels = None
depends_on = None


def _history_columns(table):
    """The columns and constraints every row of a child's history has (cases.models.history._ChildHistory)."""
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.Column('origin_detail', sa.String(length=100), nullable=True),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f(f'fk_{table}_child_id_child'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f(f'fk_{table}_tenant_id_tenant'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


TABLES = {
    'adoption_placement_decision': [
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('end', sa.Date(), nullable=True),
        sa.Column('reason_ceased', sa.String(length=3), nullable=True),
    ],
    'adoption': [
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('matched_on', sa.Date(), nullable=True),
        sa.Column('by_foster_carer', sa.Boolean(), nullable=True),
        sa.Column('number_of_adopters', sa.Integer(), nullable=True),
        sa.Column('adopter_sex', sa.String(length=2), nullable=True),
        sa.Column('adopter_status', sa.String(length=3), nullable=True),
    ],
    'previous_permanence': [
        sa.Column('arrangement', sa.String(length=2), nullable=False),
        sa.Column('local_authority', sa.String(length=10), nullable=True),
        sa.Column('when', sa.String(length=10), nullable=True),
    ],
    'missing_episode': [
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('end', sa.Date(), nullable=True),
    ],
    'unaccompanied_status': [
        sa.Column('ceased_on', sa.Date(), nullable=True),
    ],
    'care_outcomes': [
        sa.Column('year', sa.String(length=7), nullable=False),
        sa.Column('sdq_score', sa.Integer(), nullable=True),
        sa.Column('sdq_reason', sa.String(length=4), nullable=True),
        sa.Column('convicted', sa.Boolean(), nullable=True),
        sa.Column('health_check', sa.Boolean(), nullable=True),
        sa.Column('immunisations', sa.Boolean(), nullable=True),
        sa.Column('teeth_check', sa.Boolean(), nullable=True),
        sa.Column('health_assessment', sa.Boolean(), nullable=True),
        sa.Column('substance_misuse', sa.Boolean(), nullable=True),
        sa.Column('intervention_received', sa.Boolean(), nullable=True),
        sa.Column('intervention_offered', sa.Boolean(), nullable=True),
        sa.Column('in_touch', sa.String(length=4), nullable=True),
        sa.Column('activity', sa.String(length=2), nullable=True),
        sa.Column('accommodation', sa.String(length=2), nullable=True),
    ],
}


def upgrade():
    for table, columns in TABLES.items():
        op.create_table(table, *columns, *_history_columns(table))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_child_id'), ['child_id'], unique=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_tenant_id'), ['tenant_id'], unique=False)
        if rls.is_postgresql(op):
            rls.enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(list(TABLES)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_tenant_id'))
            batch_op.drop_index(batch_op.f(f'ix_{table}_child_id'))
        op.drop_table(table)
