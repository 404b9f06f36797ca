"""The upload page in a real browser: a card folder goes up with its sidecars (grouped by the server's rule),
a file already in the library is reported as such, a reload in the middle of an upload resumes from the
parts the server holds, and a viewer is not offered uploading at all."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.support.browser import add_person, axe_violations, screenshot, sign_in, watch
from tests.support.media import make_clip

pytestmark = pytest.mark.e2e

#: the smallest part the settings allow, so a ~12 MB clip goes up in several parts
SERVER_ENV = {"MAM_UPLOAD_PART_MB": "5"}
MiB = 1024 * 1024

SUBTITLE = """1
00:00:00,000 --> 00:00:02,000
京雄城际铁路 航拍

2
00:00:02,000 --> 00:00:04,000
Aerial view of the line
"""


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lossless_clip(path: Path, seconds: float) -> Path:
    """A 720p clip coded losslessly: about 1.7 MB a second, so a few seconds make several 5 MiB parts."""
    return make_clip(path, seconds=seconds, size="1280x720", extra=["-qp", "0"])


def pump_until(page, cond, timeout: float = 60, what: str = "condition") -> None:
    """Wait for ``cond()`` while Playwright keeps serving the page's routes (a plain sleep would not)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(100)


def open_upload_page(srv, context, role: str = "videographer"):
    person = add_person(srv, role)
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, person)
    page.get_by_role("navigation").get_by_role("link", name="上传", exact=True).click()
    page.wait_for_url("**/upload")
    return page, w, person


def row(page, name: str):
    return page.locator(f'li[data-upload="{name}"]')


def test_plan_groups_a_card_as_mam_ingest_does(srv):
    c = srv.client()
    d = "DCIM/100MEDIA"
    files = [{"path": f"{d}/DJI_0001.MP4", "size": 12 * MiB}, {"path": f"{d}/DJI_0001.SRT", "size": 900},
             {"path": f"{d}/DJI_0001.LRF", "size": 2 * MiB}, {"path": f"{d}/DJI_0002.SRT", "size": 9},
             {"path": "DCIM/.Trashes", "size": 4}, {"path": "MISC/notes.pdf", "size": 5}]
    r = c.post("/api/v1/uploads/plan", json={"files": files})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["groups"] == [{"clip": f"{d}/DJI_0001.MP4", "size": 12 * MiB, "part_size": 5 * MiB, "part_count": 3,
                               "sidecars": [f"{d}/DJI_0001.LRF", f"{d}/DJI_0001.SRT"]}]
    assert {s["path"]: s["code"] for s in plan["skipped"]} == {
        "DCIM/.Trashes": "hidden", f"{d}/DJI_0002.SRT": "lone_sidecar", "MISC/notes.pdf": "not_media"}


def test_a_card_folder_goes_up_with_its_sidecar_and_a_second_copy_is_reported(srv, context, browser, tmp_path):
    card = tmp_path / "card"
    media = card / "DCIM" / "100MEDIA"
    media.mkdir(parents=True)
    clip = lossless_clip(media / "CLIP_0001.MP4", seconds=7)
    assert clip.stat().st_size > 2 * 5 * MiB  # three parts at least
    (media / "CLIP_0001.srt").write_text(SUBTITLE, encoding="utf-8")
    (media / "CLIP_0002.SRT").write_text(SUBTITLE, encoding="utf-8")  # its clip is not on the card
    (card / "MISC").mkdir()
    (card / "MISC" / "readme.pdf").write_bytes(b"%PDF-1.4\n")

    page, w, _ = open_upload_page(srv, context)
    page.set_input_files('input[data-input="folder"]', str(card))
    item = row(page, "CLIP_0001.MP4")
    expect()(item.locator("[data-sidecar]")).to_have_text(["CLIP_0001.srt"])
    expect()(item).to_contain_text("3 个分块")
    skipped = page.locator("[data-skipped]")
    expect()(skipped.locator('[data-skip="not_media"]')).to_contain_text("MISC/readme.pdf")
    expect()(skipped.locator('[data-skip="lone_sidecar"]')).to_contain_text("CLIP_0002.SRT")
    assert row(page, "CLIP_0002.SRT").count() == 0

    expect()(item).to_have_attribute("data-status", "done", timeout=90_000)
    href = item.locator("[data-asset-link]").get_attribute("href")
    asset_id = href.rsplit("/", 1)[1]
    assert href == f"/assets/{asset_id}"
    rec = srv.wait_for(asset_id)
    assert rec["status"] == "ready", rec
    assert rec["sha256"] == sha256(clip) and rec["size_bytes"] == clip.stat().st_size
    assert [(s["filename"], s["kind"], s["size_bytes"]) for s in rec["sidecars"]] == [
        ("CLIP_0001.srt", "subtitle", (media / "CLIP_0001.srt").stat().st_size)]  # read as subtitles, not telemetry
    expect()(item.locator("[data-asset-status]")).to_have_text("就绪", timeout=30_000)
    expect()(page.locator("[data-totals]")).to_contain_text("100%")
    assert axe_violations(page) == []
    screenshot(page, "upload")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright: nothing runs off the side
    assert page.evaluate("() => { const s = document.querySelector('section.upload');"
                         " return s.scrollWidth <= s.clientWidth && s.getBoundingClientRect().right <= 768 }")
    page.set_viewport_size({"width": 1366, "height": 768})

    # the same file again, chosen alone: this browser knows its sha256, so the server answers at once
    puts: list[str] = []
    page.on("request", lambda req: puts.append(req.url) if req.method == "PUT" else None)
    page.set_input_files('input[data-input="files"]', [str(clip), str(media / "CLIP_0001.srt")])
    expect()(item).to_have_attribute("data-status", "duplicate", timeout=30_000)
    expect()(item.locator('[data-state]')).to_have_text("已在库中")
    assert item.locator("[data-duplicate-link]").get_attribute("href") == f"/assets/{asset_id}"
    assert puts == []  # nothing was sent
    assert w.errors == []

    # another browser that never saw it sends it, and the server finds the duplicate when it completes
    other = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        page2, w2, _ = open_upload_page(srv, other)
        page2.set_input_files('input[data-input="files"]', str(clip))
        item2 = row(page2, "CLIP_0001.MP4")
        expect()(item2).to_have_attribute("data-status", "duplicate", timeout=90_000)
        assert item2.locator("[data-duplicate-link]").get_attribute("href") == f"/assets/{asset_id}"
        assert item2.locator("[data-in-trash]").count() == 0
        assert w2.errors == []
    finally:
        other.close()
    same = [a for a in srv.client().get("/api/v1/assets").json()["items"] if a["sha256"] == rec["sha256"]]
    assert [a["id"] for a in same] == [asset_id]  # still one asset


