"""Finishing on generated clips with real ffmpeg: frame-exact subclips (read back from a frame counter drawn into
every frame), a logo where it was asked and nowhere else, captions shown literally, Chinese subtitles burned and
read back by the product's own OCR at their time, soft subtitle tracks, reframing, speed and fades."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mam.exports import ExportRequest, check_output, measure_loudness, plan_export
from mam.exports.finishing import CJK_FONT, NONE, Caption, Finishing, Subtitles, Watermark
from mam.media.probe import normalise, run_ffprobe
from mam.media.runner import run_media_command
from mam.metadata.subtitles import Cue
from mam.presets import load_presets
from tests.support.frames import make_counter_clip, read_frame_numbers
from tests.support.media import ffmpeg, probe

P = load_presets()


@pytest.fixture(scope="module", autouse=True)
def _need_ffmpeg():
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("ffmpeg/ffprobe not installed (apt-get install ffmpeg)")


def need_font():
    if not CJK_FONT.is_file():
        pytest.skip(f"{CJK_FONT} missing (apt-get install fonts-noto-cjk)")


def export(src: Path, names: list[str], work: Path, start: float | None = None, end: float | None = None,
           finishing: Finishing = NONE):
    tech = normalise(run_ffprobe(src, 30))
    measured = measure_loudness(src, start_s=start, end_s=end, timeout_s=60, tech=tech) if tech.get(
        "audio_codec") else None
    work.mkdir(parents=True, exist_ok=True)
    plan = plan_export(src, tech, [ExportRequest(P[n], start, end) for n in names], work, measured=measured,
                       finishing=finishing)
    run_media_command(plan.cmd, timeout_s=600)
    return plan


def frame_at(path: Path, t: float) -> np.ndarray:
    """The RGB frame shown at ``t`` seconds of ``path``."""
    info = probe(path)
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    w, h = int(v["width"]), int(v["height"])
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-ss", f"{t:.3f}", "-i", str(path),
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)


SOURCES = {
    "h264 short GOP": dict(),
    "h264 open GOP, long GOP, audio 0.3 s late": dict(
        audio_offset_s=0.3, video_args=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                                        "-x264-params", "open-gop=1:keyint=250:min-keyint=250:bframes=3"]),
    "MPEG-2 in MPEG-TS, open 4-s GOP, audio 0.52 s late": dict(
        audio_offset_s=0.52, suffix=".ts", video_args=["-c:v", "mpeg2video", "-g", "100", "-bf", "2", "-q:v", "4"]),
}


@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_subclip_starts_and_ends_on_the_requested_frames(tmp_path, kind):
    opts = dict(SOURCES[kind])
    src = make_counter_clip(tmp_path / f"src{opts.pop('suffix', '.mp4')}", seconds=12, **opts)
    plan = export(src, ["web-mp4"], tmp_path / "out", 5.16, 9.0)
    out = plan.outputs["web-mp4"]
    numbers = read_frame_numbers(out.main)
    assert numbers[0] == 129 and numbers[-1] == 224, (numbers[:3], numbers[-3:])  # 5.16 s * 25, 9.0 s * 25 - 1
    assert numbers == list(range(129, 225))
    report = check_output(P["web-mp4"], out, want_duration_s=3.84, timeout_s=60)
    assert report.passed, report.failed()


def test_a_subclip_from_the_middle_of_a_long_file_is_sought_not_decoded_from_the_start(tmp_path):
    src = make_counter_clip(tmp_path / "src.mp4", seconds=60, audio=False,
                            video_args=["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"])
    plan = export(src, ["web-mp4"], tmp_path / "out", 50.0, 51.0)
    ss = plan.cmd.index("-ss")
    assert ss < plan.cmd.index("-i") and float(plan.cmd[ss + 1]) > 49.0
    assert read_frame_numbers(plan.outputs["web-mp4"].main) == list(range(1250, 1275))


def logo(path: Path, size=(200, 100)) -> Path:
    """An opaque red box with a transparent border (PNG with alpha)."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (10, 10, size[0] - 10, size[1] - 10))
    img.save(path)
    return path


