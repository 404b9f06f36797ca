"""The search page (/) in a real browser, over a catalog of 10,000 generated assets plus a few real clips.

The 10,000 assets are written straight into the running server's SQLite catalog and indexed by the product's
own bulk path (``bench/search.py``: ``build_document`` + ``write_documents``); the clips go in through the API
and the real workers (posters, sprite sheets, the thumbnails WebVTT, subtitle cues). Then, as an editor would:
type Chinese and pinyin, click a facet, reload, follow a time-coded hit, scrub a poster. The last tests time
typing → results on screen (from the last keystroke, ``performance.now()`` in the page) and weigh the page's
first load (compressed scripts and styles); their numbers go to ``test-artifacts/search-page.json``."""

from __future__ import annotations

import json
import statistics
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.search import load
from tests.e2e.test_metadata import upload_with_sidecar
from tests.support.browser import ARTEFACTS, add_person, axe_violations, screenshot, sign_in, watch
from tests.support.media import make_clip

pytestmark = pytest.mark.e2e

N_ASSETS = 10_000
BUDGET_MS = 300
FIRST_LOAD_BUDGET = 500 * 1024
TIMED_QUERIES = ["航拍", "铁路", "xiongan", "railway", "雄安 -航拍", '"京雄城际铁路"', "hangpai", "constr*",
                 "石家庄 两会", "防汛", "interview", "jingxiong"]
RESULTS = ARTEFACTS.parent / "search-page.json"


def _record(key: str, value) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data[key] = value
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2))


