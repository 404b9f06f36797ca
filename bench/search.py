"""Search benchmark: a newsroom archive of N generated assets on SQLite and on PostgreSQL, 20 query shapes.

For each engine: a fresh catalog (migrations), N assets from ``bench/search_corpus.py`` written to the assets
table, then indexed by the product's own bulk path (``build_document`` + ``write_documents``: jieba, pinyin,
FTS5 / tsvector, R*Tree / GiST) — timed apart as the index build. Then each query shape runs with several
variants, round-robin, through ``mam.search.query.search`` in-process (what the API route calls; HTTP and JSON
add a constant), with facets, page size 20. Reports p50 / p95 per shape, build times and database sizes to
``bench/results/search.json``.

Usage: python bench/search.py [--n 1000000] [--engines sqlite,postgresql] [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bench.search_corpus import SITES, generate_assets  # noqa: E402
from mam.db import UnitOfWork, get_engine, migrate  # noqa: E402
from mam.models import Asset, Project  # noqa: E402
from mam.search.document import build_document  # noqa: E402
from mam.search.index import write_documents  # noqa: E402
from mam.search.query import SearchParams, search  # noqa: E402

BATCH = 2000
ASSET_DEFAULTS = {"error": None, "sha256": None, "size_bytes": 0, "warnings": [], "loudness": {}, "qc": {},
                  "analysis": {}, "progress": 1.0, "attempts": 1, "description": None, "transcript": [],
                  "content_type": None}


def _asset_row(a: dict[str, Any]) -> dict[str, Any]:
    row = {**ASSET_DEFAULTS, **{k: v for k, v in a.items() if k in Asset.__table__.columns}}
    row["original_key"] = f"originals/{a['id']}/{a['original_filename']}"
    row["updated_at"] = a["created_at"]
    return row


def load(url: str, n: int, seed: int, log: Callable[[str], None]) -> dict[str, float]:
    """Write n assets, then index them; returns seconds for each phase."""
    engine = get_engine(url)
    t_assets = t_index = 0.0
    projects: set[str] = set()
    batch: list[dict[str, Any]] = []

    def flush(rows: list[dict[str, Any]]) -> None:
        nonlocal t_assets, t_index
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Asset.__table__), [_asset_row(a) for a in rows])
        t1 = time.perf_counter()
        docs = [build_document(a) for a in rows]
        with engine.begin() as conn:
            write_documents(conn, docs, replace=False)
        t_assets += t1 - t0
        t_index += time.perf_counter() - t1

    done = 0
    for a in generate_assets(n, seed):
        if a.get("project"):
            projects.add(a["project"])
        batch.append(a)
        if len(batch) >= BATCH:
            flush(batch)
            done += len(batch)
            batch = []
            if done % 50_000 == 0:
                log(f"  {done:,} assets (assets {t_assets:.0f} s, index {t_index:.0f} s)")
    if batch:
        flush(batch)
    with engine.begin() as conn:
        conn.execute(insert(Project.__table__), [{"name": p, "created_at": datetime.now(UTC)} for p in projects])
    t0 = time.perf_counter()
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            conn.exec_driver_sql("ANALYZE")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return {"assets_s": round(t_assets, 1), "index_s": round(t_index, 1),
            "optimize_s": round(time.perf_counter() - t0, 1)}


def db_size(url: str, sqlite_path: Path | None) -> dict[str, int]:
    if sqlite_path is not None:
        return {"database_bytes": sum(p.stat().st_size for p in sqlite_path.parent.glob(sqlite_path.name + "*"))}
    with get_engine(url).connect() as conn:
        total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        index = conn.execute(text(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relname LIKE 'search_%'")).scalar_one()
    return {"database_bytes": int(total), "search_tables_bytes": int(index)}


WEEKLY = next((s for s in SITES if "雄安站" in s.get("name_zh", "")), SITES[0])


def shapes() -> dict[str, list[dict[str, Any]]]:
    """Query shapes → variants (keyword arguments of SearchParams). Words are from the generator's vocabulary."""
    lat, lon = WEEKLY["lat"], WEEKLY["lon"]
    return {
        "word_zh": [{"q": w} for w in ("航拍", "铁路", "两会", "防汛", "采访")],
        "word_zh_rare": [{"q": w} for w in ("白洋淀", "正定", "大兴机场", "隧道", "延时摄影")],
        "word_en": [{"q": w} for w in ("railway", "interview", "aerial", "station", "flood")],
        "phrase_zh": [{"q": f'"{w}"'} for w in ("京雄城际铁路", "雄安新区", "乡村振兴", "疫情防控", "石家庄市")],
        "phrase_en": [{"q": f'"{w}"'} for w in ("aerial survey", "chief engineer", "construction site",
                                                "Xiong'an station", "press conference")],
        "pinyin": [{"q": w} for w in ("jingxiong", "xiongan", "shijiazhuang", "hangpai", "baiyangdian")],
        "initials": [{"q": w} for w in ("jxtl", "xaxq", "sjz", "xczx", "bd")],
        "prefix_en": [{"q": w} for w in ("constr*", "aeri*", "interv*", "railw*", "xiong*")],
        "multi_word": [{"q": w} for w in ("京雄铁路 航拍 2020年6月", "石家庄 两会 现场", "雄安 建设 进展",
                                          "防汛 白洋淀", "railway aerial weekly")],
        "exclude": [{"q": w} for w in ("航拍 -夜间", "铁路 -高铁", "interview -press", "雄安 -航拍",
                                       "两会 -石家庄")],
        "filter_project": [{"project": p} for p in ("京雄城际铁路", "冀云新闻", "河北新闻联播", "乡村振兴专题",
                                                    "Xiong'an Weekly")],
        "filter_tags_kind": [{"tags": ["航拍"], "kind": "video"}, {"tags": ["drone", "4K"]},
                             {"tags": ["采访"], "kind": "video"}, {"tags": ["夜景"]},
                             {"tags": ["两会"], "kind": "image"}],
        "filter_date": [{"date_from": date(y, m, 1), "date_to": date(y, m, 28)}
                        for y, m in ((2020, 6), (2021, 7), (2022, 3), (2023, 1), (2024, 10))],
        "text_project": [{"q": "航拍", "project": "京雄城际铁路"}, {"q": "两会", "project": "河北新闻联播"},
                         {"q": "雄安", "project": "Xiong'an Weekly"}, {"q": "防汛", "project": "冀云新闻"},
                         {"q": "乡村", "project": "乡村振兴专题"}],
        "text_date_kind": [{"q": w, "kind": "video", "date_from": date(2020, 1, 1), "date_to": date(2021, 12, 31)}
                           for w in ("航拍", "铁路", "采访", "railway", "雄安")],
        "text_camera_height": [{"q": w, "camera": c, "min_height": 2160}
                               for w, c in (("航拍", "DJI Mavic 3"), ("铁路", "DJI FC3170"), ("雄安", "DJI M300 RTK"),
                                            ("railway", "Sony PXW-FX9"), ("两会", "Sony ILCE-7SM3"))],
        "text_sorted_by_date": [{"q": w, "sort": "-captured_at"} for w in ("航拍", "铁路", "两会", "雄安", "railway")],
        "browse_facets": [{"status": "ready"}, {}, {"kind": "video"}, {"kind": "image"}, {"status": "failed"}],
        "geo_near": [{"near": (lat + d, lon + d), "radius_m": r}
                     for d, r in ((0, 1000), (0.002, 500), (-0.003, 2000), (0.001, 300), (0.004, 1500))],
        "geo_bbox": [{"bbox": (s["lon"] - 0.02, s["lat"] - 0.015, s["lon"] + 0.02, s["lat"] + 0.015)}
                     for s in SITES[:5]],
        "geo_weekly_by_date": [{"near": (lat, lon), "radius_m": r, "sort": "captured_at", "q": q}
                               for r, q in ((800, ""), (800, "航拍"), (1500, ""), (500, "铁路"), (1200, ""))],
    }


