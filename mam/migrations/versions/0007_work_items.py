"""Work items: submitted pipeline steps kept in the catalog (transactional outbox); an asset's ETA.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("asset_id", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(32)),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("retries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_work_items_asset_id", "work_items", ["asset_id"])
    op.create_index("ix_work_items_state", "work_items", ["state"])
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("eta_s", sa.Float()))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("eta_s")
    op.drop_table("work_items")
