"""One producer's morning in the browser, end to end on the real product: sign in, upload a drone clip with
its DJI telemetry SRT through the page, wait for it to be ready, find it in Chinese and by pinyin, open it,
play it, see the flight on the map, retitle it and find it by the new title, mark in and out, export two
presets, watch them reach 100 %, download the main output and probe it. Then an editor, who may not
export, is offered no 导出 and is refused by the API. Every page: no console errors, axe clean, a
screenshot kept (test-artifacts/screenshots)."""

from __future__ import annotations

import time

import pytest

from tests.browser.test_asset_page import FPS, POINTS, dji_srt
from tests.support.browser import add_person, axe_violations, screenshot, sign_in, watch
from tests.support.media import make_clip, probe

pytestmark = pytest.mark.e2e

PRESETS = ("web-mp4", "radio-wav")  # quick to make
NAME = "京雄铁路航拍_0107"


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def search_for(page, query: str, asset_id: str) -> None:
    box = page.get_by_role("searchbox")
    box.fill(query)
    page.wait_for_function(f"() => document.querySelector('.results')?.dataset.q === {query!r}")
    expect()(page.locator(f'.results li[data-asset="{asset_id}"]')).to_be_visible(timeout=15_000)


def clean(page, w, name: str) -> None:
    """The page as it is now: axe finds nothing serious, the console stayed quiet; keep a screenshot."""
    assert axe_violations(page) == [], name
    assert w.errors == [], (name, w.errors)
    screenshot(page, f"journey-{name}")


