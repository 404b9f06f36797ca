"""How the search code is split: the entry points keep their names, each engine answers the same calls."""

from __future__ import annotations

import inspect

from mam.metadata import exif_readers
from mam.metadata.image_containers import _FORMAT_NAMES
from mam.search import engines, query, render_fts5, render_pg, sql_postgres, sql_sqlite, tokenize


def test_engine_modules_answer_the_same_calls():
    assert engines.engine_sql("sqlite") is sql_sqlite
    assert engines.engine_sql("postgresql") is sql_postgres
    for name in ("text_condition", "ids_in", "geo_candidates", "page_by_index"):
        assert inspect.signature(getattr(sql_sqlite, name)) == inspect.signature(getattr(sql_postgres, name))


def test_tokenize_still_exports_the_engine_renderings():
    assert tokenize.fts5_match is render_fts5.fts5_match and tokenize.FTS5_TOKENIZE == render_fts5.FTS5_TOKENIZE
    assert tokenize.pg_tsvector is render_pg.pg_tsvector and tokenize.pg_tsquery is render_pg.pg_tsquery
    assert all(hasattr(tokenize, name) for name in tokenize.__all__)


def test_query_keeps_its_public_names():
    for name in ("search", "SearchParams", "SearchError", "Sort", "SearchResult", "SearchItem", "Hit", "WINDOW",
                 "FACET_SAMPLE", "text_hits"):
        assert hasattr(query, name), name


def test_every_still_format_but_non_image_isobmff_has_a_reader():
    assert set(exif_readers.READERS) == set(_FORMAT_NAMES) - {"isobmff"}