def test_a_reload_mid_upload_resumes_from_the_parts_the_server_holds(srv, context, tmp_path):
    clip = lossless_clip(tmp_path / "RESUME_0001.MP4", seconds=8)
    parts = -(-clip.stat().st_size // (5 * MiB))
    assert parts >= 3
    page, w, _ = open_upload_page(srv, context)

    phase = {"now": "before", "upload_id": None}
    passed: list[tuple[str, int]] = []  # (phase, part number) of every part PUT let through to the server
    held: list = []
    completes: list = []

    def on_part(route):
        if route.request.method != "PUT":
            route.continue_()
            return
        m = re.search(r"/uploads/([0-9a-f]+)/parts/(\d+)$", route.request.url)
        phase["upload_id"] = m.group(1)
        if phase["now"] == "before" and len(passed) >= 2:
            held.append(route)  # never answered: the page is reloaded with these in flight
            return
        passed.append((phase["now"], int(m.group(2))))
        route.continue_()

    page.route(re.compile(r".*/api/v1/uploads/[0-9a-f]+/parts/\d+$"), on_part)
    page.route(re.compile(r".*/api/v1/uploads/[0-9a-f]+/complete$"), lambda route: completes.append(route))
    page.set_input_files('input[data-input="files"]', str(clip))
    pump_until(page, lambda: len(passed) == 2 and held, what="two parts sent and the next held")
    c = srv.client()

    def received() -> dict[int, int | None]:
        r = c.get(f"/api/v1/uploads/{phase['upload_id']}")
        assert r.status_code == 200, r.text
        return {p["part_number"]: p["receipts"] for p in r.json()["received"]}

    pump_until(page, lambda: len(received()) == 2, what="the server to hold two parts")
    first = set(received())
    assert first == {n for _, n in passed}

    phase["now"] = "after"
    page.reload()
    unfinished = page.locator('[data-unfinished-item="RESUME_0001.MP4"]')
    expect()(unfinished).to_be_visible()
    expect()(unfinished).to_contain_text("服务器已收到")
    page.set_input_files('input[data-input="files"]', str(clip))
    pump_until(page, lambda: completes, what="the upload to ask for completion")
    sent_again = [n for when, n in passed if when == "after"]
    assert sorted(sent_again) == sorted(set(range(1, parts + 1)) - first)  # only the missing parts
    assert received() == {n: 1 for n in range(1, parts + 1)}  # each part arrived once, none twice
    completes[0].continue_()
    item = row(page, "RESUME_0001.MP4")
    expect()(item).to_have_attribute("data-status", "done", timeout=60_000)
    expect()(page.locator("[data-unfinished]")).to_have_count(0)
    asset_id = item.locator("[data-asset-link]").get_attribute("href").rsplit("/", 1)[1]
    rec = srv.wait_for(asset_id)
    assert rec["status"] == "ready" and rec["sha256"] == sha256(clip)
    assert w.errors == []


def test_a_viewer_is_not_offered_uploading(srv, context):
    viewer = add_person(srv, "viewer")
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, viewer)
    expect()(page.get_by_role("navigation").get_by_role("link", name="搜索", exact=True)).to_be_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="上传", exact=True).count() == 0
    page.goto(srv.url + "/upload")
    page.wait_for_url(srv.url + "/")
    assert page.locator('input[data-input="files"]').count() == 0
    token = srv.client().post(f"/api/v1/users/{viewer.id}/tokens", json={}).json()["token"]
    r = httpx.post(srv.url + "/api/v1/uploads/plan", headers={"Authorization": f"Bearer {token}"},
                   json={"files": [{"path": "a.mp4", "size": 1}]})
    assert r.status_code == 403
    assert w.errors == []
