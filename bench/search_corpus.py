"""Deterministic generator of realistic catalog assets for the search benchmark (up to 1,000,000 and more).

``generate_assets(n, seed)`` yields plain dicts shaped like the product's ``mam.models.Asset`` columns: a
newsroom's footage of Hebei, Beijing and Xiong'an (Chinese titles mostly, some English), tags, places, OCR,
transcripts, shots and drone flight tracks. One ``random.Random(seed)`` drives every asset in order, so a seed
always gives the same assets and the first k assets do not depend on ``n``.

Flight tracks come from the product's own ``summarise`` / ``encode_points`` over ``TelemetryPoint`` flights
(orbit, straight pass, lawnmower survey; 5-15 m/s, 60-300 m; 1 point per second, 3-s steps past 300 s so at
most 301 points). Those two functions take milliseconds per flight, far too slow to call for every asset, so
each site has a small pool of flight plans (1-6, more where the newsroom flies more; each seeded on its own, so
the pool does not depend on the order of use), summarised once; an asset flies one plan moved by a whole
number of 1e-7 degrees (up to 2 km). The record then equals what the product computes for the moved points,
except that ``distance_m`` and the choice of simplified ``line`` vertices are those of the unmoved plan (a 2 km
move changes lengths by < 0.03 %). Weekly-shoot clips repeat three fixed missions over 雄安站 each week.

Usage: python bench/search_corpus.py [N]   (default 20000: prints the rate and a few samples as JSON)
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from bisect import bisect
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repo root holds bench/

from bench.search_vocab import (  # noqa: E402, F401  (SITES is re-exported)
    _ACTIVITIES,
    _COLOURS,
    _COMPANIES,
    _CONTENT_TYPES,
    _DAY0_TS,
    _DAYS,
    _DEVICES,
    _EVENTS,
    _FALLBACK,
    _GROUP_TABLE,
    _HEADLINES,
    _KIND_TABLE,
    _M_PER_DEG,
    _MASK128,
    _MONTHS_EN,
    _NDAYS,
    _PEOPLE,
    _PHOTO_SHOTS,
    _PLACE_DICTS,
    _PLACE_TAGS,
    _PROJECTS,
    _ROADS,
    _ROLES,
    _SHOTS,
    _SITE_CUM,
    _SITE_DEG_PER_M,
    _SITE_PLANS,
    _SITE_ROWS,
    _SLOGANS,
    _TAGS,
    _TEXT_PLACES,
    _TOPICS,
    _USAGES,
    _VIDEO_MODES,
    _VILLAGES,
    _WEATHER,
    _WEEKLY_DAY0,
    _WEEKLY_DEVICE,
    _WEEKLY_EPISODES,
    _WORKS,
    SITES,
    TZ_OFFSET_S,
    WEEKLY_SITE,
)
from mam.metadata.dji_srt import TelemetryPoint  # noqa: E402
from mam.metadata.track import encode_points, summarise  # noqa: E402

__all__ = ["SITES", "generate_assets"]

# --- flights --------------------------------------------------------------------------------------------------------
def _flight(rng: random.Random, pattern: str, lat0: float, lon0: float, elev: float, duration: int,
            heading: float | None = None) -> list[TelemetryPoint]:
    """A flight near (lat0, lon0): one point a second (every 3 s past 300 s), positions on the 1e-7 degree grid."""
    step = 1 if duration <= 300 else 3
    m_lat = 1 / _M_PER_DEG
    m_lon = m_lat / math.cos(math.radians(lat0))
    hd = math.radians(rng.uniform(0, 360) if heading is None else heading)
    ux, uy = math.sin(hd), math.cos(hd)  # along-track unit vector (east, north)
    wobble = rng.uniform(1, 6)
    alt = rng.uniform(60 + wobble, 300 - wobble)  # 60-300 m above take-off
    off_x, off_y = rng.uniform(-300, 300), rng.uniform(-300, 300)
    if pattern == "orbit":
        v, radius = rng.uniform(5, 12), rng.uniform(80, 450)
        omega, th0 = v / radius * rng.choice((-1, 1)), rng.uniform(0, 2 * math.pi)
    elif pattern == "pass":  # straight over a bridge or along a line, turning back after 3 km
        v = rng.uniform(8, 15)
        half = min(1500.0, v * duration / 2 + 20)
    else:  # lawnmower survey
        v, leg, spacing = rng.uniform(5, 12), rng.uniform(200, 800), rng.uniform(40, 100)
        cycle = leg + spacing
        rows = v * duration / cycle
    pts = []
    for t in range(0, duration + 1, step):
        if pattern == "orbit":
            th = th0 + omega * t
            x, y = off_x + radius * math.sin(th), off_y + radius * math.cos(th)
        else:
            if pattern == "pass":
                u = (v * t) % (4 * half)
                a, c = (u - half if u < 2 * half else 3 * half - u), 4 * math.sin(t / 30)
            else:
                s = v * t
                k, rem = divmod(s, cycle)
                if rem < leg:
                    a, c = (rem if k % 2 == 0 else leg - rem), k * spacing
                else:
                    a, c = (leg if k % 2 == 0 else 0.0), k * spacing + rem - leg
                a, c = a - leg / 2, c - rows * spacing / 2
            x, y = off_x + a * ux + c * uy, off_y + a * uy - c * ux
        x += (rng.random() - 0.5) * 0.6  # GPS noise
        y += (rng.random() - 0.5) * 0.6
        h = alt + wobble * math.sin(t / 45)
        pts.append(TelemetryPoint(t_s=float(t), lat=round(lat0 + y * m_lat, 7), lon=round(lon0 + x * m_lon, 7),
                                  rel_alt_m=round(h, 1), abs_alt_m=round(h + elev, 1), time=None))
    return pts


class _Plan:
    """A flight summarised and encoded once by the product; `place` moves it by whole 1e-7 degrees."""

    __slots__ = ("duration", "summary", "encoded", "bbox7", "ends7", "line7", "shots")

    def __init__(self, points: list[TelemetryPoint], shots: int = 0) -> None:
        summary = summarise(points).to_dict()
        self.encoded = encode_points(points)
        self.duration = int(points[-1].t_s)
        self.summary = summary
        self.bbox7 = [round(v * 1e7) for v in summary["bbox"]]
        ends = (summary["start"], summary["end"])
        self.ends7 = [(round(e["lat"] * 1e7), round(e["lon"] * 1e7), e["t_s"]) for e in ends]
        self.line7 = [(round(lo * 1e7), round(la * 1e7)) for lo, la in summary["line"]]
        self.shots = shots

    def place(self, dlat7: int, dlon7: int) -> dict[str, Any]:
        """The telemetry record of this flight moved north by dlat7 and east by dlon7 (1e-7 degrees)."""
        s, e = self.summary, self.encoded
        w, so, ea, n = self.bbox7
        (la0, lo0, t0), (la1, lo1, t1) = self.ends7
        lat_e7, lon_e7 = e["lat_e7"], e["lon_e7"]
        return {
            "points": s["points"], "duration_s": s["duration_s"],
            "bbox": ((w + dlon7) / 1e7, (so + dlat7) / 1e7, (ea + dlon7) / 1e7, (n + dlat7) / 1e7),
            "start": {"lat": (la0 + dlat7) / 1e7, "lon": (lo0 + dlon7) / 1e7, "t_s": t0},
            "end": {"lat": (la1 + dlat7) / 1e7, "lon": (lo1 + dlon7) / 1e7, "t_s": t1},
            "distance_m": s["distance_m"], "max_rel_alt_m": s["max_rel_alt_m"],
            "line": [[(lo + dlon7) / 1e7, (la + dlat7) / 1e7] for lo, la in self.line7],
            "dropped_spikes": s["dropped_spikes"], "warnings": list(s["warnings"]),
            "encoded": {
                "v": e["v"], "n": e["n"], "t_cs": list(e["t_cs"]),
                "lat_e7": [lat_e7[0] + dlat7, *lat_e7[1:]], "lon_e7": [lon_e7[0] + dlon7, *lon_e7[1:]],
                "rel_dm": list(e["rel_dm"]), "abs_dm": list(e["abs_dm"]), "time0": e["time0"],
            },
        }  # fmt: skip


class _Plans:
    """Flight plans, built on first use, each from its own seeded RNG (so the pool never depends on the order)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.by_site: dict[tuple[int, int], _Plan] = {}
        self.weekly: list[_Plan] = []

    def get(self, site: int, variant: int) -> _Plan:
        plan = self.by_site.get((site, variant))
        if plan is None:
            rng = random.Random(f"plan:{self.seed}:{site}:{variant}")
            row = _SITE_ROWS[site]
            duration = min(900, int(8 * 112.5 ** (rng.random() ** 1.4)))  # 8..900 s, median ~50 s
            pattern = rng.choice(("orbit", "orbit", "pass", "survey"))
            plan = self.by_site[(site, variant)] = _Plan(_flight(rng, pattern, row[2], row[3], row[4], duration))
        return plan

    def weekly_missions(self) -> list[_Plan]:
        """Three fixed missions over 雄安站: survey of the site, pass along the line (NNE), orbit of the station."""
        if not self.weekly:
            row = _SITE_ROWS[WEEKLY_SITE]
            for name, duration, heading, shots in (("survey", 600, 25.0, 6), ("pass", 240, 35.0, 4),
                                                   ("orbit", 180, None, 3)):
                rng = random.Random(f"weekly:{self.seed}:{name}")
                self.weekly.append(_Plan(_flight(rng, name, row[2], row[3], row[4], duration, heading), shots))
        return self.weekly