def test_a_producers_morning_from_upload_to_a_probed_export(srv, context, tmp_path):
    folder = tmp_path / "card"
    folder.mkdir()
    clip = make_clip(folder / f"{NAME}.MP4", seconds=10, size="640x360", rate=FPS)
    (folder / f"{NAME}.SRT").write_text(dji_srt(POINTS), encoding="utf-8")
    producer = add_person(srv, "producer")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, producer)

    # upload through the page: the SRT goes with its clip
    page.get_by_role("navigation").get_by_role("link", name="上传", exact=True).click()
    page.wait_for_url("**/upload")
    page.set_input_files('input[data-input="files"]', [str(clip), str(folder / f"{NAME}.SRT")])
    item = page.locator(f'li[data-upload="{clip.name}"]')
    expect()(item.locator("[data-sidecar]")).to_have_text([f"{NAME}.SRT"])
    expect()(item).to_have_attribute("data-status", "done", timeout=90_000)
    asset_id = item.locator("[data-asset-link]").get_attribute("href").rsplit("/", 1)[1]
    expect()(item.locator("[data-asset-status]")).to_have_text("就绪", timeout=120_000)
    clean(page, w, "upload")
    rec = srv.wait_analysis(asset_id)
    assert rec["status"] == "ready" and rec["telemetry"]["points"] == len(POINTS)

    # find it in Chinese, then by pinyin
    page.get_by_role("navigation").get_by_role("link", name="搜索", exact=True).click()
    search_for(page, "京雄铁路", asset_id)
    search_for(page, "jingxiong", asset_id)
    assert "q=jingxiong" in page.url  # the address holds the query
    clean(page, w, "search")

    # open it and play it; the map shows the flight
    page.locator(f'.results li[data-asset="{asset_id}"] a').first.click()
    page.wait_for_url(f"**/assets/{asset_id}*")
    page.wait_for_function("() => { const v = document.querySelector('video[data-player]');"
                           " return v && v.readyState >= 2; }")
    video = page.locator("video[data-player]")
    video.focus()
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('video[data-player]').currentTime > 0.5")
    page.keyboard.press("k")
    page.locator("[data-map] path.map-track").wait_for()
    assert page.locator("[data-map]").get_attribute("data-position")

    # retitle it, and find it by the new title
    page.locator("[data-edit]").click()
    page.locator('input[name="title"]').fill("雄安站 航拍 第七周")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="雄安站 航拍 第七周").wait_for()
    clean(page, w, "asset")
    page.get_by_role("navigation").get_by_role("link", name="搜索", exact=True).click()
    search_for(page, "第七周", asset_id)
    page.locator(f'.results li[data-asset="{asset_id}"] a').first.click()
    page.wait_for_url(f"**/assets/{asset_id}*")

    # in at 2 s, out at 6 s, from the keyboard; export two presets and watch them finish
    page.wait_for_function("() => { const v = document.querySelector('video[data-player]');"
                           " return v && v.readyState >= 1; }")
    page.goto(f"{srv.url}/assets/{asset_id}?t=2")
    page.wait_for_function("() => { const v = document.querySelector('video[data-player]');"
                           " return v && v.readyState >= 1 && Math.abs(v.currentTime - 2) < 0.05; }")
    page.keyboard.press("i")
    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("o")
    page.get_by_role("button", name="导出", exact=True).click()
    dialog = page.get_by_role("dialog", name="导出")
    dialog.wait_for()
    in_s = float(dialog.locator("[data-in]").input_value())
    out_s = float(dialog.locator("[data-out]").input_value())
    assert (in_s, out_s) == pytest.approx((2.0, 6.0), abs=0.05)
    for name in PRESETS:
        dialog.locator(f'[data-preset="{name}"]').check()
    dialog.locator("[data-submit]").click()
    for name in PRESETS:
        block = dialog.locator(f'[data-export][data-preset="{name}"]')
        block.wait_for()
        deadline = time.monotonic() + 240
        while block.get_attribute("data-status") in ("queued", "running"):
            assert time.monotonic() < deadline, srv.logs()
            time.sleep(0.2)
        assert block.get_attribute("data-status") == "ready", block.inner_text()
        assert block.locator("[data-percent]").inner_text() == "100%"
    clean(page, w, "export")
    with page.expect_download() as got:
        dialog.locator('[data-export][data-preset="web-mp4"] [data-download-main]').click()
    saved = tmp_path / "export.mp4"
    got.value.save_as(saved)
    info = probe(saved)
    assert float(info["format"]["duration"]) == pytest.approx(out_s - in_s, abs=0.1)
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
    dialog.get_by_role("button", name="完成").click()

    # the jobs and exports pages show the morning's work
    page.get_by_role("navigation").get_by_role("link", name="导出记录", exact=True).click()
    page.locator("[data-export-row]").first.wait_for()
    assert page.locator("[data-export-row]").count() >= len(PRESETS)
    clean(page, w, "exports")
    page.get_by_role("navigation").get_by_role("link", name="任务", exact=True).click()
    page.wait_for_url("**/jobs")
    page.wait_for_load_state("networkidle")
    clean(page, w, "jobs")


def test_an_editor_is_offered_no_export_and_the_api_refuses_one(srv, context, tmp_path):
    clip = make_clip(tmp_path / "interview.mp4", seconds=3)
    c = srv.client()
    with clip.open("rb") as fh:
        asset_id = c.post("/api/v1/assets", files={"file": (clip.name, fh, "video/mp4")}).json()["id"]
    assert srv.wait_for(asset_id)["status"] == "ready"
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "editor"))
    page.goto(f"{srv.url}/assets/{asset_id}")
    page.locator("video[data-player]").wait_for()
    page.locator("[data-edit]").wait_for()  # an editor edits …
    assert page.get_by_role("button", name="导出", exact=True).count() == 0  # … but is offered no export
    refused = page.evaluate("""async (id) => {
        const s = await (await fetch('/api/v1/auth/session')).json();
        const r = await fetch('/api/v1/exports', {method: 'POST', headers: {'Content-Type': 'application/json',
            'X-CSRF-Token': s.user.csrf_token}, body: JSON.stringify({asset_ids: [id], presets: ['web-mp4']})});
        return [r.status, (await r.json()).detail];
    }""", asset_id)
    assert refused[0] == 403 and "producer" in refused[1]
    w.errors = [e for e in w.errors if "status of 403" not in e]  # the refusal we asked for, logged by Chromium
    assert w.errors == []
