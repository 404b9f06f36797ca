"""The demuxers the product accepts: one list for the probe gate and for every ffmpeg/ffprobe input.

The probe gate (:func:`mam.media.probe.gate`) refuses a file whose ffprobe ``format_name`` shares no name with
:data:`ALLOWED_FORMATS`; the runner (:mod:`mam.media.runner`) hands the same list to ffmpeg and ffprobe as
``-format_whitelist`` before every input, so ffmpeg itself refuses to open anything else, whatever the file's
name says and whatever sits in front of its content (an ID3 tag in front of ``#EXTM3U`` is still HLS to
ffmpeg's prober). Playlists and lists that open other files (``hls``, ``dash``, ``concat``), text renderers
(``tty``, subtitle formats), devices and generated inputs (``lavfi``), ``image2pipe`` and every other demuxer
stay out.

A still named ``.jpg`` is demuxed by ``image2`` (it wins on the extension over ``jpeg_pipe`` unless the whole file
fits in ffmpeg's first probe read), so ``image2`` stays; its sequence and glob expansion can only be triggered by
``%`` or glob characters in the path, which the runner refuses in inputs (and a forced ``-f image2`` input also
gets ``-pattern_type none``).

Names a given ffmpeg build lacks (``heif``, ``dng_pipe`` on ffmpeg 5.1) are harmless in the list.
"""

from __future__ import annotations

#: Demuxer (ffprobe ``format_name``) names the product accepts.
ALLOWED_FORMATS = frozenset(
    """mov mp4 m4a 3gp 3g2 mj2 matroska webm avi mpegts mpeg mxf flv dv asf wav w64 mp3 aac flac ogg
    aiff caf ac3 eac3 amr h264 hevc mpegvideo m4v mjpeg image2 jpeg_pipe png_pipe tiff_pipe webp_pipe
    bmp_pipe heif gif dng_pipe""".split()
)

#: Demuxers that mean "a still image" to the probe's kind decision.
IMAGE_FORMATS = frozenset({"image2", "jpeg_pipe", "png_pipe", "tiff_pipe", "webp_pipe", "bmp_pipe", "dng_pipe",
                           "gif"})

#: The ``-format_whitelist`` value: every accepted demuxer, comma-separated (ffmpeg matches any one name).
FORMAT_WHITELIST = ",".join(sorted(ALLOWED_FORMATS))

#: The only protocols ffmpeg and ffprobe may open: local files and pipes.
PROTOCOL_WHITELIST = "file,pipe"
