"""Writing the search index, in the catalog's own transactions.

Every ORM session flush that adds, changes (any of ``document.FIELDS``) or deletes an ``Asset``, or adds,
changes or deletes a comment on one (its text is part of the asset's document), re-indexes it on the same
connection before the transaction ends (SQLAlchemy ``before_flush`` notes which assets, ``after_flush`` reads
their rows and comments back and writes their documents; attached by ``attach_hooks``).
Commit and the index commits; roll back and the index rolls back.
There is no second store and no queue between the catalog and its index.

``write_documents`` is also the bulk path (``mam reindex``, the benchmark); ``backfill`` indexes assets
that predate the index.

The hooks are attached by ``mam.db.UnitOfWork`` to its own session factory, not to SQLAlchemy's
global ``Session`` class.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    bindparam,
    cast,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session, sessionmaker

from mam.comments import comment_texts
from mam.models import Asset, Comment, new_id
from mam.search import schema
from mam.search.document import FIELDS, SearchDocument, build_document
from mam.search.render_pg import pg_tsvector

log = logging.getLogger(__name__)
_PENDING = "search_index_pending"
_BATCH = 500
_COLUMNS = [Asset.__table__.c[name] for name in FIELDS]


def _chunks(seq: Sequence[Any], n: int = _BATCH) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def delete_documents(conn: Connection, asset_ids: Sequence[str]) -> None:
    """Remove the documents of these assets with their tags, shot hashes, text and area rows."""
    for chunk in _chunks(list(asset_ids)):
        doc_ids = list(_doc_ids(conn, chunk).values())
        if doc_ids:
            _clear_parts(conn, doc_ids)
            conn.execute(delete(schema.docs).where(schema.docs.c.id.in_(doc_ids)))


@functools.cache
def _pg_docs() -> Table:
    """``search_docs`` with PostgreSQL's ``tsv`` column (it exists only there)."""
    table = schema.docs.to_metadata(MetaData())
    table.append_column(Column("tsv", TSVECTOR))
    return table


def _with_tsv(docs: Sequence[SearchDocument]) -> list[dict[str, Any]]:
    return [d.row | {"tsv": pg_tsvector((d.title_terms, "A"), (d.body_terms, "B"), (d.timed_terms, "C"))}
            for d in docs]


def _insert_docs(conn: Connection, docs: Sequence[SearchDocument]) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(insert(_pg_docs()).values(tsv=cast(bindparam("tsv"), TSVECTOR)), _with_tsv(docs))
    else:
        conn.execute(insert(schema.docs), [d.row for d in docs])


def _update_docs(conn: Connection, docs: Sequence[SearchDocument], doc_id: dict[str, int]) -> None:
    """Rewrite documents in place: an asset keeps its document id for life (ids grow with ingest order,
    which the search's newest-first window relies on)."""
    pg = conn.dialect.name == "postgresql"
    table = _pg_docs() if pg else schema.docs
    values = {c.name: bindparam(c.name, type_=c.type) for c in schema.docs.columns if c.name not in ("id", "asset_id")}
    if pg:
        values["tsv"] = cast(bindparam("tsv"), TSVECTOR)
    rows = _with_tsv(docs) if pg else [dict(d.row) for d in docs]
    for row in rows:
        row["b_id"] = doc_id[row.pop("asset_id")]
    conn.execute(update(table).where(table.c.id == bindparam("b_id")).values(values), rows)


def _clear_parts(conn: Connection, doc_ids: list[int]) -> None:
    """Drop a document's tags, shot hashes, text and area rows (before they are written again)."""
    if conn.dialect.name == "sqlite":
        ids = bindparam("ids", expanding=True)
        conn.execute(text("DELETE FROM search_fts WHERE rowid IN :ids").bindparams(ids), {"ids": doc_ids})
        conn.execute(text("DELETE FROM search_geo WHERE id IN :ids").bindparams(ids), {"ids": doc_ids})
    conn.execute(delete(schema.tags).where(schema.tags.c.doc_id.in_(doc_ids)))
    conn.execute(delete(schema.shots).where(schema.shots.c.doc_id.in_(doc_ids)))


def _doc_ids(conn: Connection, asset_ids: Sequence[str]) -> dict[str, int]:
    return {aid: did for aid, did in conn.execute(
        select(schema.docs.c.asset_id, schema.docs.c.id).where(schema.docs.c.asset_id.in_(list(asset_ids))))}


