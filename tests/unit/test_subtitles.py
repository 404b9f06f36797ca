"""Subtitle/transcript sidecar parser: inline samples of every format, encodings, hostile input, the corpus.

Corpus expectations were read by hand from the files, not from parser output.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mam.metadata.subtitles import TELEMETRY_WARNING, Cue, parse_subtitle_file, parse_subtitles

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_file(relative: str) -> Path:
    """A file of the shared real-file corpus; skips the test when the corpus (or the file) is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-file corpus not present at {CORPUS}")
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return path


def spans(cues: list[Cue]) -> list[tuple[float, float, str]]:
    return [(c.start_s, c.end_s, c.text) for c in cues]


# --------------------------------------------------------------------------------------------- SRT

SRT = """1
00:00:01,000 --> 00:00:03,500
京雄城际铁路建设工程航拍

2
00:00:04,000 --> 00:00:06,000 X1:100 X2:600 Y1:50 Y2:90
<i>Italic</i> and <b>bold</b>
<font color="#ffff00">second line</font>

3
00:00:07,250 --> 00:00:08,000
{\\an8}Tom &amp; Jerry &lt;live&gt;&nbsp;tonight&lrm;
"""


def test_srt_basic_with_chinese_tags_entities_and_position_hints() -> None:
    cues, warnings = parse_subtitles(SRT.encode(), ".srt")
    assert warnings == []
    assert spans(cues) == [
        (1.0, 3.5, "京雄城际铁路建设工程航拍"),
        (4.0, 6.0, "Italic and bold second line"),
        (7.25, 8.0, "Tom & Jerry <live> tonight"),
    ]


def test_srt_tolerates_sloppy_files() -> None:
    sloppy = (
        "\r\n  00:00:1.5 --> 00:00:02.000  \r\n  Dot separator,   extra   spaces  \r\n\r\n\r\n"  # no index
        "7\r\n00:00:5,000-->00:00:6,000\r\nsingle-digit fields\r\n"  # no blank line before the next cue
        "8\r\n00:01:00,000 --> 00:01:02,000\r\nlast cue, no trailing newline"
    )
    cues, warnings = parse_subtitles(sloppy.encode(), "SRT")
    assert warnings == []
    assert spans(cues) == [
        (1.5, 2.0, "Dot separator, extra spaces"),
        (5.0, 6.0, "single-digit fields"),
        (60.0, 62.0, "last cue, no trailing newline"),
    ]


def test_srt_numeric_text_is_kept_and_index_dropped() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\n3\n\n"
        b"2\n00:00:02,000 --> 00:00:03,000\n2\n\n"
        b"3\n00:00:03,000 --> 00:00:04,000\n1\n"
    )
    cues, _ = parse_subtitles(data, ".srt")
    assert [c.text for c in cues] == ["3", "2", "1"]


def test_srt_old_cr_only_line_endings() -> None:
    cues, _ = parse_subtitles(b"1\r00:00:01,000 --> 00:00:02,000\rline one\rline two\r", ".srt")
    assert spans(cues) == [(1.0, 2.0, "line one line two")]


DJI_TELEMETRY = """1
00:00:00,000 --> 00:00:00,033
<font size="36">FrameCnt : 1, DiffTime : 33ms
2022-08-07 13:40:40,774,808
[iso : 100] [shutter : 1/80.0] [fnum : 280] [ev : 0] [latitude: 39.0] [longitude: 116.0] </font>

2
00:00:01,000 --> 00:00:02,000
HOME(116.0,39.0) 2017.08.05 14:11:51
GPS(116.0,39.0,16) BAROMETER:1.9
ISO:100 Shutter:60 EV: Fnum:2.2

3
00:00:02,000 --> 00:00:03,000
F/3.2, SS 160, ISO 100, EV 0, GPS (8.2090, 47.4692, 18), D 49.21m, H 45.60m
"""


def test_dji_telemetry_srt_gives_no_cues() -> None:
    assert parse_subtitles(DJI_TELEMETRY.encode(), ".srt") == ([], [TELEMETRY_WARNING])


