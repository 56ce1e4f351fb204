"""tracker line: each child's line of the tracker as the last recompute left it (legal status and
plan route on the day, the next milestone due, the open drift), indexed per council, so the tracker
sorts and filters on stored columns instead of four subqueries per child (issue 19); filled here
for every existing child from the same sources the tracker read until now; a tenant table under
row-level security

Revision ID: b7d4e2a9c1f6
Revises: c3f18a2d9e57
Create Date: 2026-12-03 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from permanence.core import rls


# revision identifiers, used by Alembic.
revision = 'b7d4e2a9c1f6'
down_revision = 'c3f18a2d9e57'
branch_labels = None
depends_on = None

# What tracker.listing worked out per child per request before this table, for today, per council.
FILL = """
INSERT INTO tracker_line (child_id, tenant_id, computed_at, legal_status, plan_route, next_due, open_drift)
SELECT c.id, c.tenant_id, CURRENT_TIMESTAMP,
  (SELECT s.code FROM legal_status s WHERE s.child_id = c.id AND s.start <= CURRENT_DATE
     AND (s."end" IS NULL OR s."end" > CURRENT_DATE) ORDER BY s.start DESC, s.id DESC LIMIT 1),
  (SELECT p.route FROM permanence_plan p WHERE p.child_id = c.id AND p.kind = 'primary'
     AND p.agreed_on <= CURRENT_DATE AND (p.ended_on IS NULL OR p.ended_on > CURRENT_DATE)
     ORDER BY p.agreed_on DESC, p.id DESC LIMIT 1),
  (SELECT min(m.due) FROM milestone m WHERE m.child_id = c.id AND m.status IN ('upcoming', 'due_soon', 'overdue')),
  (SELECT count(d.id) FROM drift d WHERE d.child_id = c.id AND d.closed_on IS NULL)
FROM child c WHERE c.tenant_id = :tenant
"""


def upgrade():
    op.create_table('tracker_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('legal_status', sa.String(length=2), nullable=True),
    sa.Column('plan_route', sa.String(length=30), nullable=True),
    sa.Column('next_due', sa.Date(), nullable=True),
    sa.Column('open_drift', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_tracker_line_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_tracker_line_tenant_id_tenant'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracker_line')),
    sa.UniqueConstraint('child_id', name=op.f('uq_tracker_line_child_id'))
    )
    with op.batch_alter_table('tracker_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracker_line_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_tracker_line_tenant_id_next_due', ['tenant_id', 'next_due'], unique=False)
        batch_op.create_index('ix_tracker_line_tenant_id_open_drift', ['tenant_id', 'open_drift'], unique=False)
    postgresql = rls.is_postgresql(op)
    if postgresql:
        rls.enable_tenant_rls(op, 'tracker_line')
    bind = op.get_bind()
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenant ORDER BY id")).all():
        if postgresql:  # the owner is held to row-level security too (FORCE): one council at a time
            bind.execute(sa.text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)})
        bind.execute(sa.text(FILL), {"tenant": tenant_id})


def downgrade():
    with op.batch_alter_table('tracker_line', schema=None) as batch_op:
        batch_op.drop_index('ix_tracker_line_tenant_id_open_drift')
        batch_op.drop_index('ix_tracker_line_tenant_id_next_due')
        batch_op.drop_index(batch_op.f('ix_tracker_line_tenant_id'))
    op.drop_table('tracker_line')