def test_the_logo_is_in_its_corner_and_nowhere_else(tmp_path):
    src = make_counter_clip(tmp_path / "src.mp4", seconds=3, size="640x360")
    wm = Watermark(logo(tmp_path / "logo.png"), (200, 100), position="bottom-right", margin=0.05, scale=0.25)
    plan = export(src, ["web-mp4"], tmp_path / "out", finishing=Finishing(watermark=wm))
    frame = frame_at(plan.outputs["web-mp4"].main, 1.0).astype(int)
    h, w = frame.shape[:2]
    redness = frame[..., 0] - (frame[..., 1] + frame[..., 2]) / 2
    lw, lh = wm.placed_size(w, h)  # 160 x 80, 18 px from the edges
    m = round(h * 0.05)
    inside = redness[h - m - lh + 12:h - m - 12, w - m - lw + 12:w - m - 12]
    assert inside.mean() > 150, inside.mean()
    outside = redness.copy()
    outside[h - m - lh:h - m, w - m - lw:w - m] = 0
    assert (outside > 60).mean() < 0.001  # no red anywhere else (the counter band and grey are neutral)


HOSTILE = "It's \"5:30\" \\ 100% %{pts} ; [x] {b}\n第二行 京雄城际"


def ocr(rgb: np.ndarray, tmp: Path) -> str:
    """What the product's OCR reads in white text on a picture (binarised: dark text on white)."""
    from mam.analysis.ocr import read_text

    grey = rgb.astype(int).mean(axis=2)
    Image.fromarray(np.where(grey > 200, 0, 255).astype(np.uint8)).save(tmp / "ocr.png")
    return " ".join(t.text for t in read_text(tmp / "ocr.png", min_score=0.3))


def test_a_hostile_caption_is_drawn_literally(tmp_path):
    need_font()
    src = make_counter_clip(tmp_path / "src.mp4", seconds=3, size="1280x720")
    cap = Caption(HOSTILE, position="center", style="title")
    plan = export(src, ["web-mp4"], tmp_path / "out", finishing=Finishing(caption=cap))
    out = plan.outputs["web-mp4"].main
    a, b = frame_at(out, 0.5), frame_at(out, 2.0)
    h = a.shape[0]
    # the caption does not change with time: %{pts} was not expanded (the counter band is above it)
    mid = slice(int(h * 0.3), int(h * 0.85))
    assert np.abs(a[mid].astype(int) - b[mid].astype(int)).mean() < 1.0
    text = ocr(a[mid], tmp_path)
    squeezed = text.replace(" ", "")
    for piece in ("It's", '"5:30"', "\\", "100%", "pts}", ";", "[x]", "{b}", "第二行", "京雄城际"):
        assert piece in squeezed, text


