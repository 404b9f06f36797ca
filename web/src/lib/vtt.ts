// Thumbnail WebVTT (the sprite sheets' index): each cue names a sheet and the tile for its time span as
// `sprite_001.jpg#xywh=x,y,w,h` (the API rewrites the names into signed links). Hovering a seek bar looks up
// the cue for a time and shows that tile.

export interface ThumbCue { start: number; end: number; url: string; x: number; y: number; w: number; h: number }

/** "01:02:03.500", "02:03.500" or "3.5" as seconds (NaN when unreadable). */
export function vttTime(s: string): number {
  const parts = s.trim().replace(",", ".").split(":").map(Number);
  if (parts.some((p) => !isFinite(p))) return NaN;
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

/** The cues of a thumbnails VTT; relative sheet names resolve against `base` (the VTT's own URL). */
export function parseThumbnailsVtt(text: string, base = location.href): ThumbCue[] {
  const cues: ThumbCue[] = [];
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n\s*\n/);
  for (const block of blocks) {
    const lines = block.split("\n").map((l) => l.trim()).filter(Boolean);
    const at = lines.findIndex((l) => l.includes("-->"));
    if (at < 0 || !lines[at + 1]) continue;
    const [a, b] = lines[at].split("-->");
    const start = vttTime(a), end = vttTime(b.trim().split(/\s+/)[0]);
    const ref = lines[at + 1];
    const hash = ref.indexOf("#xywh=");
    const file = hash >= 0 ? ref.slice(0, hash) : ref;
    const [x, y, w, h] = hash >= 0 ? ref.slice(hash + 6).split(",").map(Number) : [0, 0, 0, 0];
    if (!isFinite(start) || !isFinite(end)) continue;
    let url = file;
    try { url = new URL(file, base).href; } catch { /* keep as written */ }
    cues.push({ start, end, url, x: x || 0, y: y || 0, w: w || 0, h: h || 0 });
  }
  return cues.sort((p, q) => p.start - q.start);
}

/** The cue showing at `t` (the last one starting at or before it), or null. */
export function cueAt(cues: ThumbCue[], t: number): ThumbCue | null {
  let lo = 0, hi = cues.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found >= 0 ? cues[found] : null;
}