def _api_search(srv, **params) -> dict:
    r = srv.client().get("/api/v1/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _post(srv, path, **form) -> str:
    with open(path, "rb") as fh:
        r = srv.client().post("/api/v1/assets", files={"file": (path.name, fh)}, data=form)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def archive(srv, tmp_path_factory):
    """10,000 generated assets in the catalog, then three clips: two of shadow puppets (皮影) and a kite market."""
    catalog = srv.data_dir / "catalog.sqlite3"
    assert catalog.is_file()
    t0 = time.perf_counter()
    phases = load(f"sqlite:///{catalog}", N_ASSETS, 7, lambda _msg: None)
    _record("seed", {"assets": N_ASSETS, "seconds": round(time.perf_counter() - t0, 1), **phases})
    assert _api_search(srv)["total"] == N_ASSETS
    for q in ("皮影", "piying", "钟声", "kite"):  # the clips' words are not in the generated archive
        assert _api_search(srv, q=q)["total"] == 0, q

    tmp = tmp_path_factory.mktemp("media")
    ids = {}
    subs = ("1\n00:00:02,000 --> 00:00:04,000\n红螺寺的钟声在新年敲响\n\n"
            "2\n00:00:05,000 --> 00:00:07,000\n游客在台下观看皮影表演\n\n")
    ids["fair"] = upload_with_sidecar(srv, make_clip(tmp / "hongluo.mp4", seconds=8, size="640x360"),
                                      "hongluo.srt", subs)
    ids["dragon"] = _post(srv, make_clip(tmp / "dragon.mp4", seconds=5, size="640x360"),
                          title="皮影 剪纸 民间艺术", project="民俗纪录", tags="皮影,剪纸")
    ids["kite"] = _post(srv, make_clip(tmp / "kite.mp4", seconds=4, size="640x360", audio=False),
                           title="Kite festival night market", project="春节特辑", tags="kite")
    for aid in ids.values():
        rec = srv.wait_for(aid)
        assert rec["status"] == "ready", rec["error"]
    r = srv.client().patch(f"/api/v1/assets/{ids['fair']}",
                           json={"title": "红螺寺 皮影 直播", "project": "春节特辑", "tags": ["皮影", "民俗"]})
    assert r.status_code == 200, r.text
    return ids


@pytest.fixture(scope="module")
def editor(srv):
    return add_person(srv, "editor")


def cards(page) -> set[str]:
    return set(page.locator(".results li[data-asset]").evaluate_all("els => els.map(e => e.dataset.asset)"))


def settled(page, q: str) -> None:
    """Wait until the grid shows the results for the words ``q``."""
    page.wait_for_function(
        "q => { const r = document.querySelector('.results');"
        " return r && r.dataset.q === q && r.dataset.state === 'ready' }", arg=q)


def type_query(page, q: str) -> None:
    box = page.get_by_role("searchbox")
    box.fill("")
    box.type(q, delay=40)
    settled(page, q)


def url_query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_chinese_and_pinyin_as_you_type(srv, context, archive, editor):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    settled(page, "")
    assert len(cards(page)) >= 12  # the newest of the catalog before any word
    assert f"{N_ASSETS + 3:,}" in page.get_by_role("status").inner_text()
    newest = _api_search(srv, page_size=12)["items"]
    placed = next(i for i in newest if i["camera"] and i["place"] and i["captured_at"])
    meta = page.locator(f'li[data-asset="{placed["asset_id"]}"] .meta').inner_text()
    assert placed["camera"] in meta and placed["place"] in meta  # the card says where and with what
    type_query(page, "皮影")
    assert cards(page) == {archive["fair"], archive["dragon"]}
    assert url_query(page)["q"] == ["皮影"]
    card = page.locator(f'li[data-asset="{archive["dragon"]}"]')
    assert "皮影 剪纸 民间艺术" in card.locator("h3").inner_text()
    assert card.locator(".dur").inner_text() == "0:05"
    assert "民俗纪录" in card.locator(".meta").inner_text()
    assert card.locator("mark").first.inner_text() == "皮影"  # the API's highlight, shown as such
    type_query(page, "piying")  # pinyin
    assert cards(page) == {archive["fair"], archive["dragon"]}
    type_query(page, "kite -market")
    assert cards(page) == set()
    assert "没有找到与“kite -market”相符的素材" in page.locator("[data-empty]").inner_text()
    type_query(page, "钟声")
    assert cards(page) == {archive["fair"]}
    assert axe_violations(page) == []
    screenshot(page, "search")
    bad = page.get_by_role("searchbox")
    bad.fill("x" * 1001)  # over the API's limit: its words are shown
    page.get_by_role("alert").wait_for()
    assert "搜索失败" in page.get_by_role("alert").inner_text()
    assert w.errors == [] or all("422" in e for e in w.errors), w.errors


def test_a_newer_query_cancels_the_one_in_flight(srv, context, archive, editor):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    settled(page, "")
    held, failed = [], []

    def hold_the_first(route):
        if "q=" in route.request.url and not held:
            held.append(route)  # never answered: the page has to give up on it
        else:
            route.continue_()

    page.route("**/api/v1/search?**", hold_the_first)
    page.on("requestfailed", lambda r: failed.append((r.url, r.failure)) if "/api/v1/search" in r.url else None)
    box = page.get_by_role("searchbox")
    box.type("kite", delay=40)
    page.wait_for_function("() => document.querySelector('.results').dataset.state === 'loading'")
    assert len(held) == 1
    box.fill("")
    box.type("piying", delay=40)
    settled(page, "piying")
    assert cards(page) == {archive["fair"], archive["dragon"]}
    deadline = time.monotonic() + 5
    while not failed and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert any("q=kite" in url and "ABORTED" in (why or "") for url, why in failed), failed
    assert url_query(page)["q"] == ["piying"]
    assert w.errors == []


def count(page) -> int:
    return page.locator(".results li[data-asset]").count()


def test_scrolling_down_loads_more_in_order(srv, context, archive, editor):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    settled(page, "")
    page.wait_for_function("() => document.querySelectorAll('.results li[data-asset]').length >= 12")
    before = count(page)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("n => document.querySelectorAll('.results li[data-asset]').length > n", arg=before)
    page.wait_for_function("() => !document.querySelector('[data-more]')?.disabled")
    before = count(page)
    page.locator("[data-more]").click()  # the fallback button does the same
    page.wait_for_function("n => document.querySelectorAll('.results li[data-asset]').length > n", arg=before)
    page.wait_for_function("() => !document.querySelector('[data-more]')?.disabled")
    shown = page.locator(".results li[data-asset]").evaluate_all("els => els.map(e => e.dataset.asset)")
    expected = [i["asset_id"] for i in _api_search(srv, page_size=len(shown))["items"]]
    assert shown == expected  # the pages join up: nothing twice, nothing skipped
    assert w.errors == []


def test_a_facet_narrows_the_results_and_the_address_keeps_it(srv, context, archive, editor):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    page.goto(f"{srv.url}/?q=皮影")
    settled(page, "皮影")
    assert cards(page) == {archive["fair"], archive["dragon"]}
    facet = page.locator('[data-facet="project"] button[data-value="春节特辑"]')
    assert "1" in facet.inner_text()  # the count of what matched
    facet.click()
    page.wait_for_function("() => document.querySelectorAll('.results li[data-asset]').length === 1")
    assert cards(page) == {archive["fair"]}
    assert url_query(page) == {"q": ["皮影"], "project": ["春节特辑"]}
    assert page.locator('[data-chip="project"]').inner_text().startswith("项目：春节特辑")
    page.reload()
    settled(page, "皮影")
    assert page.get_by_role("searchbox").input_value() == "皮影"
    assert cards(page) == {archive["fair"]}
    page.get_by_role("button", name="移除筛选 项目：春节特辑").click()
    page.wait_for_function("() => document.querySelectorAll('.results li[data-asset]').length === 2")
    assert "project" not in url_query(page)
    page.go_back()  # Back: the facet again
    page.wait_for_function("() => document.querySelectorAll('.results li[data-asset]').length === 1")
    assert url_query(page)["project"] == ["春节特辑"]
    page.goto(f"{srv.url}/?q=皮影&tag=剪纸&kind=video")
    settled(page, "皮影")
    assert cards(page) == {archive["dragon"]}
    assert page.locator('[data-chip="tag:剪纸"]').count() == 1 and page.locator('[data-chip="kind"]').count() == 1
    assert w.errors == []


def test_a_time_coded_hit_opens_the_asset_at_that_second(srv, context, archive, editor):
    page = context.new_page()
    sign_in(page, srv, editor)
    type_query(page, "钟声")
    card = page.locator(f'li[data-asset="{archive["fair"]}"]')
    hit = card.locator('li[data-hit-field="subtitle"]')
    assert "红螺寺的" in hit.inner_text() and hit.locator("mark").inner_text() == "钟声"
    link = hit.locator("a[data-hit-link]")
    assert link.inner_text().strip() == "0:02"
    assert link.get_attribute("href") == f"/assets/{archive['fair']}?t=2"
    link.click()
    page.wait_for_url(f"**/assets/{archive['fair']}?t=2")


def test_hovering_a_poster_scrubs_through_the_sprite(srv, context, archive, editor):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    type_query(page, "红螺寺")
    poster = page.locator(f'li[data-asset="{archive["fair"]}"] [data-poster]')
    assert poster.locator("img").get_attribute("src")  # the poster
    vtt_requests = []
    page.on("request", lambda r: vtt_requests.append(r.url) if ".vtt" in r.url else None)
    box = poster.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] / 2)
    sprite = poster.locator("[data-sprite]")
    sprite.wait_for()
    first = sprite.evaluate("e => [e.style.backgroundPosition, e.style.backgroundImage]")
    assert "sprite_001.jpg" in first[1]
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2, steps=4)
    page.wait_for_function("([e, p]) => e.style.backgroundPosition !== p", arg=[sprite.element_handle(), first[0]])
    later = sprite.evaluate("e => e.style.backgroundPosition")
    assert float(later.split("px")[0].lstrip("-")) > float(first[0].split("px")[0].lstrip("-"))  # a later tile
    assert poster.get_attribute("href").startswith(f"/assets/{archive['fair']}?t=")
    assert poster.locator(".tc").inner_text() == "0:07"
    page.mouse.move(0, 0)
    assert len(vtt_requests) == 1  # fetched lazily, once
    assert w.errors == []


