"""Search: descriptions, transcript cues, projects, and the search index (FTS5 + R*Tree on SQLite,
tsvector + GIN and a GiST bbox index on PostgreSQL).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("description", sa.Text()))
        batch.add_column(sa.Column("transcript", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("INSERT INTO projects (name, created_at) SELECT DISTINCT project, CURRENT_TIMESTAMP FROM assets "
               "WHERE project IS NOT NULL")
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("kind", sa.String(16)),
        sa.Column("status", sa.String(16)),
        sa.Column("project", sa.String(200)),
        sa.Column("camera", sa.String(200)),
        sa.Column("captured_at", sa.DateTime(timezone=True)),
        sa.Column("year", sa.Integer()),
        sa.Column("duration_s", sa.Float()),
        sa.Column("height", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        *(sa.Column(c, sa.Float()) for c in ("lat", "lon", "geo_w", "geo_s", "geo_e", "geo_n", "track_t0",
                                             "track_t1")),
        sa.Column("track_pts", sa.LargeBinary()),
    )
    for col in ("kind", "status", "project", "camera", "captured_at", "year", "duration_s"):
        op.create_index(f"ix_search_docs_{col}", "search_docs", [col])
    op.create_table(
        "search_tags",
        sa.Column("doc_id", sa.Integer(), sa.ForeignKey("search_docs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(200), primary_key=True),
    )
    op.create_index("ix_search_tags_tag_doc", "search_tags", ["tag", "doc_id"])
    op.create_table(
        "search_shots",
        sa.Column("doc_id", sa.Integer(), sa.ForeignKey("search_docs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("shot_index", sa.Integer(), primary_key=True),
        sa.Column("start_s", sa.Float()),
        sa.Column("end_s", sa.Float()),
        sa.Column("phash", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, timed, tokenize='ascii')")
        op.execute("CREATE VIRTUAL TABLE search_geo USING rtree(id, min_lon, max_lon, min_lat, max_lat)")
    else:
        op.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector")
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_docs_geo ON search_docs USING gist "
                   "(box(point(geo_w, geo_s), point(geo_e, geo_n))) WHERE geo_w IS NOT NULL")
    # Assets already in the catalog are indexed by ``mam.search.index.backfill`` when the service starts.


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_geo")
        op.execute("DROP TABLE IF EXISTS search_fts")
    for table in ("search_shots", "search_tags", "search_docs", "projects"):
        op.drop_table(table)
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("transcript")
        batch.drop_column("description")
