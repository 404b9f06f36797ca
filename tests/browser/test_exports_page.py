"""The export dialog, the exports page (/exports) and the jobs page (/jobs) in a real browser against a running
`mam serve` with real workers and ffmpeg: a producer marks in and out on the asset page, exports two presets at
once, watches them reach 100 %, reads the QC verdict and downloads the main output (probed with ffprobe: its
duration is the range); the exports page lists them, an editor signs the first review level and a producer
records a delivery and moves it on; the jobs page shows a broken upload's failure with its reason and the retry
button submits it again; an editor is offered no export and the API refuses one."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.support.browser import add_person, axe_violations, screenshot, sign_in, watch
from tests.support.media import make_clip, probe

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect
BROKEN = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 4000  # an MP4 header and nothing else
PRESETS = ("web-mp4", "radio-wav")  # quick to make (tests/e2e/test_exports.py)


def _upload(srv, name: str, data: bytes, title: str) -> str:
    r = srv.client().post("/api/v1/assets", files={"file": (name, data)}, data={"title": title})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def clip(srv, tmp_path_factory) -> str:
    path = make_clip(tmp_path_factory.mktemp("clip") / "news.mp4", seconds=8, size="640x360")
    aid = _upload(srv, path.name, path.read_bytes(), "雄安站通车 新闻")
    assert srv.wait_for(aid)["status"] == "ready", srv.logs()
    return aid


def _csrf(page, srv) -> str:
    return page.request.get(f"{srv.url}/api/v1/auth/session").json()["user"]["csrf_token"]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(what)


def _fits_a_tablet(page, selector: str) -> None:
    """At 1024 and 768 px wide nothing of ``selector`` sticks out sideways (wide tables scroll in their box)."""
    for width in (1024, 768):
        page.set_viewport_size({"width": width, "height": 768})
        over = page.evaluate("(sel) => { const el = document.querySelector(sel); return [el.scrollWidth -"
                             " el.clientWidth, document.documentElement.scrollWidth - innerWidth]; }", selector)
        assert over == [0, 0], (width, over)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_a_producer_exports_two_presets_from_the_asset_page_and_downloads_the_main_output(
        srv, context, clip, tmp_path):
    producer = add_person(srv, "producer")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, producer)
    page.goto(f"{srv.url}/assets/{clip}?t=1")
    page.locator("[data-player]").wait_for()
    page.wait_for_function("() => { const v = document.querySelector('[data-player]');"
                           " return v && v.readyState >= 1 && Math.abs(v.currentTime - 1) < 0.05; }")
    page.keyboard.press("i")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("o")
    mark_in = page.locator("[data-mark-in]").inner_text()
    mark_out = page.locator("[data-mark-out]").inner_text()

    page.get_by_role("button", name="导出", exact=True).click()
    dialog = page.get_by_role("dialog", name="导出")
    dialog.wait_for()
    in_s = float(dialog.locator("[data-in]").input_value())
    out_s = float(dialog.locator("[data-out]").input_value())
    assert in_s == pytest.approx(1.0, abs=0.05) and out_s == pytest.approx(4.0, abs=0.05), (in_s, out_s)
    shown = dialog.locator("[data-tc]").all_inner_texts()
    assert shown[0] in mark_in and shown[1] in mark_out, (shown, mark_in, mark_out)
    assert dialog.locator("[data-preset]").count() >= 6
    submit = dialog.locator("[data-submit]")
    assert submit.is_disabled(), "nothing to export before a preset is chosen"
    for name in PRESETS:
        dialog.locator(f'[data-preset="{name}"]').check()
    assert "2" in submit.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "export-dialog")
    _fits_a_tablet(page, "dialog")
    submit.click()

    seen_progress = set()
    for name in PRESETS:
        block = dialog.locator(f'[data-export][data-preset="{name}"]')
        block.wait_for()
        deadline = time.monotonic() + 240
        while block.get_attribute("data-status") in ("queued", "running"):
            bar = block.get_by_role("progressbar")
            if bar.count():
                seen_progress.add(int(bar.get_attribute("aria-valuenow") or 0))
            assert time.monotonic() < deadline, srv.logs()
            time.sleep(0.2)
        assert block.get_attribute("data-status") == "ready", block.inner_text()
        assert block.locator("[data-percent]").inner_text() == "100%"
        assert block.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
        assert "质检通过" in block.locator("[data-qc-verdict]").inner_text()
    assert seen_progress, "the dialog showed the exports while they worked"

    ids = {p: dialog.locator(f'[data-export][data-preset="{p}"]').get_attribute("data-export") for p in PRESETS}
    api = srv.client()
    for p, eid in ids.items():
        e = api.get(f"/api/v1/exports/{eid}").json()
        assert e["status"] == "ready" and e["preset"] == p and e["start_s"] == pytest.approx(in_s)
        assert e["qc"]["passed"]
    mp4 = dialog.locator('[data-export][data-preset="web-mp4"] [data-download-main]')
    assert mp4.inner_text().strip().endswith(".mp4")
    with page.expect_download() as got:
        mp4.click()
    saved = tmp_path / "main.mp4"
    got.value.save_as(saved)
    info = probe(saved)
    assert float(info["format"]["duration"]) == pytest.approx(out_s - in_s, abs=0.1)
    assert any(s["codec_type"] == "video" and s["codec_name"] == "h264" for s in info["streams"])
    dialog.get_by_role("button", name="完成").click()
    dialog.wait_for(state="hidden")
    assert w.errors == []

    page.goto(f"{srv.url}/exports")
    rows = page.locator("[data-export-row]")
    rows.first.wait_for()
    for eid in ids.values():
        row = page.locator(f'[data-export-row="{eid}"]')
        expect(row.locator("[data-asset-link]")).to_have_text("雄安站通车 新闻")
        assert row.locator("[data-asset-link]").get_attribute("href") == f"/assets/{clip}"
        assert row.locator("[data-status]").first.get_attribute("data-status") == "ready"
        row.locator("[data-qc] details summary").click()
        assert row.locator("[data-qc-check]").count() == len(api.get(f"/api/v1/exports/{eid}").json()["qc"]["checks"])
    newest = rows.first.get_attribute("data-export-row")
    assert newest in ids.values(), "newest first"
    page.locator("[data-filter-preset]").select_option("radio-wav")
    page.wait_for_function("() => [...document.querySelectorAll('[data-export-row]')]"
                           ".every(r => r.dataset.preset === 'radio-wav')")

    page.locator("[data-filter-preset]").select_option("")
    row = page.locator(f'[data-export-row="{ids["web-mp4"]}"]')
    row.wait_for()
    row.locator("[data-platform]").fill("app")
    row.get_by_role("button", name="记录报送").click()
    row.locator('[data-delivery="app"]').wait_for()
    row.locator('[data-delivery="app"] [data-mark="published"]').click()
    _wait(lambda: api.get(f"/api/v1/exports/{ids['web-mp4']}").json()["deliveries"][0]["status"] == "published",
          10, "the delivery was moved on")
    assert row.locator('[data-delivery="app"] [data-status]').get_attribute("data-status") == "published"
    row.locator("[data-platform]").fill("xuexi")
    row.get_by_role("button", name="记录报送").click()
    alert = row.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "报送到 xuexi 需先通过三审：还差初审"
    assert [d["platform"] for d in api.get(f"/api/v1/exports/{ids['web-mp4']}").json()["deliveries"]] == ["app"]
    assert axe_violations(page) == []
    screenshot(page, "exports")
    _fits_a_tablet(page, "main")
    assert w.errors == []


def test_the_dialog_sends_the_finishing_and_tells_a_refusal_in_words(srv, context, clip):
    producer = add_person(srv, "producer")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, producer)
    page.goto(f"{srv.url}/assets/{clip}")
    page.get_by_role("button", name="导出", exact=True).click()
    dialog = page.get_by_role("dialog", name="导出")
    dialog.locator('[data-preset="web-mp4"]').check()
    dialog.locator("[data-in]").fill("2")
    dialog.locator("[data-out]").fill("99")
    dialog.locator("[data-logo]").select_option("station")
    dialog.locator("[data-caption]").fill("雄安站 5:30 通车")
    dialog.locator("[data-reframe]").select_option("blur-pad")
    dialog.locator("[data-fade-in]").fill("0.5")
    dialog.locator("[data-speed]").fill("2")
    assert dialog.locator("[data-subtitles]").is_disabled(), "no subtitles or transcript to add"
    with page.expect_request(lambda r: r.url.endswith("/api/v1/exports") and r.method == "POST") as req:
        dialog.locator("[data-submit]").click()
    sent = req.value.post_data_json
    assert sent["asset_ids"] == [clip] and sent["presets"] == ["web-mp4"]
    assert (sent["start_s"], sent["end_s"]) == (2, 99)
    assert sent["watermark"]["logo"] == "station" and sent["caption"]["text"] == "雄安站 5:30 通车"
    assert sent["reframe"] == {"mode": "blur-pad"} and sent["fade_in_s"] == 0.5 and sent["speed"] == 2
    alert = dialog.get_by_role("alert")
    alert.wait_for()
    assert "end_s" in alert.inner_text() and "past the end" in alert.inner_text(), alert.inner_text()
    assert [e for e in w.errors if "422" not in e] == [] and len(w.errors) == 1, w.errors
    dialog.locator("[data-out]").fill("3")
    dialog.locator("[data-submit]").click()
    block = dialog.locator('[data-export][data-preset="web-mp4"]')
    block.wait_for()
    eid = block.get_attribute("data-export")
    r = srv.client().delete(f"/api/v1/exports/{eid}")  # not needed here: spare the workers
    assert r.status_code in (200, 409)
    dialog.get_by_role("button", name="完成").click()
    dialog.wait_for(state="hidden")
    assert len(w.errors) == 1


def test_an_editor_signs_the_first_review_level_and_is_offered_no_export(srv, context, clip):
    api = srv.client()
    [ref] = api.post("/api/v1/exports", json={"asset_ids": [clip], "presets": ["radio-wav"]}).json()["exports"]
    _wait(lambda: api.get(f"/api/v1/exports/{ref['id']}").json()["status"] == "ready", 240, srv.logs())
    editor = add_person(srv, "editor")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    page.goto(f"{srv.url}/assets/{clip}")
    page.get_by_role("heading", name="雄安站通车 新闻").wait_for()
    page.locator("[data-player]").wait_for()
    assert page.get_by_role("button", name="导出", exact=True).count() == 0
    r = page.request.post(f"{srv.url}/api/v1/exports", data={"asset_ids": [clip], "presets": ["web-mp4"]},
                          headers={"X-CSRF-Token": _csrf(page, srv)})
    assert r.status == 403 and "'producer'" in r.json()["detail"]

    page.goto(f"{srv.url}/exports")
    row = page.locator(f'[data-export-row="{ref["id"]}"]')
    row.wait_for()
    assert row.locator("[data-platform]").count() == 0, "deliveries are the producers'"
    assert row.locator("[data-mark]").count() == 0
    row.locator("[data-approve]").click()
    row.locator('[data-review][data-state="pending"]').wait_for()
    steps = api.get(f"/api/v1/exports/{ref['id']}").json()["review"]["steps"]
    assert [(s["name"], s["user"], s["decision"]) for s in steps] == [("初审", editor.username, "approve")]
    assert row.locator("[data-approve]").count() == 0, "one person signs one level of a round"
    assert w.errors == []


def test_the_jobs_page_shows_a_failure_with_its_reason_and_retries_it(srv, context, clip):
    bad = _upload(srv, "broken.mp4", BROKEN, "坏掉的素材")
    rec = srv.wait_for(bad)
    assert rec["status"] == "failed" and rec["error"]
    api = srv.client()
    [failed] = api.get("/api/v1/jobs", params={"asset_id": bad, "state": "failed"}).json()["items"]
    editor = add_person(srv, "editor")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, editor)
    page.goto(f"{srv.url}/jobs")
    row = page.locator(f'[data-job="{failed["id"]}"]')
    row.wait_for()
    assert row.get_attribute("data-state") == "failed"
    assert row.locator("[data-reason]").inner_text().strip() == rec["error"].strip()
    assert "坏掉的素材" in row.inner_text()
    done = page.locator('[data-job][data-state="done"]')
    assert done.count() == 0, "done jobs are left out until asked for"
    page.locator('[data-state-filter="done"]').check()
    done.first.wait_for()
    assert axe_violations(page) == []
    screenshot(page, "jobs")
    _fits_a_tablet(page, "main")

    row.locator("[data-retry]").click()
    page.get_by_role("status").filter(has_text="已重新提交").wait_for()
    jobs = api.get("/api/v1/jobs", params={"asset_id": bad}).json()["items"]
    assert len(jobs) == 2 and jobs[1]["id"] == failed["id"] and jobs[1]["superseded"]
    new = jobs[0]
    assert new["kind"] == failed["kind"] and new["id"] != failed["id"]
    again = _wait(lambda: (j := api.get("/api/v1/jobs", params={"asset_id": bad}).json()["items"][0])["state"]
                  == "failed" and j, 120, "the resubmitted step ran")
    assert again["id"] == new["id"] and again["attempts"] >= 1 and again["error"]
    page.locator(f'[data-job="{new["id"]}"][data-state="failed"]').wait_for(timeout=15_000)  # the page refreshes
    assert row.locator("[data-retry]").count() == 0, "the old failure is not offered again"
    assert w.errors == []


def test_a_viewer_sees_jobs_but_no_retry(srv, context, clip):
    viewer = add_person(srv, "viewer")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, viewer)
    page.goto(f"{srv.url}/jobs")
    page.locator('[data-state-filter="done"]').check()
    page.locator("[data-job]").first.wait_for()
    assert page.locator("[data-retry]").count() == 0 and page.locator("[data-cancel]").count() == 0
    assert httpx.get(f"{srv.url}/api/v1/jobs").status_code == 401
    r = page.request.post(f"{srv.url}/api/v1/jobs/{page.locator('[data-job]').first.get_attribute('data-job')}/retry",
                          headers={"X-CSRF-Token": _csrf(page, srv)})
    assert r.status == 403 and "'editor'" in r.json()["detail"]
    assert re.search(r"\d", page.locator("[data-total]").inner_text())
    assert w.errors == []