def _percentiles(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    return {"median": round(statistics.median(v), 1), "p95": round(v[max(0, round(len(v) * 0.95) - 1)], 1),
            "max": round(v[-1], 1)}


def test_typing_shows_results_within_300_ms_over_10000_assets(srv, context, archive, editor):
    """From the last keystroke (its input event) to the frame that paints the new results, measured in the page
    with performance.now(); each query typed into an emptied box at 40 ms a key, once to warm the server's
    caches, then twice timed. The search's own request is split out from its resource timing."""
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    settled(page, "")
    page.evaluate("""() => {
      const box = document.querySelector('input[type=search]');
      box.addEventListener('input', () => { window.__lastInput = performance.now(); }, true);
      const results = document.querySelector('.results');
      new MutationObserver(() => {
        if (window.__want === undefined || window.__seen) return;
        if (results.dataset.q === window.__want && results.dataset.state === 'ready') {
          window.__seen = performance.now();
          requestAnimationFrame(() => { window.__painted = performance.now(); });
        }
      }).observe(results, { attributes: true, childList: true, subtree: true });
    }""")
    times, server, totals = [], [], {}
    for timed in (False, True, True):
        for q in TIMED_QUERIES:
            box = page.get_by_role("searchbox")
            box.fill("")
            settled(page, "")
            page.evaluate("q => { window.__want = q; window.__seen = 0; window.__painted = 0;"
                          " performance.clearResourceTimings(); }", q)
            box.type(q, delay=40)
            page.wait_for_function("() => window.__painted > 0")
            m = page.evaluate("""() => {
              const e = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/search')).pop();
              return { total: window.__painted - window.__lastInput, wait: e.startTime - window.__lastInput,
                       server: e.responseEnd - e.requestStart };
            }""")
            assert page.locator(".results").get_attribute("data-q") == q
            totals[q] = int(page.locator(".results").get_attribute("data-total"))
            assert 140 <= m["wait"] < 1000, m  # the request leaves after the debounce, not before
            if timed:
                times.append(m["total"])
                server.append(m["server"])
    res = {"assets": N_ASSETS + 3, "queries": TIMED_QUERIES, "runs": len(times), "debounce_ms": 150,
           **_percentiles(times), "request_ms": _percentiles(server), "totals": totals}
    _record("typing_to_results_ms", res)
    print(f"\ntyping → results over {N_ASSETS:,} assets: median {res['median']:.0f} ms, p95 {res['p95']:.0f} ms "
          f"(the request alone: median {res['request_ms']['median']:.0f} ms, p95 {res['request_ms']['p95']:.0f} ms)")
    assert all(n > 0 for n in totals.values()), totals
    # the target holds for the typical query; the slowest 5 % are kept within twice it (this machine is shared)
    assert res["median"] <= BUDGET_MS and res["p95"] <= 2 * BUDGET_MS, sorted(times)
    assert w.errors == []


def test_the_first_load_is_light(srv, browser, archive, editor):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        r = ctx.request.post(f"{srv.url}/api/v1/auth/login",
                             data={"username": editor.username, "password": editor.password})
        assert r.status == 200, r.text()
        page = ctx.new_page()
        encodings = {}
        page.on("response", lambda res: encodings.__setitem__(res.url, res.headers.get("content-encoding", ""))
                if res.url.split("?")[0].endswith((".js", ".css")) else None)
        page.goto(f"{srv.url}/?q=皮影")
        settled(page, "皮影")
        entries = page.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => /\\.(js|css)(\\?|$)/.test(e.name))
            .map(e => ({ name: e.name, transfer: e.transferSize, decoded: e.decodedBodySize }))""")
        assert entries and all(e["transfer"] > 0 for e in entries), entries  # fetched, not from a cache
        total = sum(e["transfer"] for e in entries)
        for e in entries:
            if e["decoded"] > 1024:
                assert encodings[e["name"]] == "gzip", e
        names = " ".join(e["name"] for e in entries).lower()
        assert not any(heavy in names for heavy in ("hls", "leaflet", "uppy", "mapview", "echarts")), names
        _record("first_load", {"files": len(entries), "transfer_bytes": total,
                               "decoded_bytes": sum(e["decoded"] for e in entries)})
        print(f"\nfirst load of the search page: {len(entries)} scripts/styles, {total / 1024:.1f} KB transferred")
        assert total <= FIRST_LOAD_BUDGET
    finally:
        ctx.close()


@pytest.mark.parametrize("width", [1024, 768])
def test_the_page_works_on_a_tablet(srv, browser, archive, editor, width):
    ctx = browser.new_context(viewport={"width": width, "height": 768}, locale="zh-CN")
    try:
        page = ctx.new_page()
        w = watch(page)
        sign_in(page, srv, editor)
        type_query(page, "皮影")
        assert cards(page) == {archive["fair"], archive["dragon"]}
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        if width < 900:  # the filters fold away; opening them shows the facets
            assert not page.locator('[data-facet="project"]').is_visible()
            page.get_by_text("筛选", exact=True).click()
        page.locator('[data-facet="project"] button[data-value="民俗纪录"]').click()
        page.wait_for_function("() => document.querySelectorAll('.results li[data-asset]').length === 1")
        assert cards(page) == {archive["dragon"]}
        assert axe_violations(page) == []
        screenshot(page, f"search-{width}")
        assert w.errors == []
    finally:
        ctx.close()