def test_a_burned_chinese_subtitle_is_read_back_at_its_time(tmp_path):
    need_font()
    src = make_counter_clip(tmp_path / "src.mp4", seconds=8, size="1280x720")
    cues = (Cue(1.0, 3.0, "第一句字幕"), Cue(4.0, 6.5, "京雄城际铁路通车"), Cue(7.0, 7.9, "subclip 外"))
    plan = export(src, ["web-mp4"], tmp_path / "out", 2.0, 7.0,
                  finishing=Finishing(subtitles=Subtitles(cues, "burn")))
    out = plan.outputs["web-mp4"].main

    def words(t: float) -> str:
        frame = frame_at(out, t)
        return ocr(frame[frame.shape[0] // 2:], tmp_path).replace(" ", "")

    assert "第一句字幕" in words(0.5)  # the cue 1..3 s is 0..1 s of a subclip from 2 s
    assert "京雄城际铁路通车" in words(3.0)  # 4..6.5 s -> 2..4.5 s
    assert not any(ch in words(1.5) for ch in "第京")  # between the cues: nothing


def test_soft_subtitles_are_a_mov_text_track_shifted_for_the_subclip(tmp_path):
    src = make_counter_clip(tmp_path / "src.mp4", seconds=6)
    cues = (Cue(1.0, 3.0, "第一句 'a:b' \\ %{pts}"), Cue(4.0, 5.0, "second"))
    plan = export(src, ["web-mp4"], tmp_path / "out", 2.0, 5.0, finishing=Finishing(subtitles=Subtitles(cues, "soft")))
    out = plan.outputs["web-mp4"].main
    streams = probe(out)["streams"]
    sub = next(s for s in streams if s["codec_type"] == "subtitle")
    assert sub["codec_name"] == "mov_text" and sub["tags"]["language"] == "chi"
    srt = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(out), "-map", "0:s:0", "-f", "srt",
                          "-"], check=True, capture_output=True, text=True).stdout
    assert "00:00:00,000 --> 00:00:01,000" in srt and "第一句 'a:b' \\ %{pts}" in srt
    assert "00:00:02,000 --> 00:00:03,000" in srt and "second" in srt


def test_hls_carries_webvtt_subtitles_in_a_subtitles_group(tmp_path):
    src = make_counter_clip(tmp_path / "src.mp4", seconds=4, size="640x360")
    plan = export(src, ["app-hls"], tmp_path / "out",
                  finishing=Finishing(subtitles=Subtitles((Cue(0.5, 2.0, "你好"),), "soft")))
    out = plan.outputs["app-hls"]
    master = out.main.read_text()
    assert '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs"' in master and 'SUBTITLES="subs"' in master
    report = check_output(P["app-hls"], out, want_duration_s=4.0, timeout_s=60)
    assert report.passed, report.failed()
    assert (out.main.parent / "subs" / "subs.vtt") in out.files
    assert "00:00:00.500 --> 00:00:02.000\n你好" in (out.main.parent / "subs" / "subs.vtt").read_text()


@pytest.mark.parametrize("mode", ["center", "blur-pad"])
def test_a_landscape_clip_is_reframed_to_vertical(tmp_path, mode):
    src = make_counter_clip(tmp_path / "src.mp4", seconds=2, size="640x360")
    plan = export(src, ["douyin-9x16"], tmp_path / "out", finishing=Finishing(reframe=mode))
    out = plan.outputs["douyin-9x16"]
    v = next(s for s in probe(out.main)["streams"] if s["codec_type"] == "video")
    assert (v["width"], v["height"]) == (1080, 1920)
    frame = frame_at(out.main, 1.0).astype(int)
    # center: the picture fills the frame (no black); blur-pad: the blurred copy fills above and below
    assert (frame[:200].mean(), frame[-200:].mean()) > (40, 40)
    report = check_output(P["douyin-9x16"], out, want_duration_s=2.0, timeout_s=60)
    assert report.passed, report.failed()


def test_a_time_lapse_is_sped_up_with_its_pitch_kept_and_faded(tmp_path):
    src = make_counter_clip(tmp_path / "src.mp4", seconds=16)
    fin = Finishing(speed=8.0, speed_audio="pitch", fade_in_s=0.5, fade_out_s=0.5)
    plan = export(src, ["web-mp4"], tmp_path / "out", finishing=fin)
    out = plan.outputs["web-mp4"]
    numbers = read_frame_numbers(out.main)
    assert len(numbers) == 50  # 16 s / 8 at 25 fps
    assert numbers[20] == 160 and numbers[30] == 240  # every 8th frame (out of the fades)
    assert frame_at(out.main, 0.0).mean() < 20  # faded in from black
    report = check_output(P["web-mp4"], out, want_duration_s=plan.duration_s, timeout_s=60)
    assert report.passed, report.failed()
    a = next(s for s in probe(out.main)["streams"] if s["codec_type"] == "audio")
    assert abs(float(a["duration"]) - 2.0) < 0.1


