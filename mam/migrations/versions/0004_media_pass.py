"""Media pass results on assets: shots, loudness, QC intervals.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("shots", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("loudness", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("qc", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        for col in ("qc", "loudness", "shots"):
            batch.drop_column(col)
