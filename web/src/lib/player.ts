// Playing a proxy in a <video>: HLS through hls.js (loaded only when an HLS rendition exists and the browser
// cannot play it natively), else the MP4 natively; frame arithmetic; and the J/K/L shuttle (browsers do not
// play backwards, so reverse is done by seeking back on each animation frame, one seek at a time).

export interface Source { url: string; hls: boolean }

interface Rendition { kind: string; name: string; url: string; content_type: string }

/** What to play: an HLS rendition when there is one, else the MP4 proxy; null before the media pass. */
export function pickSource(renditions: Rendition[]): Source | null {
  const hls = renditions.find((r) => r.kind === "hls" || /mpegurl/i.test(r.content_type) || r.name.endsWith(".m3u8"));
  if (hls) return { url: hls.url, hls: true };
  const proxy = renditions.find((r) => r.kind === "proxy");
  return proxy ? { url: proxy.url, hls: false } : null;
}

/** Put `src` into `video`; returns what undoes it (destroys hls.js). */
export async function attachSource(video: HTMLVideoElement, src: Source, onError?: (msg: string) => void): Promise<() => void> {
  if (src.hls && !video.canPlayType("application/vnd.apple.mpegurl")) {
    const { default: Hls } = await import("hls.js");
    if (Hls.isSupported()) {
      const hls = new Hls();
      hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) onError?.(`${data.type}: ${data.details}`); });
      hls.loadSource(src.url);
      hls.attachMedia(video);
      return () => hls.destroy();
    }
  }
  video.src = src.url;
  return () => { video.removeAttribute("src"); video.load(); };
}

export function frameDuration(fps: number | null | undefined): number {
  return 1 / (fps && isFinite(fps) && fps > 0 ? fps : 25);
}

/** The time `frames` frames from `t`, on a frame boundary, within [0, duration]. */
export function stepFrames(t: number, frames: number, fps: number, duration: number): number {
  const f = Math.round(t * fps) + frames;
  const max = isFinite(duration) && duration > 0 ? duration : Infinity;
  return Math.min(Math.max(0, f / fps), max);
}

/** J/K/L: rate > 0 plays forward (1, 2, 4 … 16), rate < 0 plays backward by seeking, 0 is paused. */
export class Shuttle {
  rate = 0;
  private raf = 0;
  private last = 0;
  private target = 0;

  constructor(private video: HTMLVideoElement, private onChange: (rate: number) => void = () => {}) {
    video.addEventListener("pause", this.onPause);
    video.addEventListener("play", this.onPlay);
  }

  private onPause = () => { if (this.rate > 0) this.set(0); };
  private onPlay = () => {
    // a "play" queued before J paused the element arrives late: it must not end the reverse shuttle
    if (this.video.paused) return;
    if (this.rate <= 0) { this.stopReverse(); this.rate = this.video.playbackRate || 1; this.onChange(this.rate); }
  };

  private set(rate: number) { this.rate = rate; this.onChange(rate); }

  forward(): void {
    const next = this.rate <= 0 ? 1 : Math.min(this.rate * 2, 16);
    this.stopReverse();
    this.video.playbackRate = next;
    this.set(next);
    // J right after L pauses before play() settles, rejecting it: that is not a reason to stop the reverse
    if (this.video.paused) void this.video.play().catch(() => { if (this.rate > 0) this.set(0); });
  }

  backward(): void {
    const next = this.rate >= 0 ? -1 : Math.max(this.rate * 2, -16);
    if (!this.video.paused) this.video.pause();
    this.video.playbackRate = 1;
    this.set(next);
    this.target = this.video.currentTime;
    if (!this.raf) { this.last = performance.now(); this.raf = requestAnimationFrame(this.tick); }
  }

  stop(): void {
    this.stopReverse();
    if (!this.video.paused) this.video.pause();
    this.video.playbackRate = 1;
    this.set(0);
  }

  toggle(): void {
    if (this.rate !== 0 || !this.video.paused) this.stop();
    else this.forward();
  }

  private tick = (now: number) => {
    const dt = (now - this.last) / 1000;
    this.last = now;
    this.target = Math.max(0, this.target + this.rate * dt);
    // one seek at a time, by the element's own word (a flag of ours could miss a "seeked" that never comes)
    if (!this.video.seeking) this.video.currentTime = this.target;
    if (this.target <= 0) { this.raf = 0; this.set(0); return; }
    this.raf = requestAnimationFrame(this.tick);
  };

  private stopReverse(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    if (this.rate < 0) this.rate = 0;
  }

  destroy(): void {
    this.stopReverse();
    this.video.removeEventListener("pause", this.onPause);
    this.video.removeEventListener("play", this.onPlay);
  }
}

/** True when a key press belongs to a text field, a menu or an open dialog rather than to the player. */
export function keyIsForSomethingElse(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return true;
  const el = e.target as HTMLElement | null;
  if (!el || !el.closest) return false;
  if (el.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], dialog, [role='dialog'], " +
                 ".leaflet-container"))
    return true;
  if (document.querySelector("dialog[open]")) return true;
  // a focused button or link keeps space and Enter for itself
  if ((e.key === " " || e.key === "Enter") && el.closest("button, a[href], summary, [role='button'], [role='tab']")) return true;
  return false;
}