def test_subtitles_mentioning_gps_are_not_telemetry() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\nThe GPS (satellite) signal was lost.\n\n" \
           b"2\n00:00:03,000 --> 00:00:04,000\nISO 9001 certified.\n"
    cues, warnings = parse_subtitles(data, ".srt")
    assert len(cues) == 2 and warnings == []


# --------------------------------------------------------------------------------------------- encodings


def test_gb18030_encoded_srt() -> None:
    data = SRT.replace("\n", "\r\n").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    cues, warnings = parse_subtitles(data, ".srt")
    assert warnings == []
    assert cues[0].text == "京雄城际铁路建设工程航拍"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_bom_encodings(encoding: str) -> None:
    data = SRT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    cues, warnings = parse_subtitles(data, ".srt")
    assert warnings == []
    assert spans(cues) == spans(parse_subtitles(SRT.encode(), ".srt")[0])


def test_bomless_utf16le() -> None:
    cues, _ = parse_subtitles(SRT.encode("utf-16-le"), ".srt")
    assert cues[0].text == "京雄城际铁路建设工程航拍"


def test_latin1_fallback_warns() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\nCaf\u00e9 \u00e0 la cr\u00e8me \u00ff\n".encode("latin-1")
    cues, warnings = parse_subtitles(data, ".srt")
    assert [c.text for c in cues] == ["Café à la crème ÿ"]
    assert any("latin-1" in w for w in warnings)


def test_utf8_cut_mid_character_is_still_utf8() -> None:
    data = "00:00:01,000 --> 00:00:02,000\n京雄城际".encode()[:-1]  # last character cut in half
    cues, warnings = parse_subtitles(data, ".srt")
    assert [c.text for c in cues] == ["京雄城"] and warnings == []


# --------------------------------------------------------------------------------------------- WebVTT

VTT = """WEBVTT - newsroom captions
Kind: captions
Language: zh

STYLE
::cue { color: yellow }

REGION
id:lower width:40% lines:3

NOTE this block is a comment
00:00:00.000 --> 00:00:09.000 would not be a cue in a NOTE

intro
00:01.000 --> 00:02.500 align:start position:10%
<v Reporter>京雄城际铁路</v> <c.yellow>建设工程</c>

2
00:00:03.000 --> 00:00:05.000 line:0
<00:00:03.000><c>karaoke</c> <00:00:04.000><c>words</c> &amp; more
second line

01:00:00.000 --> 01:00:01.000
an hour in
"""


def test_vtt_cues_settings_identifiers_and_skipped_blocks() -> None:
    cues, warnings = parse_subtitles(VTT.encode(), ".vtt")
    assert warnings == []
    assert spans(cues) == [
        (1.0, 2.5, "京雄城际铁路 建设工程"),
        (3.0, 5.0, "karaoke words & more second line"),
        (3600.0, 3601.0, "an hour in"),
    ]


def test_vtt_without_header_warns_but_parses() -> None:
    cues, warnings = parse_subtitles(b"00:01.000 --> 00:02.000\nhello\n", ".vtt")
    assert spans(cues) == [(1.0, 2.0, "hello")]
    assert warnings == ["missing WEBVTT header"]


def test_vtt_text_stops_at_blank_line() -> None:
    cues, _ = parse_subtitles(b"WEBVTT\n\n00:01.000 --> 00:02.000\ncue\n\nstray text\n", ".vtt")
    assert [c.text for c in cues] == ["cue"]


# --------------------------------------------------------------------------------------------- ASS / SSA

ASS = """[Script Info]
Title: 新闻
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\an8\\b1}京雄城际铁路{\\b0}\\N建设工程航拍
Comment: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,not shown
Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,Hello, world, with commas\\nand a break
Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}after drawing
Dialogue: 0,0:00:07.00,0:00:08.00,Default,,0,0,0,,{\\fad(200,200)}
"""


def test_ass_events_overrides_commas_and_comments() -> None:
    cues, warnings = parse_subtitles(ASS.encode(), ".ass")
    assert warnings == []
    assert spans(cues) == [
        (1.0, 2.5, "京雄城际铁路 建设工程航拍"),
        (3.0, 4.0, "Hello, world, with commas and a break"),
        (5.0, 6.0, "after drawing"),
    ]


