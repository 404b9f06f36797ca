"""The search index tables. They live in the catalog database and are written in the catalog's own
transactions (see ``mam.search.index``), so the index can never drift from the assets it describes.

Portable tables (both engines):

* ``search_docs``: one row per asset with the filter and facet values (kind, status, project, camera, capture
  time and year, duration, display height, capture point, track bbox and time span) and the track itself for
  the exact geo check (``mam.search.geo``: one point a second, float32);
* ``search_tags``: (doc, tag) for the tag filter and facet, user and automatic tags alike;
* ``search_shots``: each shot's 64-bit perceptual hash, for similar shots.

Engine-specific parts, made by migration 0006:

* SQLite: ``search_fts``, an FTS5 table (``title``, ``body``, ``timed``; rowid = ``search_docs.id``;
  ``tokenize='ascii'``) and ``search_geo``, an R*Tree of each document's bbox;
* PostgreSQL: ``search_docs.tsv`` (tsvector; GIN index) and a GiST index on the bbox as a ``box``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from mam.models import Base

docs = Table(
    "search_docs", Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asset_id", String(32), ForeignKey("assets.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("kind", String(16), index=True),
    Column("status", String(16), index=True),
    Column("project", String(200), index=True),
    Column("camera", String(200), index=True),
    Column("captured_at", DateTime(timezone=True), index=True),
    Column("year", Integer, index=True),
    Column("duration_s", Float, index=True),
    Column("height", Integer),
    Column("created_at", DateTime(timezone=True)),
    Column("lat", Float),
    Column("lon", Float),
    Column("geo_w", Float),
    Column("geo_s", Float),
    Column("geo_e", Float),
    Column("geo_n", Float),
    Column("track_t0", Float),
    Column("track_t1", Float),
    Column("track_pts", LargeBinary),
)  # fmt: skip

tags = Table(
    "search_tags", Base.metadata,
    Column("doc_id", Integer, ForeignKey("search_docs.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(200), primary_key=True),
    Index("ix_search_tags_tag_doc", "tag", "doc_id"),
)  # fmt: skip

shots = Table(
    "search_shots", Base.metadata,
    Column("doc_id", Integer, ForeignKey("search_docs.id", ondelete="CASCADE"), primary_key=True),
    Column("shot_index", Integer, primary_key=True),
    Column("start_s", Float),
    Column("end_s", Float),
    Column("phash", BigInteger, nullable=False),
)  # fmt: skip
