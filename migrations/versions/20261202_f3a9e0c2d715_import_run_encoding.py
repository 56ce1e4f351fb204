"""import run encoding: the encoding the uploader declared for a 903 run's files (none: worked out,
UTF-8 else Windows-1252)

Revision ID: f3a9e0c2d715
Revises: e4b8c2d1f903
Create Date: 2026-12-02 20:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9e0c2d715'
down_revision = 'e4b8c2d1f903'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_run') as batch:
        batch.add_column(sa.Column('encoding', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('import_run') as batch:
        batch.drop_column('encoding')
