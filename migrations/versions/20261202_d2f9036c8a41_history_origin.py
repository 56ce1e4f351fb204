"""history origin: each row of a child's history knows where it came from (a person in the app,
an API client, an SSDA903 return, a tracker spreadsheet), replacing the 'imported' flag, so an
import replaces only what the same source wrote

Revision ID: d2f9036c8a41
Revises: b41e7c2d9a58
Create Date: 2026-12-02 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f9036c8a41'
down_revision = 'b41e7c2d9a58'
branch_labels = None
depends_on = None

HISTORIES = ('care_period', 'legal_status', 'placement', 'review', 'care_proceedings', 'pre_proceedings',
             'permanence_plan', 'child_flag', 'key_date')
# Before this revision only the 903 import wrote care periods, statuses, placements and reviews
# flagged 'imported' (the tracker import wrote some too, and cannot be told apart now: they count as
# the 903's); plans and proceedings flagged 'imported' came from the tracker spreadsheet.
IMPORTED_FROM = {'permanence_plan': 'tracker', 'care_proceedings': 'tracker'}


def upgrade():
    for table in HISTORIES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('origin', sa.String(length=10), nullable=False, server_default='ui'))
            batch.add_column(sa.Column('origin_detail', sa.String(length=100), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET origin = :origin WHERE imported")
                   .bindparams(origin=IMPORTED_FROM.get(table, 'ssda903')))
        with op.batch_alter_table(table) as batch:
            batch.drop_column('imported')


def downgrade():
    for table in HISTORIES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('imported', sa.Boolean(), nullable=False, server_default=sa.false()))
        op.execute(sa.text(f"UPDATE {table} SET imported = (origin IN ('ssda903', 'tracker'))"))
        with op.batch_alter_table(table) as batch:
            batch.drop_column('origin_detail')
            batch.drop_column('origin')