def test_ass_custom_format_order() -> None:
    data = (
        b"[Events]\n"
        b"Format: Name, End, Layer, Start, Style, Text\n"
        b"Dialogue: Anchor,0:00:12.34,0,0:00:10.00,Default,Text, with, commas\n"
        b"Dialogue: too,few\n"
    )
    cues, warnings = parse_subtitles(data, ".ass")
    assert spans(cues) == [(10.0, 12.34, "Text, with, commas")]
    assert warnings == ["1 malformed Dialogue line(s) skipped"]


def test_ssa_v4_marked_format() -> None:
    data = (
        "[Script Info]\nScriptType: v4.00\n\n[Events]\n"
        "Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: Marked=0,0:00:00.50,0:00:01.00,*Default,,0000,0000,0000,,SSA line\n"
    ).encode("utf-16")
    cues, _ = parse_subtitles(data, ".ssa")
    assert spans(cues) == [(0.5, 1.0, "SSA line")]


# --------------------------------------------------------------------------------------------- .txt

def test_txt_paragraphs_span_the_clip() -> None:
    data = "  第一段：京雄城际铁路\n建设工程航拍  \r\n\r\n\r\nSecond   paragraph.\n   \n\n".encode()
    cues, warnings = parse_subtitles(data, ".txt", duration_s=24.8)
    assert warnings == []
    assert spans(cues) == [(0.0, 24.8, "第一段：京雄城际铁路 建设工程航拍"), (0.0, 24.8, "Second paragraph.")]


def test_txt_single_paragraph_without_duration() -> None:
    cues, _ = parse_subtitles(b"one\ntwo\nthree\n", ".txt")
    assert spans(cues) == [(0.0, 0.0, "one two three")]


def test_txt_long_paragraph_is_split_not_lost() -> None:
    paragraph = "这条铁路全长九十二公里。" * 400  # 4800 characters
    cues, warnings = parse_subtitles(paragraph.encode(), ".txt", duration_s=10.0)
    assert len(cues) > 1 and all(len(c.text) <= 2000 for c in cues)
    assert "".join(c.text for c in cues) == paragraph
    assert len(warnings) == 1


# --------------------------------------------------------------------------------------------- common rules


def test_end_before_start_negative_times_and_sorting() -> None:
    data = (
        b"1\n00:00:09,000 --> 00:00:10,000\nlate\n\n"
        b"2\n00:00:05,000 --> 00:00:04,000\nbackwards\n\n"
        b"3\n-00:00:01,000 --> 00:00:01,000\nnegative\n\n"
        b"4\n00:00:07,000 --> 00:00:06,000\nbackwards again\n\n"
        b"5\n00:00:08,000 --> 00:00:09,000\n<i> </i>&nbsp;\n"  # empty after cleaning: dropped
    )
    cues, warnings = parse_subtitles(data, ".srt")
    assert spans(cues) == [(0.0, 1.0, "negative"), (5.0, 5.0, "backwards"), (7.0, 7.0, "backwards again"),
                           (9.0, 10.0, "late")]
    assert warnings == ["2 cue(s) end before they start; end set to start"]


def test_max_cues_and_text_cap() -> None:
    data = "".join(f"{i}\n00:00:{i:02d},000 --> 00:00:{i:02d},500\ncue {i}\n\n" for i in range(1, 11)).encode()
    cues, warnings = parse_subtitles(data, ".srt", max_cues=3)
    assert [c.text for c in cues] == ["cue 1", "cue 2", "cue 3"]
    assert warnings == ["10 cues; only the first 3 kept"]

    long = b"00:00:01,000 --> 00:00:02,000\n" + b"word " * 1000
    cues, warnings = parse_subtitles(long, ".srt")
    assert len(cues[0].text) <= 2000 and cues[0].text.startswith("word word")
    assert warnings == ["1 cue(s) cut to 2000 characters"]


def test_unknown_suffix() -> None:
    assert parse_subtitles(SRT.encode(), ".docx") == ([], ["unsupported subtitle format '.docx'"])