def timed(url: str, rounds: int, log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    factory = UnitOfWork(url).read
    out: dict[str, dict[str, Any]] = {}
    for name, variants in shapes().items():
        times: list[float] = []
        totals: list[int] = []
        with factory() as s:
            for v in variants:  # warm-up: caches, jieba, pinyin
                search(s, SearchParams(**v))
            for i in range(rounds):
                v = variants[i % len(variants)]
                t0 = time.perf_counter()
                r = search(s, SearchParams(**v))
                times.append((time.perf_counter() - t0) * 1000)
                totals.append(r.total)
        times.sort()
        out[name] = {"p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
                     "max_ms": round(times[-1], 1), "median_total": int(statistics.median(totals)),
                     "variants": len(variants)}
        log(f"  {name:22s} p50 {out[name]['p50_ms']:8.1f} ms  p95 {out[name]['p95_ms']:8.1f} ms  "
            f"matches ~{out[name]['median_total']:,}")
    return out


def loaded(url: str, n: int) -> bool:
    """Whether the catalog at ``url`` already holds the n benchmark assets (``--workdir`` reuse)."""
    try:
        with get_engine(url).connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM search_docs")).scalar_one() == n
    except Exception:
        return False


def engines(which: list[str], workdir: Path) -> Iterator[tuple[str, str, Path | None, Callable[[], None]]]:
    if "sqlite" in which:
        path = workdir / "catalog.sqlite3"
        yield "sqlite", f"sqlite:///{path}", path, lambda: None
    if "postgresql" in which:
        from tests.conftest import free_port
        from tests.support.postgres import start_postgres

        server = start_postgres(free_port())
        yield "postgresql", server.new_database(), None, server.stop


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "search.json"))
    ap.add_argument("--workdir", help="keep the SQLite catalog here and reuse it when it holds --n assets "
                    "(to time queries again without rebuilding)")
    args = ap.parse_args()

    def log(msg: str) -> None:
        print(msg, flush=True)

    results: dict[str, Any] = {"n": args.n, "seed": args.seed, "rounds": args.rounds, "cpu_count": os.cpu_count(),
                               "python": platform.python_version(), "engines": {}}
    with tempfile.TemporaryDirectory(prefix="mam-bench-search-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for name, url, path, stop in engines(args.engines.split(","), workdir):
            try:
                if name == "sqlite" and loaded(url, args.n):
                    build = json.loads((workdir / "build.json").read_text())
                    log(f"{name}: reusing {path} ({build})")
                else:
                    log(f"{name}: loading {args.n:,} assets")
                    migrate(url)
                    build = load(url, args.n, args.seed, log)
                    if name == "sqlite":
                        (workdir / "build.json").write_text(json.dumps(build))
                log(f"{name}: {build}")
                size = db_size(url, path)
                log(f"{name}: {size}")
                if name == "sqlite":
                    import sqlite3

                    results["sqlite_version"] = sqlite3.sqlite_version
                results["engines"][name] = {"build": build, "size": size, "queries": timed(url, args.rounds, log)}
            finally:
                get_engine(url).dispose()
                stop()
            Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
