// Numbers, sizes, times and dates as people read them.
import { locale } from "./i18n";

/** Broadcast-style timecode HH:MM:SS:FF at ``fps`` (frames counted down from the second). */
export function timecode(s: number | null | undefined, fps = 25): string {
  if (s === null || s === undefined || !isFinite(s)) return "--:--";
  const neg = s < 0; s = Math.abs(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  const f = Math.floor((s - Math.floor(s)) * fps + 1e-6);
  const mm = String(m).padStart(2, "0"), ss = String(sec).padStart(2, "0"), ff = String(f).padStart(2, "0");
  return `${neg ? "-" : ""}${String(h).padStart(2, "0")}:${mm}:${ss}:${ff}`;  // HH:MM:SS:FF, as editors read it
}

export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !isFinite(s)) return "";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.round(s % 60);
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

export function bytes(n: number | null | undefined): string {
  if (!n && n !== 0) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0; let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 && i ? 1 : 0)} ${units[i]}`;
}

export function date(iso: string | null | undefined, withTime = false): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return withTime ? d.toLocaleString(locale.lang) : d.toLocaleDateString(locale.lang);
}

export function percent(x: number | null | undefined): string {
  return `${Math.round((x || 0) * 100)}%`;
}