@pytest.mark.parametrize("suffix", [".srt", ".vtt", ".ass", ".ssa", ".txt"])
def test_hostile_input_never_raises(suffix: str) -> None:
    rng = random.Random(1234)
    samples = [
        b"",
        b"\x00" * 1000,
        b"\xff\xfe",
        b"\xff\xfe\x00",
        bytes(rng.randrange(256) for _ in range(5000)),
        b"\n".join(bytes(rng.randrange(32, 127) for _ in range(rng.randrange(80))) for _ in range(10_000)),
        b"-->\n" * 1000 + b"99999999999999:99:99,9999999999 --> 0:0:0\n" + b"{" * 5000 + b"<" * 5000,
        b"[Events]\nFormat: Text\nDialogue: " + b"," * 10000 + b"\nDialogue: 9:99:99.99,x,y\n",
    ]
    for valid in (SRT, VTT, ASS, DJI_TELEMETRY):  # byte-level mutations of valid files
        raw = bytearray(valid.encode())
        for _ in range(20):
            mutated = bytearray(raw)
            for _ in range(10):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            samples.append(bytes(mutated))
    for data in samples:
        cues, warnings = parse_subtitles(data, suffix, duration_s=5.0)
        assert isinstance(cues, list) and isinstance(warnings, list)
        assert all(isinstance(w, str) for w in warnings)
        for cue in cues:
            assert 0.0 <= cue.start_s <= cue.end_s and cue.text and len(cue.text) <= 2000
            assert "\n" not in cue.text and cue.text == cue.text.strip()


def test_random_bytes_give_no_cues() -> None:
    data = bytes(random.Random(7).randrange(256) for _ in range(4096))
    cues, _ = parse_subtitles(data, ".srt")
    assert cues == []


def test_ten_thousand_lines_of_garbage() -> None:
    rng = random.Random(99)
    lines = ["".join(rng.choice("abc ->:,.0123456789<>{}&;") for _ in range(60)) for _ in range(10_000)]
    cues, warnings = parse_subtitles("\n".join(lines).encode(), ".srt")
    assert cues == [] or all(len(c.text) <= 2000 for c in cues)
    assert isinstance(warnings, list)


# --------------------------------------------------------------------------------------------- files


def test_parse_subtitle_file_reads_at_most_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "clip.SRT"
    path.write_bytes(SRT.encode() + b"\n" + b"x" * 1000)
    cues, warnings = parse_subtitle_file(path, max_bytes=len(SRT.encode()))
    assert [c.text for c in cues][0] == "京雄城际铁路建设工程航拍" and len(cues) == 3
    assert warnings == [f"file is longer than {len(SRT.encode())} bytes; only the first {len(SRT.encode())} were read"]


def test_parse_subtitle_file_txt_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "transcript.txt"
    path.write_text("京雄城际铁路\n", encoding="utf-8")
    assert parse_subtitle_file(path, duration_s=3.0) == ([Cue(0.0, 3.0, "京雄城际铁路")], [])
    cues, warnings = parse_subtitle_file(tmp_path / "absent.srt")
    assert cues == [] and len(warnings) == 1 and "cannot read" in warnings[0]


# --------------------------------------------------------------------------------------------- real corpus


def test_corpus_moviepy_subtitles() -> None:
    cues, warnings = parse_subtitle_file(corpus_file("Zulko__moviepy/media/subtitles.srt"))
    assert warnings == []
    assert spans(cues) == [
        (0.0, 1.0, "Red!"),
        (2.0, 3.5, "More Red!"),
        (5.0, 6.0, "Green!"),
        (7.0, 8.0, "Blue"),
        (9.0, 10.0, "More Blue!"),
    ]


def test_corpus_dji_air2s_is_telemetry() -> None:
    assert parse_subtitle_file(corpus_file("JuanIrache__DJI_SRT_Parser/samples/air2s.srt")) == ([], [TELEMETRY_WARNING])


def test_corpus_zh_news_transcript() -> None:
    cues, warnings = parse_subtitle_file(corpus_file("speech/zh_news_paragraph.txt"), duration_s=24.8)
    assert warnings == []
    assert len(cues) == 1
    assert (cues[0].start_s, cues[0].end_s) == (0.0, 24.8)
    assert "京雄城际铁路" in cues[0].text
