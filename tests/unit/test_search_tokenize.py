"""Search text analysis: segmentation, pinyin, English words, query parsing, and FTS5 round trips."""

from __future__ import annotations

import random
import sqlite3
import threading
import time

import pytest

from mam.search import tokenize
from mam.search.tokenize import FTS5_TOKENIZE, Query, fts5_match, index_terms, index_text, query_terms

DOCS = {
    1: "京雄铁路航拍 4K",
    2: "雄安新区夜景 无人机航拍",
    3: "石家庄融媒体中心 1080i50 HDR",
    4: "保定 The Newsroom's 4k footage, 2024",
    5: "京雄城际夜景",
}


@pytest.fixture(scope="module")
def fts():
    """An in-memory FTS5 table whose column holds index_text() of each document, tokenized with 'ascii'."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='{FTS5_TOKENIZE}')")
    conn.executemany("INSERT INTO docs(rowid, body) VALUES (?, ?)", [(k, index_text(v)) for k, v in DOCS.items()])
    yield conn
    conn.close()


def search(conn: sqlite3.Connection, text: str) -> set[int]:
    expr = fts5_match(query_terms(text))
    if not expr:
        return set()
    return {row[0] for row in conn.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,))}


def test_user_dictionary_segments_local_names_in_search_mode():
    terms = index_terms("京雄铁路航拍")
    assert terms[:4] == ["京雄", "铁路", "京雄铁路", "航拍"]
    assert {"融媒体", "冀云", "无人机"} <= set(index_terms("冀云融媒体无人机"))
    assert "雄安新区" in index_terms("雄安新区夜景")


def test_private_tokenizer_not_jiebas_global_one():
    import jieba

    index_terms("京雄")
    assert tokenize._jieba() is not jieba.dt
    assert tokenize.userdict_path().is_file()


def test_pinyin_forms_and_initials():
    terms = index_terms("京雄铁路")
    assert {"jingxiongtielu", "jingxiong", "tielu", "jxtl", "jx", "tl"} <= set(terms)
    assert "chongqing" in index_terms("重庆")  # polyphone read in context (重: chong, not zhong)
    assert "yinhang" in index_terms("银行")
    assert "j" not in index_terms("京")  # no single-letter initials
    assert len(terms) == len(set(terms))  # pinyin forms are added once


def test_english_case_folding_numbers_and_possessives():
    terms = index_terms("The NEWSROOM's ４Ｋ HDR 1080i50 footage, 2024 — Xióng'ān, teams' O'Neil_x")
    assert terms == ["the", "newsroom", "4k", "hdr", "1080i50", "footage", "2024", "xiongan", "teams", "oneil", "x"]
    assert index_terms("") == []
    assert index_terms("，。！？ ...") == []


def test_terms_are_single_tokens():
    long_word = "a" * 500
    for term in index_terms(f"京雄铁路 4K {long_word} 《雄安》 x-y_z\tq"):
        assert term and term.isalnum() and term == term.lower() and len(term) <= tokenize.MAX_TERM_LEN


def test_query_parsing():
    q = query_terms('京雄 航拍 "雄安新区" -夜景 jingx*')
    assert q == Query(
        must=[["京雄", "jingxiong"], ["航拍", "hangpai"]],
        phrases=["雄安 安新 新区 雄安新区"],
        exclude=["夜景"],
        prefixes=["jingx"],
    )
    assert fts5_match(q) == (
        '(("京雄" OR "jingxiong") AND ("航拍" OR "hangpai") AND "雄安 安新 新区 雄安新区" AND "jingx"*) NOT ("夜景")'
    )


def test_query_parsing_variants():
    assert query_terms("jxtl 4K 2024").must == [["4k"], ["2024"]]
    assert query_terms("jxtl 4K 2024").prefixes == ["jxtl"]  # ASCII letters: implicit prefix
    assert query_terms("京雄铁路航*") == Query(must=[["京雄铁路", "jingxiongtielu"]], prefixes=["航"])
    assert query_terms("“京雄铁路 航拍”").phrases == ["京雄 铁路 京雄铁路 航拍"]  # Chinese quotation marks
    assert query_terms('-"night shot" -Dark*').exclude == ["night shot", "dark"]
    assert query_terms("-夜景").is_empty()
    assert fts5_match(query_terms("-夜景")) == ""


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("铁路", {1}),
        ("jingxiong", {1, 5}),
        ("jxtl", {1}),
        ("4k", {1, 4}),
        ("4K", {1, 4}),
        ("jingx", {1, 5}),
        ("jingx*", {1, 5}),
        ("京*", {1, 5}),
        ("航拍", {1, 2}),
        ("航拍 -夜景", {1}),
        ("夜景 -京雄", {2}),
        ("夜景 -jingxiong", {2}),
        ("NEWSROOM", {4}),
        ("newsroom's", {4}),
        ("2024", {4}),
        ("202", set()),  # numbers match whole, never as prefixes
        ("1080I50", {3}),
        ("融媒体 石家庄", {3}),
        ('"雄安新区夜景"', {2}),
        ('"夜景 雄安新区"', set()),
        ('京雄 航拍 "雄安新区" -夜景 jingx*', set()),
        ('航拍 "雄安新区" -京雄', {2}),
        ('京雄 "铁路" -夜景 jingx*', {1}),
        ("-夜景", set()),
    ],
)
def test_fts5_round_trip(fts, text, rows):
    assert search(fts, text) == rows


HOSTILE = [
    '"',
    '""',
    "*",
    "**",
    "NEAR(",
    "NEAR(a b, 2)",
    "OR AND",
    "AND",
    ")",
    "(",
    "-",
    "--",
    '- * " ( )',
    "body:京雄",
    "^京雄",
    "{body}: x",
    'a" OR "b',
    "\x00京雄\x00",
    "'; DROP TABLE docs; --",
    "京" * 10_000,
    "a" * 10_000,
    "a " * 5_000,
    ('"京雄" -' * 2_000),
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_raise(fts, text):
    expr = fts5_match(query_terms(text))
    assert isinstance(expr, str)
    if expr:
        fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,)).fetchall()


def test_random_queries_never_raise(fts):
    rng = random.Random(20240)
    alphabet = list('"*()-:^{}+, ORANDNEOTaxj京雄铁路夜景\t\u3000“”') + ["NEAR", "OR", "AND", "NOT"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        expr = fts5_match(query_terms(text))
        if expr:
            fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,)).fetchall()


def test_fts5_match_quotes_hand_built_queries(fts):
    q = Query(must=[['a" OR "b', ")"]], phrases=['" NEAR('], exclude=['"'], prefixes=["*", 'x"'])
    expr = fts5_match(q)
    fts.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expr,)).fetchall()
    assert fts5_match(Query()) == ""


def test_lazy_tokenizer_is_built_once_across_threads(monkeypatch):
    real = tokenize._jieba()
    calls = []

    def slow_build():
        calls.append(1)
        time.sleep(0.05)
        return real

    monkeypatch.setattr(tokenize, "_tokenizer", None)
    monkeypatch.setattr(tokenize, "_build_tokenizer", slow_build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(index_terms("京雄铁路"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r == results[0] for r in results) and len(results) == 8