def test_a_sequence_of_three_pieces_lasts_their_sum_with_sound_on_the_flashes(tmp_path):
    """Three pieces of clips of different sizes, rates and sample rates; each clip beeps on its flash frames
    (every second), so a beep must sit on a flash in the sequence too."""
    from mam.exports.finishing import Piece
    from mam.exports.plan import plan_sequence_audio, sequence_layout

    def flashing(path: Path, size: str, rate: int, sample_rate: int) -> Path:
        # white frames for 1/rate s every second, a 1-kHz beep at the same moments
        ffmpeg("-f", "lavfi", "-i", f"color=c=gray:size={size}:rate={rate}:duration=6,format=yuv420p,"
               f"geq=lum=if(lt(mod(T\\,1)\\,{1 / rate:.5f})\\,235\\,60):cb=128:cr=128",
               "-f", "lavfi", "-i",
               f"aevalsrc=if(lt(mod(t\\,1)\\,0.04)\\,0.5*sin(2*PI*1000*t)\\,0):s={sample_rate}:d=6",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))
        return path

    clips = [flashing(tmp_path / "a.mp4", "640x360", 25, 48000), flashing(tmp_path / "b.mp4", "480x360", 30, 44100),
             flashing(tmp_path / "c.mp4", "640x360", 50, 32000)]
    ranges = [(0.5, 2.7), (1.0, 3.0), (2.0, 4.6)]
    pieces = tuple(Piece(c, normalise(run_ffprobe(c, 30)), a, b) for c, (a, b) in zip(clips, ranges, strict=True))
    fin = Finishing(sequence=pieces)
    work = tmp_path / "out"
    work.mkdir()
    cmd, wav = plan_sequence_audio(fin, work)
    run_media_command(cmd, timeout_s=120)
    measured = measure_loudness(wav, start_s=None, end_s=None, timeout_s=60)
    lay = sequence_layout(fin)
    plan = plan_export(wav, lay.tech(), [ExportRequest(P["web-mp4"])], work, measured=measured, finishing=fin)
    run_media_command(plan.cmd, timeout_s=300)
    out = plan.outputs["web-mp4"]
    want = sum(b - a for a, b in ranges)
    assert abs(plan.duration_s - want) < 1 / 25 + 1e-6
    v = next(s for s in probe(out.main)["streams"] if s["codec_type"] == "video")
    assert abs(float(v["duration"]) - want) <= 1 / 25 + 1e-3 and (v["width"], v["height"]) == (640, 360)
    report = check_output(P["web-mp4"], out, want_duration_s=plan.duration_s, timeout_s=60)
    assert report.passed, report.failed()
    # flashes (bright frames) and beeps (loud 10-ms windows) line up within a frame
    luma = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(out.main), "-vf", "scale=32:18",
                           "-f", "rawvideo", "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(luma, np.uint8).reshape(-1, 32 * 18).mean(axis=1)
    flashes = [i / 25 for i in range(len(frames)) if frames[i] > 150 and (i == 0 or frames[i - 1] <= 150)]
    pcm = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(out.main), "-ac", "1", "-ar", "8000",
                          "-f", "s16le", "-"], check=True, capture_output=True).stdout
    samples = np.abs(np.frombuffer(pcm, np.int16).astype(float))
    energy = samples[:len(samples) // 80 * 80].reshape(-1, 80).mean(axis=1)  # 10-ms windows
    loud = energy > energy.max() * 0.3
    beeps = [i / 100 for i in range(len(loud)) if loud[i] and (i == 0 or not loud[i - 1])]
    assert len(flashes) >= 5 and len(beeps) == len(flashes), (flashes, beeps)
    for f, b in zip(flashes, beeps, strict=True):
        assert abs(f - b) <= 0.045, (flashes, beeps)
