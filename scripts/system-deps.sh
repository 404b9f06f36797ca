#!/usr/bin/env bash
# Install the system programs the product (or its tests) needs, with apt, when missing.
#   scripts/system-deps.sh run   -> ffmpeg, the GL/GLib libraries OpenCV loads, a CJK font (burned subtitles and
#                                   captions in exports)
#   scripts/system-deps.sh test  -> the same, plus redis-server, postgresql, chromium (browser tests)
# Without root or apt it prints exactly what to install instead.
set -euo pipefail
mode="${1:-run}"
need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
ldconfig -p 2>/dev/null | grep -q 'libGL.so.1 ' || need+=(libgl1)
ldconfig -p 2>/dev/null | grep -q 'libglib-2.0.so.0 ' || need+=(libglib2.0-0)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ "$mode" = "test" ]; then
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v chromium >/dev/null || need+=(chromium)
  { command -v pg_config >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || need+=(postgresql)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing with apt: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing: ${need[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${need[*]}" >&2
  [ "$mode" = "run" ] && exit 1
  echo "(tests that need them will be skipped)" >&2
fi
