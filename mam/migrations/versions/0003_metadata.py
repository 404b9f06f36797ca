"""Capture metadata, telemetry tracks, places and warnings on assets.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("capture", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("captured_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("telemetry", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("places", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=False, server_default="[]"))
        batch.create_index("ix_assets_captured_at", ["captured_at"])


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_index("ix_assets_captured_at")
        for col in ("warnings", "places", "telemetry", "captured_at", "capture"):
            batch.drop_column(col)