def _flip(h: int, rng: random.Random) -> str:
    for _ in range(rng.randrange(5)):  # 0-4 bits
        h ^= 1 << rng.randrange(64)
    return f"{h:016x}"


def _asset_id(i: int, salt: int) -> str:
    """A bijection of the index (xor, odd multiply, xorshift on 128 bits): unique, random-looking hex."""
    x = ((i ^ salt) * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _MASK128
    return f"{x ^ (x >> 64):032x}"


# --- text -------------------------------------------------------------------------------------------------------------
def _title_zh(r: Any, c: dict[str, Any]) -> str:
    place, topic, shot = c["place_zh"], c["topic"][0], c["shot"][0]
    y, m, d, wk = c["ymdw"]
    k = int(13 ** r()) - 1  # the first templates are the most used
    if k == 0:
        return f"{place}{topic}{shot}"
    if k == 1:
        return f"{place}{shot} 第{wk}周"
    if k == 2:
        return f"{c['project_zh']} 专题：{topic}"
    if k == 3:
        return f"{place}{topic} 现场直击"
    if k == 4:
        return f"采访：{c['role'][0]}{c['person'][0]}谈{topic}"
    if k == 5:
        return f"{y}年{m}月 {place}{topic}素材"
    if k == 6:
        return f"{place}{c['road']}{topic}{shot}"
    if k == 7:
        return f"{place}{c['village']}{topic} {shot}"
    if k == 8:
        return f"{c['company']}{topic}现场 {shot}"
    if k == 9:
        return f"{place}{topic}{_EVENTS[int(15 ** r()) - 1]}"
    if k == 10:
        return f"{c['project_zh']}｜{place}：{_HEADLINES[int(13 ** r()) - 1].format(topic)}"
    return f"{place}{shot} {y}{m:02d}{d:02d} #{int(30 ** r())}"


def _title_en(r: Any, c: dict[str, Any]) -> str:
    place, topic, shot = c["place_en"], c["topic"][1], c["shot"][1]
    y, m, _, wk = c["ymdw"]
    k = int(9 ** r()) - 1
    if k == 0:
        return f"{shot[0].upper()}{shot[1:]}: {topic} in {place}"
    if k == 1:
        return f"Weekly {shot} of the {place} site, week {wk}"
    if k == 2:
        return f"Interview: {c['role'][1]} on {topic}"
    if k == 3:
        return f"{place}: {topic} ({shot})"
    if k == 4:
        return f"{c['project_en']} - {topic} in {place}"
    if k == 5:
        return f"{topic[0].upper()}{topic[1:]} update, {_MONTHS_EN[m]} {y}"
    if k == 6:
        return f"{c['person'][1]}, {c['role'][1]}, {place}"
    return f"{place} {shot} {y}-{m:02d}"


def _desc_zh(r: Any, c: dict[str, Any]) -> str:
    y, m, d, wk = c["ymdw"]
    place, topic, shot = c["place_zh"], c["topic"][0], c["shot"][0]
    scenes = c["topic"][2]
    j = int(r() * len(scenes))
    s1, s2 = scenes[j][0], scenes[j - 1][0]
    kind = c["kind"]
    out: list[str] = []
    size, want, k0 = 0, 1 + int(r() * 3), int(r() * 10)
    for j in range(10):  # sentence templates in a random rotation, none twice
        if len(out) >= want and size >= 40:
            break
        k = (k0 + 3 * j) % 10
        if k == 0:
            s = f"{y}年{m}月{d}日，{place}{topic}工作持续推进。"
        elif k == 1 and kind == "audio":
            s = f"录音内容为{c['role'][0]}{c['person'][0]}介绍{topic}情况。"
        elif k == 1:
            s = f"画面包括{s1}、{s2}等镜头。" if s1 != s2 else f"画面包括{s1}等镜头。"
        elif k == 2 and kind == "audio":
            s = f"{place}{topic}现场同期声，音质清晰。"
        elif k == 2:
            s = f"{shot}记录了{place}{s1}的场景。"
        elif k == 3:
            s = f"{c['role'][0]}{c['person'][0]}介绍了{topic}的最新进展。"
        elif k == 4:
            s = f"拍摄地点位于{place}{c['road']}附近。"
        elif k == 5:
            s = f"本素材为{c['project_zh']}拍摄，可用于{_USAGES[int(r() * len(_USAGES))]}。"
        elif k == 6:
            s = f"{c['company']}施工人员正在进行{_WORKS[int(r() * len(_WORKS))]}作业。"
        elif k == 7:
            s = f"{c['village']}村民{_ACTIVITIES[int(r() * len(_ACTIVITIES))]}。"
        elif k == 8:
            s = f"当天天气{_WEATHER[int(r() * len(_WEATHER))][0]}，拍摄于{y}年第{wk}周。"
        elif kind == "video":
            s = f"{place}{topic}{shot}素材，共{1 + int(r() * 40)}个镜头。"
        elif kind == "image":
            s = f"{place}{topic}{shot}组图，共{2 + int(r() * 30)}张。"
        else:
            s = f"{place}{topic}{shot}录音，时长约{1 + int(r() * 30)}分钟。"
        out.append(s)
        size += len(s)
    text = "".join(out)
    return text if len(text) <= 200 else text[: text.rfind("。", 0, 200) + 1]


def _desc_en(r: Any, c: dict[str, Any]) -> str:
    y, m, d, _ = c["ymdw"]
    place, topic, shot = c["place_en"], c["topic"][1], c["shot"][1]
    scenes = c["topic"][2]
    j = int(r() * len(scenes))
    s1, s2 = scenes[j][1], scenes[j - 1][1]
    out: list[str] = []
    size, want, k0 = -1, 1 + int(r() * 3), int(r() * 7)
    for j in range(7):  # sentence templates in a random rotation, none twice
        if len(out) >= want and size >= 40:
            break
        k = (k0 + 3 * j) % 7
        if k == 0:
            s = f"{shot[0].upper()}{shot[1:]}: {topic} in {place}, shot on {d} {_MONTHS_EN[m]} {y}."
        elif k == 1 and c["kind"] == "audio":
            s = f"Recording of the {c['role'][1]} {c['person'][1]} on {topic}."
        elif k == 1:
            s = f"Includes {s1} and {s2}." if s1 != s2 else f"Includes {s1}."
        elif k == 2:
            s = f"The {c['role'][1]} {c['person'][1]} talks about progress on {topic}."
        elif k == 3:
            s = f"Footage for {c['project_en']}, cleared for news use."
        elif k == 4:
            s = f"Weather: {_WEATHER[int(r() * len(_WEATHER))][1]}."
        elif k == 5:
            s = f"Filmed in {place} by the convergence media centre crew."
        else:
            s = f"{topic[0].upper()}{topic[1:]}: {s1}."
        if size + 1 + len(s) > 200:
            break
        out.append(s)
        size += 1 + len(s)
    return " ".join(out)


def _ocr_line(r: Any, c: dict[str, Any]) -> str:
    k = int(r() * 8)
    if k == 0:
        return f"{c['place_zh']}{c['topic'][0]} 施工现场"
    if k == 1:
        return f"{c['role'][0]} {c['person'][0]}"
    if k == 2:
        return f"记者 {c['person'][0]}"
    if k == 3:
        return c["project_zh"]
    if k == 4:
        y, m, d, _ = c["ymdw"]
        return f"{y}年{m}月{d}日"
    if k == 5:
        return f"{c['place_zh']}融媒体中心"
    if k == 6:
        return c["company"]
    return _SLOGANS[int(12 ** r()) - 1]


def _speech(r: Any, c: dict[str, Any], k: int) -> str:
    """Spoken sentence number k (0-9) about the asset's topic."""
    topic, place = c["topic"][0], c["place_zh"]
    if k == 0:
        return f"我们现在是在{place}的{topic}现场。"
    if k == 1:
        return f"目前项目已经完成了总工程量的{10 + int(r() * 89)}%。"
    if k == 2:
        return f"预计到{c['ymdw'][0] + 1 + int(r() * 2)}年底全面建成投用。"
    if k == 3:
        return f"{c['role'][0]}{c['person'][0]}告诉记者，{topic}的进展非常顺利。"
    if k == 4:
        return f"这几年咱们{place}的变化特别大。"
    if k == 5:
        return f"下一步我们将继续做好{topic}工作。"
    if k == 6:
        return f"现场有{2 + int(r() * 8)}百多名工人在同时施工。"
    if k == 7:
        return f"大家好，欢迎收看{c['project_zh']}。"
    if k == 8:
        return f"今天是{c['ymdw'][1]}月{c['ymdw'][2]}日，天气{_WEATHER[int(r() * len(_WEATHER))][0]}。"
    return "感谢大家的关注，我们下期再见。"


_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


# --- file names -------------------------------------------------------------------------------------------------------
def _filename(rr: Any, kind: str, style: str, lt: tuple[int, int, int, int, int, int]) -> tuple[str, str]:
    """(original file name, upper-case extension) for a device's naming style at local time lt."""
    y, mo, d, hh, mi, ss = lt
    n = 1 + rr(9999)
    if kind == "audio":
        if style == "zoom":
            return f"ZOOM{n:04d}_LR.WAV", "WAV"
        if style == "tascam":
            return f"TASCAM_{n:04d}.wav", "WAV"
        if style == "sony_pcm":
            return f"{y % 100:02d}{mo:02d}{d:02d}_{n % 1000:04d}.WAV", "WAV"
        if style == "iphone":
            return f"新录音 {n % 300}.m4a", "M4A"
        return f"录音_{mo:02d}{d:02d}.WAV", "WAV"
    if kind == "image":
        if style in ("dji", "dji_mov"):
            return f"DJI_{n:04d}.JPG", "JPG"
        if style == "dji_new":
            return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_D.JPG", "JPG"
        if style == "dji_h20":
            return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_{'WZ'[n % 2]}.JPG", "JPG"
        if style == "gopro":
            return f"GOPR{n:04d}.JPG", "JPG"
        if style == "sony":
            return f"DSC{n:05d}.JPG", "JPG"
        if style == "nikon":
            return f"DSC_{n:04d}.JPG", "JPG"
        if style in ("canon", "canon_dslr"):
            return f"IMG_{n:04d}.JPG", "JPG"
        if style == "iphone":
            return (f"IMG_{n:04d}.HEIC", "HEIC") if n % 5 else (f"IMG_{n:04d}.JPG", "JPG")
        return f"IMG_{y}{mo:02d}{d:02d}_{hh:02d}{mi:02d}{ss:02d}.jpg", "JPG"
    if style == "dji":
        return f"DJI_{n:04d}.MP4", "MP4"
    if style == "dji_mov":
        return f"DJI_{n:04d}.MOV", "MOV"
    if style == "dji_new":
        return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_D.MP4", "MP4"
    if style == "dji_h20":
        return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_{'WZ'[n % 2]}.MP4", "MP4"
    if style == "gopro":
        return f"GX01{n:04d}.MP4", "MP4"
    if style == "sony":
        return f"C{n:04d}.MP4", "MP4"
    if style == "sony_mxf":
        return f"C{n:04d}.MXF", "MXF"
    reel_clip = f"A{1 + n % 40:03d}C{n % 1000:03d}_{y % 100:02d}{mo:02d}{d:02d}"  # Canon / ARRI names
    if style in ("canon_cine", "canon_c70"):
        ext = "MXF" if style == "canon_cine" else "MP4"
        return f"{reel_clip}{_LETTERS[n % 8]}{_LETTERS[n % 7]}_CANON.{ext}", ext
    if style == "canon":
        return f"MVI_{n:04d}.MP4", "MP4"
    if style == "canon_dslr":
        return f"MVI_{n:04d}.MOV", "MOV"
    if style == "nikon":
        return f"DSC_{n:04d}.MOV", "MOV"
    if style == "bmd":
        return f"A{1 + n % 40:03d}_{mo:02d}{d:02d}{hh:02d}{mi:02d}_C{n % 1000:03d}.MOV", "MOV"
    if style == "arri":
        return f"{reel_clip}_R{n % 36:02d}{_LETTERS[n % 8]}.MOV", "MOV"
    if style == "iphone":
        return f"IMG_{n:04d}.MOV", "MOV"
    return f"VID_{y}{mo:02d}{d:02d}_{hh:02d}{mi:02d}{ss:02d}.mp4", "MP4"


# --- the generator ------------------------------------------------------------------------------------------------
def generate_assets(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """n asset records, deterministic for a seed (the first k records do not depend on n)."""
    rng = random.Random(seed)
    r, rr, bits = rng.random, rng.randrange, rng.getrandbits
    salt = random.Random(f"id:{seed}").getrandbits(128)
    plans = _Plans(seed)
    weekly_bases = [[random.Random(f"phash:{seed}:{m}:{i}").getrandbits(64) for i in range(12)] for m in range(3)]
    n_shots1, n_photo_shots1 = len(_SHOTS), len(_PHOTO_SHOTS) + 1
    n_topics1, n_proj1, n_tags1 = len(_TOPICS) + 1, len(_PROJECTS) + 1, len(_TAGS) + 1
    n_people1, n_roads1, n_vill1, n_cos1 = len(_PEOPLE) + 1, len(_ROADS) + 1, len(_VILLAGES) + 1, len(_COMPANIES) + 1
    n_text_places1, n_roles1, n_col1 = len(_TEXT_PLACES) + 1, len(_ROLES) + 1, len(_COLOURS) + 1
    site_total = _SITE_CUM[-1]
    for i in range(n):
        # kind, status, device
        x = r()
        kind = "video" if x < 0.70 else "image" if x < 0.95 else "audio"
        x = r()
        status = "ready" if x < 0.97 else "failed" if x < 0.982 else "processing" if x < 0.99 else "pending"
        export = r() < (0.035 if kind != "audio" else 0.06)  # edited / exported files: no capture metadata
        metadata_read = status != "pending"
        day = int(_NDAYS * r() ** 0.8)  # more footage in later years
        sec = 25200 + int(r() * 43200) if r() < 0.85 else (68400 + int(r() * 36000)) % 86400  # local time of day
        if export:
            device, dev = None, None
        else:
            names, cum = _KIND_TABLE[kind]
            device = names[bisect(cum, r() * cum[-1])]
            dev = _DEVICES[device]
            if dev["from_day"] > day:  # not on sale yet: another of the same sort (drone, phone, camera) that was
                group = "drone" if dev["drone"] else "phone" if dev["phone"] else kind
                names, cum = _GROUP_TABLE[kind, group]
                for _ in range(3):
                    device = names[bisect(cum, r() * cum[-1])]
                    if _DEVICES[device]["from_day"] <= day:
                        break
                else:
                    device = _FALLBACK[group]
                dev = _DEVICES[device]
        drone = dev is not None and dev["drone"]
        weekly = drone and kind == "video" and r() < 0.05
        if weekly:  # Tuesdays 09:00-11:30, the same aircraft every week (a Phantom 4 Pro until the M300 came)
            episode = 1 + rr(_WEEKLY_EPISODES)
            day = _WEEKLY_DAY0 + 7 * (episode - 1)
            sec = 32400 + rr(9000)
            device = _WEEKLY_DEVICE if day >= _DEVICES[_WEEKLY_DEVICE]["from_day"] + 30 else "DJI FC6310"
            dev = _DEVICES[device]

        # when
        if day == 0 and sec < TZ_OFFSET_S:
            sec = TZ_OFFSET_S  # not before 2018-01-01 00:00 UTC
        ts = _DAY0_TS + day * 86400 + sec
        created_ts = ts + (300 + r() * (86400 if weekly or r() < 0.6 else 14 * 86400))
        y, mo, d, wk = _DAYS[day]
        captured = None if export or not metadata_read or r() < 0.005 else datetime.fromtimestamp(ts, UTC)

        # where
        located = metadata_read and dev is not None and r() < dev["loc"]
        site = WEEKLY_SITE if weekly else bisect(_SITE_CUM, r() * site_total)
        telemetry: dict[str, Any] = {}
        plan = None
        if weekly:
            located = metadata_read
            m = 0 if r() < 0.5 else 1 if r() < 0.6 else 2
            plan = plans.weekly_missions()[m]
            if metadata_read:
                telemetry = plan.place(rr(-30, 31), rr(-30, 31))  # the same mission within ~3 m
        elif drone and kind == "video" and metadata_read and r() < 0.6:
            located = True
            plan = plans.get(site, rr(_SITE_PLANS[site]))
            dist, ang = 2e10 * math.sqrt(r()), 6.283185307179586 * r()  # up to 2 km, in 1e-7 m
            k_lat, k_lon = _SITE_DEG_PER_M[site]
            telemetry = plan.place(int(dist * math.cos(ang) * k_lat), int(dist * math.sin(ang) * k_lon))
        capture: dict[str, Any] = {}
        if metadata_read:
            capture["device"] = device
            if telemetry:
                capture["location"] = {"lat": telemetry["start"]["lat"], "lon": telemetry["start"]["lon"]}
            elif located:
                row, (k_lat, k_lon) = _SITE_ROWS[site], _SITE_DEG_PER_M[site]
                dist, ang = 3000 * math.sqrt(r()), 6.283185307179586 * r()  # up to 3 km
                capture["location"] = {"lat": round(row[2] + dist * math.cos(ang) * k_lat, 6),
                                       "lon": round(row[3] + dist * math.sin(ang) * k_lon, 6)}

        # what about
        project_row = _PROJECTS[int(n_proj1 ** r()) - 1]
        if weekly:
            project_row = _PROJECTS[0]
        project = None if r() < 0.10 and not weekly else project_row[0]
        topic_i = project_row[2] if project_row[2] is not None and r() < 0.6 else int(n_topics1 ** r()) - 1
        topic = _TOPICS[topic_i]
        if drone:
            shot = _SHOTS[0] if weekly or r() < 0.8 else _SHOTS[4 if kind == "video" and r() < 0.5 else 6]
        elif kind == "video":
            shot = _SHOTS[int(n_shots1 ** r())]  # anything but 航拍
        elif kind == "image":
            shot = _PHOTO_SHOTS[int(n_photo_shots1 ** r()) - 1]
        else:
            shot = _SHOTS[1] if r() < 0.6 else _SHOTS[5 if r() < 0.7 else 15]
        if located or r() < 0.5:
            place_zh, place_en = _SITE_ROWS[site][0], _SITE_ROWS[site][1]
        else:
            place_zh, place_en = _TEXT_PLACES[int(n_text_places1 ** r()) - 1]
        c = {
            "place_zh": place_zh, "place_en": place_en, "topic": topic, "shot": shot, "ymdw": (y, mo, d, wk),
            "project_zh": project_row[0], "project_en": project_row[1], "role": _ROLES[int(n_roles1 ** r()) - 1],
            "person": _PEOPLE[int(n_people1 ** r()) - 1], "road": _ROADS[int(n_roads1 ** r()) - 1],
            "village": _VILLAGES[int(n_vill1 ** r()) - 1], "company": _COMPANIES[int(n_cos1 ** r()) - 1],
            "kind": kind,
        }  # fmt: skip
        english = not weekly and r() < 0.2
        if weekly:
            title = f"京雄铁路雄安站 每周航拍 第{episode}期"
            phase = "站房主体结构" if day < 800 else "站房装修与配套" if day < 1100 else "枢纽片区"
            description = (f"第{episode}期每周航拍，{y}年{mo}月{d}日按固定航线拍摄，"
                           f"记录京雄城际铁路雄安站{phase}施工进展。")
        else:
            title = _title_en(r, c) if english else _title_zh(r, c)
            description = "" if r() < 0.2 else _desc_en(r, c) if english else _desc_zh(r, c)

        # tags
        tags: list[str] = []
        k = (0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6)[rr(13)]
        if k:
            if r() < 0.5:
                tags.append(topic[0])
            if r() < 0.3:
                tags.append(shot[0])
            if weekly:
                tags += ["京雄城际", "每周航拍"]
            while len(tags) < k:
                tags.append(_TAGS[int(n_tags1 ** r()) - 1])
            tags = list(dict.fromkeys(tags))[:6]
        auto_tags: list[dict[str, str]] = []
        if metadata_read:
            if drone:
                auto_tags.append({"name": "aerial", "source": "metadata"})
            if located:
                auto_tags += [{"name": t, "source": "metadata"} for t in _PLACE_TAGS[site]]

        # file and technical record
        lt = (y, mo, d, sec // 3600, sec // 60 % 60, sec % 60)
        if export:
            ext = {"video": "MP4", "image": "JPG", "audio": "MP3"}[kind]
            stem = ("序列 01", f"{topic[0]}{shot[0]}_成片_v{1 + rr(5)}", f"{project_row[0]}_{1 + rr(99)}",
                    f"{place_zh}{topic[0]}")[rr(4)]
            filename = f"{stem}.{ext.lower()}"
        else:
            filename, ext = _filename(rr, kind, dev["files"] if kind != "audio" or not dev["phone"]
                                      else ("iphone" if "iPhone" in device else "phone"), lt)
        content_type = _CONTENT_TYPES[ext]
        technical: dict[str, Any] = {}
        duration = 0.0
        if metadata_read:
            if kind == "video":
                if export:
                    w, h, fps, vcodec, acodec = 1920, 1080, 25.0, "h264", "aac"
                else:
                    modes, cum = _VIDEO_MODES[device]
                    w, h, fps, vcodec, _ = modes[bisect(cum, r() * cum[-1])]
                    acodec = dev["audio"]
                if plan is not None:
                    duration = plan.duration + r() * (3 if plan.duration > 300 else 1)
                elif drone:
                    duration = 8 * 112.5 ** (r() ** 1.4) * (1 + 3 * r() if r() < 0.02 else 1)  # rarely > 900 s
                else:
                    duration = 5 * 720 ** (r() ** 1.6)  # 5..3600 s, median ~45 s
                frames = max(1, int(min(duration, 3600) * fps))
                duration = round(frames / fps, 3)
                dw, dh = (h, w) if dev is not None and dev["phone"] and w > h and r() < 0.4 else (w, h)
                technical = {"duration_s": duration, "width": w, "height": h, "display_width": dw, "display_height": dh,
                             "fps": fps, "video_codec": vcodec, "audio_codec": acodec}
            elif kind == "image":
                if export:
                    w, h = (1080, 1920) if r() < 0.5 else (1920, 1080)
                else:
                    photos = dev["photo"]
                    w, h = photos[int(r() * len(photos))]
                dw, dh = (h, w) if r() < 0.15 else (w, h)  # portrait via EXIF orientation
                technical = {"duration_s": None, "width": w, "height": h, "display_width": dw, "display_height": dh,
                             "fps": None, "video_codec": "hevc" if ext == "HEIC" else "mjpeg", "audio_codec": None}
            else:
                duration = round(10 * 180 ** (r() ** 1.3), 3)  # 10..1800 s
                acodec = "mp3" if export else dev["audio"] if ext == "WAV" else "aac"
                technical = {"duration_s": duration, "width": None, "height": None, "display_width": None,
                             "display_height": None, "fps": None, "video_codec": None, "audio_codec": acodec}

        # analysis products (ready assets only)
        shots: list[dict[str, Any]] = []
        ocr: list[dict[str, Any]] = []
        transcript: list[dict[str, Any]] = []
        if status == "ready" and kind == "video":
            if weekly:
                count = plan.shots - (1 if r() < 0.2 else 0)
                bases = weekly_bases[m]
                bounds = [0.0, *(round(duration * (j + (r() - 0.5) * 0.04) / count, 3) for j in range(1, count)),
                          duration]
            else:
                count = min(12, 1 + int(r() * r() * duration / 15))
                bases = None
                if count == 1:
                    bounds = [0.0, duration]
                else:
                    acc, cuts = 0.0, []
                    for _ in range(count):
                        acc += 0.3 + r()
                        cuts.append(acc)
                    bounds = [0.0, *(round(duration * v / acc, 3) for v in cuts[:-1]), duration]
            shots = [{"index": j + 1, "start_s": bounds[j], "end_s": bounds[j + 1],
                      "phash": _flip(bases[j], rng) if bases else f"{bits(64):016x}"} for j in range(count)]
            night = shot[0] == "夜景" or sec >= 68400 or sec < 21600
            auto_tags.append({"name": "night" if night else "day", "source": "analysis"})
            auto_tags.append({"name": _COLOURS[int(n_col1 ** r()) - 1], "source": "analysis"})
            if r() < 0.5:
                auto_tags.append({"name": ("zoom", "pan", "tilt")[int(r() * r() * 3)], "source": "analysis"})
            if shot[0] in ("采访", "同期声", "街采", "发布会") or r() < 0.15:
                auto_tags.append({"name": "faces", "source": "analysis"})
            if not drone and r() < 0.01:
                auto_tags.append({"name": "aerial", "source": "analysis"})
            if r() < 0.3:
                for _ in range(1 + int(r() * r() * 4)):
                    start = round(r() * duration * 0.9, 3)
                    ocr.append({"start_s": start, "end_s": round(min(duration, start + 2 + r() * 6), 3),
                                "text": _ocr_line(r, c)})
                ocr.sort(key=lambda line: line["start_s"])  # as the product lists them: by first appearance
        if status == "ready" and technical.get("audio_codec") and r() < (0.18 if kind == "video" else 0.45):
            t, k0 = r() * min(30.0, duration * 0.3), rr(10)
            for j in range(1 + int(r() * 8)):
                if t >= duration - 1:
                    break
                end = min(duration, t + 2 + r() * 5)
                text = _speech(r, c, (k0 + j) % 10)  # no sentence twice
                transcript.append({"start_s": round(t, 3), "end_s": round(end, 3), "text": text})
                t = end + r() * 3

        yield {
            "id": _asset_id(i, salt),
            "status": status,
            "kind": kind,
            "title": title,
            "description": description,
            "project": project,
            "tags": tags,
            "auto_tags": auto_tags,
            "original_filename": filename,
            "content_type": content_type,
            "captured_at": captured,
            "created_at": datetime.fromtimestamp(created_ts, UTC),
            "capture": capture,
            "technical": technical,
            "telemetry": telemetry,
            "places": [dict(_PLACE_DICTS[site])] if located else [],
            "ocr": ocr,
            "transcript": transcript,
            "shots": shots,
        }


def _abridged(asset: dict[str, Any]) -> dict[str, Any]:
    """For printing: long telemetry columns and map lines cut to a few values."""
    tele = asset["telemetry"]
    if not tele:
        return asset
    enc = {k: (v[:4] + ["..."] if isinstance(v, list) and len(v) > 4 else v) for k, v in tele["encoded"].items()}
    line = tele["line"][:3] + [["..."]] if len(tele["line"]) > 3 else tele["line"]
    return {**asset, "telemetry": {**tele, "line": line, "encoded": enc}}


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 20_000
    picks: list[dict[str, Any]] = []
    flown: dict[str, Any] | None = None
    t0 = time.perf_counter()
    for a in generate_assets(n):  # streamed, as a loader would: nothing kept but the samples
        if len(picks) < 3:
            picks.append(a)
        elif flown is None and a["telemetry"]:
            flown = a
    dt = time.perf_counter() - t0
    print(f"{n} assets in {dt:.2f} s: {n / dt:,.0f} assets/s (seed 7, one process, flight plans included)")
    checks = {
        "video": lambda a: a["kind"] == "video", "ready": lambda a: a["status"] == "ready",
        "english": lambda a: a["title"].isascii(), "located": lambda a: bool(a["places"]),
        "telemetry": lambda a: bool(a["telemetry"]), "no captured_at": lambda a: a["captured_at"] is None,
        "weekly": lambda a: "每周航拍" in a["title"], "ocr": lambda a: bool(a["ocr"]),
        "transcript": lambda a: bool(a["transcript"]), "no project": lambda a: a["project"] is None,
    }  # fmt: skip
    m = min(n, 100_000)
    counts = dict.fromkeys(checks, 0)
    for a in generate_assets(m):
        for name, check in checks.items():
            counts[name] += check(a)
    print(f"shares of the first {m}:", json.dumps({k: f"{v / m:.1%}" for k, v in counts.items()}, ensure_ascii=False))
    for a in picks + ([flown] if flown else []):
        print(json.dumps(_abridged(a), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv)
