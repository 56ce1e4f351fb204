"""agenda item practice themes: the themes of practice (the ToR's ``practice_themes``) a meeting's
record tags an item with, counted in the panel reports

Revision ID: b7d3e91c4a26
Revises: f3a9e0c2d715
Create Date: 2026-12-03 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e91c4a26'
down_revision = 'f3a9e0c2d715'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item') as batch:
        batch.add_column(sa.Column('practice_themes', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('agenda_item') as batch:
        batch.drop_column('practice_themes')
