"""People and trust: users, tokens owned by users, browser sessions, the audit log, review rounds,
time-coded comments, collections, the trash, and who created what.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text()),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE",
                                                                          name="fk_api_tokens_user")))
        batch.add_column(sa.Column("expires_at", TS))
        batch.add_column(sa.Column("revoked_at", TS))
        batch.create_index("ix_api_tokens_user_id", ["user_id"])
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_index("ix_auth_sessions_expires_at", "auth_sessions", ["expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64)),
        sa.Column("actor_id", sa.String(32)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32)),
        sa.Column("target_id", sa.String(64)),
        sa.Column("changes", sa.JSON(), nullable=False, server_default="{}"),
        sa.Column("ip", sa.String(64)),
    )
    for col in ("at", "actor", "action", "target_id"):
        op.create_index(f"ix_audit_log_{col}", "audit_log", [col])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("export_id", sa.String(32), sa.ForeignKey("exports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32)),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_reviews_export_id", "reviews", ["export_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.String(32), sa.ForeignKey("comments.id", ondelete="CASCADE")),
        sa.Column("author_id", sa.String(32)),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("t_s", sa.Float()),
        sa.Column("t_end_s", sa.Float()),
        sa.Column("resolved", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    for col in ("subject_id", "parent_id", "created_at"):
        op.create_index(f"ix_comments_{col}", "comments", [col])
    op.create_table(
        "collections",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("created_by", sa.String(32)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "collection_assets",
        sa.Column("collection_id", sa.String(32), sa.ForeignKey("collections.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", TS, nullable=False),
    )
    op.create_index("ix_collection_assets_asset_id", "collection_assets", ["asset_id"])
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("created_by", sa.String(32)))
        batch.add_column(sa.Column("trashed_at", TS))
        batch.add_column(sa.Column("trashed_by", sa.String(32)))
        batch.create_index("ix_assets_created_by", ["created_by"])
        batch.create_index("ix_assets_trashed_at", ["trashed_at"])
    with op.batch_alter_table("upload_sessions") as batch:
        batch.add_column(sa.Column("created_by", sa.String(32)))
    with op.batch_alter_table("exports") as batch:
        batch.add_column(sa.Column("created_by", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.drop_column("created_by")
    with op.batch_alter_table("upload_sessions") as batch:
        batch.drop_column("created_by")
    with op.batch_alter_table("assets") as batch:
        batch.drop_index("ix_assets_trashed_at")
        batch.drop_index("ix_assets_created_by")
        batch.drop_column("trashed_by")
        batch.drop_column("trashed_at")
        batch.drop_column("created_by")
    for table in ("collection_assets", "collections", "comments", "reviews", "audit_log", "auth_sessions"):
        op.drop_table(table)
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_user_id")
        batch.drop_constraint("fk_api_tokens_user", type_="foreignkey")
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
        batch.drop_column("user_id")
    op.drop_table("users")
