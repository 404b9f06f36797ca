"""Tags made by metadata and analysis (with their source), OCR lines, analysis state.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("auto_tags", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("ocr", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("analysis", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        for col in ("analysis", "ocr", "auto_tags"):
            batch.drop_column(col)