def write_documents(conn: Connection, docs: Sequence[SearchDocument], *, replace: bool = True) -> None:
    """Store documents, rewriting those of assets already indexed (``replace=False`` skips that check: a bulk
    load into an empty index)."""
    for chunk in _chunks(list(docs)):
        existing = _doc_ids(conn, [d.asset_id for d in chunk]) if replace else {}
        old = [d for d in chunk if d.asset_id in existing]
        new = [d for d in chunk if d.asset_id not in existing]
        if old:
            _clear_parts(conn, list(existing.values()))
            _update_docs(conn, old, existing)
        if new:
            _insert_docs(conn, new)
        doc_id = existing | (_doc_ids(conn, [d.asset_id for d in new]) if new else {})
        tag_rows = [{"doc_id": doc_id[d.asset_id], "tag": t} for d in chunk for t in d.tags]
        shot_rows = [{"doc_id": doc_id[d.asset_id], **s} for d in chunk for s in d.shots]
        if tag_rows:
            conn.execute(insert(schema.tags), tag_rows)
        if shot_rows:
            conn.execute(insert(schema.shots), shot_rows)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "INSERT INTO search_fts (rowid, title, body, timed) VALUES (?, ?, ?, ?)",
                [(doc_id[d.asset_id], " ".join(d.title_terms), " ".join(d.body_terms), " ".join(d.timed_terms))
                 for d in chunk],
            )
            geo = [(doc_id[d.asset_id], b[0], b[2], b[1], b[3]) for d in chunk if (b := d.bbox)]
            if geo:
                conn.exec_driver_sql("INSERT INTO search_geo (id, min_lon, max_lon, min_lat, max_lat) "
                                     "VALUES (?, ?, ?, ?, ?)", geo)


def _documents(conn: Connection, asset_ids: Sequence[str]) -> list[SearchDocument]:
    """The documents of these assets as the catalog holds them now, with their comments' text (assets in
    the trash have none: the trash is not searched)."""
    t = Asset.__table__.c
    rows = conn.execute(select(*_COLUMNS).where(t.id.in_(list(asset_ids)), t.trashed_at.is_(None))).mappings().all()
    comments = comment_texts(conn, [row["id"] for row in rows])
    return [build_document({**row, "comments": comments.get(row["id"], [])}) for row in rows]


def _indexed_change(asset: Asset) -> bool:
    state = inspect(asset)
    return any(state.attrs[name].history.has_changes() for name in FIELDS)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    pending: dict[str, bool] = session.info.setdefault(_PENDING, {})  # asset id → still exists
    for obj in session.new:
        if isinstance(obj, Asset):
            obj.id = obj.id or new_id()
            pending[obj.id] = True
    for obj in session.dirty:
        if isinstance(obj, Asset) and inspect(obj).attrs["trashed_at"].history.has_changes():
            pending[obj.id] = obj.trashed_at is None  # the trash is not searched; a restore indexes it again
        elif isinstance(obj, Asset) and _indexed_change(obj) and obj.trashed_at is None:
            pending[obj.id] = True
    for obj in session.deleted:
        if isinstance(obj, Asset):
            pending[obj.id] = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Comment) and obj.subject_type == "asset":  # its text is part of the asset's document
            pending.setdefault(obj.subject_id, True)


def _after_flush(session: Session, _ctx: Any) -> None:
    """Index what the flush changed, read back from the database inside the transaction: the document is
    what the catalog row now holds, including what another transaction committed before this one took
    the row's lock (never a stale copy from this session's memory)."""
    pending: dict[str, bool] = session.info.pop(_PENDING, {})
    if not pending:
        return
    conn = session.connection()
    gone = [aid for aid, exists in pending.items() if not exists]
    if gone:
        delete_documents(conn, gone)
    alive = [aid for aid, exists in pending.items() if exists]
    for chunk in _chunks(alive):
        write_documents(conn, _documents(conn, chunk))


def attach_hooks(sessions: sessionmaker) -> None:
    """Keep the index in step with every session ``sessions`` makes (the unit of work's factory)."""
    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "after_flush", _after_flush)


def backfill(session: Session, *, rebuild: bool = False, batch: int = _BATCH, progress=None) -> int:
    """Index the assets that have no document (all of them with ``rebuild``); returns how many were indexed.

    ``progress(done, total)`` is called after each batch."""
    conn = session.connection()
    query = select(Asset.id).where(Asset.trashed_at.is_(None))
    if not rebuild:
        query = query.where(Asset.id.not_in(select(schema.docs.c.asset_id)))
    ids = list(session.scalars(query.order_by(Asset.id)))
    for i, chunk in enumerate(_chunks(ids, batch)):
        write_documents(conn, _documents(conn, chunk))
        if progress:
            progress(min((i + 1) * batch, len(ids)), len(ids))
    return len(ids)
