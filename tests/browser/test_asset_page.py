"""The asset page (/assets/{id}) in a real browser, over a drone clip that went in through the API and the real
workers: a 10-s clip with a DJI telemetry SRT of a flight moving north-east, one point a second.

As people would: play it (space) and see the time move, step one frame (→), open it at ?t=3, mark in and out
(I/O), hover the seek bar for the sprite tile of that time, watch the map's position marker follow the
playback along the drawn track, edit the title and find it after a reload and in the API; a viewer and a
videographer who did not upload it are offered no editing and no export."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.support.browser import add_person, axe_violations, screenshot, sign_in, watch
from tests.support.media import make_clip

pytestmark = pytest.mark.e2e

FPS = 25
#: a flight north-east over Xiong'an, ten points a second apart (t_s 0..9)
POINTS = [(39.0500 + i * 0.0002, 115.9800 + i * 0.0001, 100.0 + 3 * i) for i in range(10)]


def dji_srt(points) -> str:
    cues = []
    for i, (lat, lon, alt) in enumerate(points):
        cues.append(
            f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i + 1:02d},000\n"
            f"<font size=\"28\">FrameCnt: {i * FPS + 1}, DiffTime: 1000ms\n2024-05-20 09:30:{i:02d}.000\n"
            f"[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [ct: 5500] [focal_len: 24.00] "
            f"[latitude: {lat:.6f}] [longitude: {lon:.6f}] [rel_alt: {alt:.3f} abs_alt: {alt + 30:.3f}] </font>\n")
    return "\n".join(cues) + "\n"


@pytest.fixture(scope="module")
def drone(srv, tmp_path_factory) -> dict:
    """The clip with its SRT, uploaded through a resumable session and processed (ready, analysis ended)."""
    clip = make_clip(tmp_path_factory.mktemp("asset-page") / "DJI_0107.MP4", seconds=10, size="640x360", rate=FPS)
    srt = dji_srt(POINTS).encode()
    c = srv.client()
    sess = c.post("/api/v1/uploads", json={"filename": clip.name, "size_bytes": clip.stat().st_size,
                                           "sidecars": [{"filename": "DJI_0107.SRT", "size_bytes": len(srt)}]}).json()
    data = clip.read_bytes()
    for p in sess["parts"]:
        body = data[(p["part_number"] - 1) * sess["part_size"]: p["part_number"] * sess["part_size"]]
        r = c.put(p["url"], content=body, headers={"X-Part-SHA256": hashlib.sha256(body).hexdigest()})
        assert r.status_code == 200, r.text
    assert c.put(sess["sidecars"][0]["url"], content=srt).status_code == 204
    asset_id = c.post(f"/api/v1/uploads/{sess['upload_id']}/complete").json()["asset_id"]
    rec = srv.wait_analysis(asset_id)
    assert rec["status"] == "ready", rec["error"]
    assert rec["telemetry"]["points"] == 10
    return rec


def open_asset(page, srv, asset_id: str, query: str = "") -> None:
    page.goto(f"{srv.url}/assets/{asset_id}{query}")
    page.wait_for_function("() => { const v = document.querySelector('video[data-player]');"
                           " return v && v.readyState >= 1 && v.duration > 0; }")


def now(page) -> float:
    return page.evaluate("document.querySelector('video[data-player]').currentTime")


def test_play_step_marks_scrub_and_the_map_follows(srv, context, drone):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "producer"))
    open_asset(page, srv, drone["id"], "?t=3")
    # ?t=3 opens the player at 3 s
    page.wait_for_function("Math.abs(document.querySelector('video[data-player]').currentTime - 3) < 0.02")
    assert "00:00:03:00" in page.locator("[data-timecode]").inner_text()

    # the track is drawn on the map (a Leaflet SVG path) with the position at 3 s: the fourth point
    page.wait_for_selector("[data-map] path.map-track")
    assert page.locator("[data-map] path.map-track").count() == 1
    lat, lon = (float(x) for x in page.locator("[data-map]").get_attribute("data-position").split(","))
    assert (lat, lon) == pytest.approx(POINTS[3][:2], abs=1e-6)
    marker_d = page.locator("[data-map] path.map-position").get_attribute("d")

    # → steps one frame (1/25 s), shift+→ one second; I and O mark in and out, shown on the bar and timeline
    page.keyboard.press("ArrowRight")
    page.wait_for_function("Math.abs(document.querySelector('video[data-player]').currentTime - 3.04) < 0.005")
    assert now(page) - 3 == pytest.approx(1 / FPS, abs=0.005)
    page.keyboard.press("i")
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("Math.abs(document.querySelector('video[data-player]').currentTime - 4.04) < 0.005")
    page.keyboard.press("o")
    assert page.locator("[data-mark-in]").inner_text().endswith("00:00:03:01")
    assert page.locator("[data-mark-out]").inner_text().endswith("00:00:04:01")
    assert page.locator("[data-timeline] [data-inout]").count() == 1
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("Math.abs(document.querySelector('video[data-player]').currentTime - 4.0) < 0.005")

    # the marker moved with the time: now between the fifth and sixth points, a different place on screen
    page.wait_for_function(f"document.querySelector('[data-map]').dataset.position.startsWith('{POINTS[4][0]:.4f}')")
    assert page.locator("[data-map] path.map-position").get_attribute("d") != marker_d

    # hovering the seek bar shows the sprite tile of that time (from the thumbnails WebVTT)
    bar = page.locator("[data-seekbar]").bounding_box()
    page.mouse.move(bar["x"] + bar["width"] * 0.75, bar["y"] + bar["height"] / 2)
    tile = page.locator("[data-preview] .tile")
    tile.wait_for()
    assert "sprite_001.jpg" in tile.evaluate("el => getComputedStyle(el).backgroundImage")
    assert "00:07" in page.locator("[data-preview]").inner_text()
    page.mouse.move(0, 0)

    # space plays: the time moves on, and the map's marker with it; K stops
    before = now(page)
    page.keyboard.press(" ")
    page.wait_for_function(f"document.querySelector('video[data-player]').currentTime > {before + 0.5}", timeout=10_000)
    page.keyboard.press("k")
    assert page.evaluate("document.querySelector('video[data-player]').paused")
    lat_after = float(page.locator("[data-map]").get_attribute("data-position").split(",")[0])
    assert lat_after > POINTS[4][0]

    # L twice plays at double speed; J plays backward (by seeking back); K stops
    page.keyboard.press("l")
    page.keyboard.press("l")
    page.wait_for_function("document.querySelector('video[data-player]').playbackRate === 2")
    page.keyboard.press("j")
    page.wait_for_function("document.querySelector('video[data-player]').paused")
    back_from = now(page)
    page.wait_for_function(f"document.querySelector('video[data-player]').currentTime < {back_from - 0.4}")
    page.keyboard.press("k")

    # the timeline has the shot lane, the waveform and a click on it seeks
    page.locator("[data-lane=waveform]").scroll_into_view_if_needed()
    wave = page.locator("[data-lane=waveform]").bounding_box()
    page.mouse.click(wave["x"] + wave["width"] * 0.25, wave["y"] + wave["height"] / 2)
    page.wait_for_function("Math.abs(document.querySelector('video[data-player]').currentTime - 2.5) < 0.15")
    assert page.locator("[data-lane=shots] button").count() == len(drone["shots"]) >= 1
    assert page.locator("[data-lane=waveform] canvas").count() == 1

    assert axe_violations(page) == []
    screenshot(page, "asset")
    assert w.errors == []

    # a producer may export: the button opens the export dialog
    page.get_by_role("button", name="导出", exact=True).click()
    page.get_by_role("dialog").first.wait_for()


def test_editor_edits_the_title_tags_and_project(srv, context, drone):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "editor"))
    open_asset(page, srv, drone["id"])
    page.get_by_role("button", name="编辑信息").click()
    page.get_by_label("标题").fill("雄安新区航拍 东北方向")
    page.get_by_label("描述").fill("无人机自西南向东北飞行")
    page.get_by_label("项目").fill("雄安十年")
    page.get_by_label("添加标签").fill("航拍")
    page.keyboard.press("Enter")
    assert axe_violations(page) == []
    page.get_by_role("button", name="保存").click()
    page.get_by_role("status").filter(has_text="已保存").wait_for()
    page.reload()
    page.locator("h1[data-title]").wait_for()
    assert page.locator("h1[data-title]").inner_text() == "雄安新区航拍 东北方向"
    assert page.locator("[data-project]").inner_text() == "雄安十年"
    assert "航拍" in page.locator("[data-tags]").inner_text()
    rec = srv.client().get(f"/api/v1/assets/{drone['id']}").json()
    assert rec["title"] == "雄安新区航拍 东北方向" and rec["project"] == "雄安十年"
    assert rec["description"] == "无人机自西南向东北飞行"
    assert {"name": "航拍", "source": "user"} in rec["tags"]
    # a refused save is told in the server's words, and nothing changes
    page.get_by_role("button", name="编辑信息").click()
    page.get_by_label("标题").fill("x" * 1001)
    page.evaluate("document.querySelector('input[name=title]').removeAttribute('maxlength')")
    page.get_by_label("标题").fill("x" * 1001)
    page.get_by_role("button", name="保存").click()
    page.get_by_role("alert").filter(has_text="保存失败").wait_for()
    assert "1000" in page.get_by_role("alert").inner_text()  # the server's own words: at most 1000 characters
    assert srv.client().get(f"/api/v1/assets/{drone['id']}").json()["title"] == "雄安新区航拍 东北方向"
    # the refused PATCH is the only console line (the browser logs the 422)
    assert len(w.errors) <= 1 and all("422" in e for e in w.errors), w.errors


@pytest.mark.parametrize("role", ["viewer", "videographer"])
def test_who_may_not_edit_or_export_is_not_offered_it(srv, context, drone, role):
    person = add_person(srv, role)
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, person)
    open_asset(page, srv, drone["id"])
    page.locator("[data-map] path.map-track").wait_for()
    assert page.get_by_role("button", name="编辑信息").count() == 0
    assert page.locator("input[name=title]").count() == 0
    assert page.get_by_role("button", name="导出", exact=True).count() == 0
    # the player still plays for them
    page.keyboard.press(" ")
    page.wait_for_function("document.querySelector('video[data-player]').currentTime > 0.3", timeout=10_000)
    # and the API agrees: they may not edit someone else's upload
    with httpx.Client(base_url=srv.url) as c:
        c.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
        csrf = c.get("/api/v1/auth/session").json()["user"]["csrf_token"]
        assert c.patch(f"/api/v1/assets/{drone['id']}", json={"title": "no"},
                       headers={"X-CSRF-Token": csrf}).status_code == 403
    assert axe_violations(page) == []
    assert w.errors == []


def _post(srv, name: str, data: bytes) -> str:
    r = srv.client().post("/api/v1/assets", files={"file": (name, data)})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_processing_shows_progress_then_plays_and_a_failure_says_why(srv, context, tmp_path):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "editor"))
    # an MP4 cut off before its index (moov at the end): stored, then the media pass fails with a reason
    whole = make_clip(tmp_path / "cut.mp4", seconds=4, size="640x360").read_bytes()
    broken = _post(srv, "cut.mp4", whole[: len(whole) * 6 // 10])
    fresh = _post(srv, "fresh.mp4", make_clip(tmp_path / "fresh.mp4", seconds=8, size="640x360").read_bytes())
    page.goto(f"{srv.url}/assets/{fresh}")
    # while the media pass runs the page says so; it polls and the player comes without a reload
    page.locator("[data-progress], video[data-player]").first.wait_for()
    page.locator("video[data-player]").wait_for(timeout=180_000)
    assert page.locator("[data-progress]").count() == 0
    assert srv.client().get(f"/api/v1/assets/{fresh}").json()["status"] == "ready"

    rec = srv.wait_for(broken)
    assert rec["status"] == "failed"
    page.goto(f"{srv.url}/assets/{broken}")
    failure = page.locator("[data-failure]")
    failure.wait_for()
    assert rec["error"] in failure.inner_text()
    assert page.locator("video[data-player]").count() == 0
    assert axe_violations(page) == []
    assert w.errors == []


def test_a_still_shows_where_it_was_taken(srv, context, tmp_path):
    from PIL import Image

    img = Image.new("RGB", (640, 480), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "DJI"
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 3.0, 0.0), 3: "E", 4: (115.0, 58.0, 48.0)})
    img.save(tmp_path / "DJI_0001.JPG", "JPEG", exif=exif)
    rec = srv.wait_for(_post(srv, "DJI_0001.JPG", (tmp_path / "DJI_0001.JPG").read_bytes()))
    assert rec["status"] == "ready" and rec["capture"]["location"]["lat"] == pytest.approx(39.05)
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "viewer"))
    page.goto(f"{srv.url}/assets/{rec['id']}")
    page.locator("[data-map] path.map-point").wait_for()
    assert page.locator("[data-map] path.map-track").count() == 0
    assert page.locator("video").count() == 0
    page.wait_for_function("[...document.images].some(i => i.complete && i.naturalWidth === 640)")
    assert axe_violations(page) == []
    assert w.errors == []


GIF = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


def test_the_map_uses_the_installations_tiles_when_it_has_them(srv, context, drone):
    """With `map.tiles_url` (MAM_MAP_TILES_URL) the map draws those tiles and loads no offline outlines; without,
    it loads the outlines the app serves (never anything from elsewhere)."""
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "viewer"))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    open_asset(page, srv, drone["id"])
    page.locator("[data-map] path.map-track").wait_for()
    page.wait_for_function("document.querySelectorAll('[data-map] canvas').length > 0")  # the outlines' layer
    assert any("/static/world-" in u for u in asked) and any("/static/china-" in u for u in asked)
    assert all(u.startswith(srv.url) or u.startswith("data:") for u in asked), asked

    page.route("**/api/v1/ui/config", lambda r: r.fulfill(json={
        "version": "test", "map": {"tiles_url": "/tiles/{z}/{x}/{y}.png", "attribution": "本地瓦片"}}))
    page.route("**/tiles/**", lambda r: r.fulfill(status=200, content_type="image/gif", body=GIF))
    asked.clear()
    open_asset(page, srv, drone["id"])
    page.locator("[data-map] img.leaflet-tile").first.wait_for()
    assert "本地瓦片" in page.locator("[data-map] .leaflet-control-attribution").inner_text()
    assert not any("/static/world-" in u for u in asked)
    assert page.locator("[data-map] path.map-track").count() == 1
    assert w.errors == []


def test_a_comment_about_the_frame_on_screen_lands_on_the_timeline(srv, context, browser, drone):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "videographer"))
    open_asset(page, srv, drone["id"], "?t=6")
    page.wait_for_function("Math.abs(document.querySelector('video[data-player]').currentTime - 6) < 0.02")
    page.get_by_role("tab", name="评论").click()
    form = page.locator("[data-comment-form]")
    form.get_by_label("写评论").fill("这里桥墩入画，可剪")
    assert "00:00:06:00" in form.inner_text()
    form.get_by_role("button", name="发表").click()
    page.locator("ul.comments").get_by_text("这里桥墩入画，可剪").wait_for()
    made = srv.client().get(f"/api/v1/assets/{drone['id']}/comments").json()["items"]
    mine = [c for c in made if c["text"] == "这里桥墩入画，可剪"]
    assert len(mine) == 1 and mine[0]["t_s"] == pytest.approx(6.0, abs=0.02)
    page.keyboard.press("Home")  # a key typed in the form is not a player shortcut; nothing else moved
    assert w.errors == []
    # a viewer reads comments but is offered no form
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    viewer = other.new_page()
    sign_in(viewer, srv, add_person(srv, "viewer"))
    open_asset(viewer, srv, drone["id"])
    viewer.get_by_role("tab", name="评论").click()
    viewer.locator("ul.comments").get_by_text("这里桥墩入画，可剪").wait_for()
    assert viewer.locator("[data-comment-form]").count() == 0
    other.close()
