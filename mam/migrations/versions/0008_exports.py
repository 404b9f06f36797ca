"""Exports (a preset rendered from an asset) and delivery records.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("batch_id", sa.String(32), nullable=False),
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("preset", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float()),
        sa.Column("end_s", sa.Float()),
        sa.Column("loudness_target", sa.Float()),
        sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
        sa.Column("eta_s", sa.Float()),
        sa.Column("error", sa.Text()),
        sa.Column("outputs", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("qc", sa.JSON(), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for col in ("batch_id", "asset_id", "status", "created_at"):
        op.create_index(f"ix_exports_{col}", "exports", [col])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("export_id", sa.String(32), sa.ForeignKey("exports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("history", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for col in ("export_id", "platform", "status", "created_at"):
        op.create_index(f"ix_deliveries_{col}", "deliveries", [col])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("exports")
