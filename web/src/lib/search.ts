// The search page's data: what GET /api/v1/search answers, how a search lives in the page address
// (/?q=…&project=…&tag=…, so it can be shared and Back works), and the thumbnails WebVTT a poster scrubs through.
import { api } from "./api";

export interface SearchHit { field: string; snippet: string | null; start_s: number | null; end_s: number | null }

export interface SearchItem {
  asset_id: string; title: string; score: number; thumbnail_url: string | null; duration_s: number | null;
  captured_at: string | null; kind: string | null; status: string; project: string | null;
  camera?: string | null; place?: string | null; place_en?: string | null; hits: SearchHit[];
}

export interface FacetCount { value: string; count: number }

export interface SearchPage {
  total: number; total_exact: boolean; page: number; page_size: number; items: SearchItem[];
  facets: Record<string, FacetCount[]>; facets_estimated: boolean;
}

export const SORTS = ["relevance", "-captured_at", "captured_at", "-duration", "duration"] as const;
export type Sort = (typeof SORTS)[number];
export const KINDS = ["video", "image", "audio"] as const;
export const FACETS = ["project", "tag", "kind", "camera", "year"] as const;
/** the first page is what fills a screen (a search as you type waits for no more); then pages of PAGE_SIZE */
export const FIRST_PAGE = 12;
export const PAGE_SIZE = 24;
/** the API's deepest page: page × page_size may not exceed this */
export const MAX_WINDOW = 10_000;

/** A search as the page address holds it. `place` has no filter of its own in the API: it is searched as a
 *  phrase (place names are indexed with the asset's text). `near`/`radius_m`/`bbox` come from links (a map). */
export interface SearchState {
  q: string; project: string; tags: string[]; camera: string; kind: string; from: string; to: string;
  min_duration: string; max_duration: string; place: string; near: string; radius_m: string; bbox: string;
  collection: string; sort: Sort;
}

export const FILTER_KEYS = ["project", "camera", "kind", "from", "to", "min_duration", "max_duration", "place", "near",
  "radius_m", "bbox", "collection"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>;

function one(v: RouteQuery[string]): string {
  if (Array.isArray(v)) return String(v[0] ?? "");
  return v == null ? "" : String(v);
}

function many(v: RouteQuery[string]): string[] {
  const list = Array.isArray(v) ? v : v == null ? [] : [v];
  return [...new Set(list.map((x) => String(x ?? "").trim()).filter(Boolean))];
}

export function emptyState(): SearchState {
  return { q: "", project: "", tags: [], camera: "", kind: "", from: "", to: "", min_duration: "", max_duration: "",
    place: "", near: "", radius_m: "", bbox: "", collection: "", sort: "relevance" };
}

/** The search a page address asks for (unknown sorts and kinds are dropped). */
export function stateFromQuery(query: RouteQuery): SearchState {
  const s = emptyState();
  s.q = one(query.q);
  s.tags = many(query.tag);
  for (const k of FILTER_KEYS) s[k] = one(query[k]).trim();
  if (!(KINDS as readonly string[]).includes(s.kind)) s.kind = "";
  const sort = one(query.sort);
  s.sort = (SORTS as readonly string[]).includes(sort) ? (sort as Sort) : "relevance";
  return s;
}

/** The page address's query of a search: only what is set, so shared links stay short. */
export function queryFromState(s: SearchState): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (s.q.trim()) out.q = s.q;
  for (const k of FILTER_KEYS) if (s[k]) out[k] = s[k];
  if (s.tags.length) out.tag = s.tags;
  if (s.sort !== "relevance") out.sort = s.sort;
  return out;
}

/** What the search box's words become with the place filter added (a quoted phrase). */
export function apiWords(s: SearchState): string {
  const place = s.place.replace(/"/g, " ").trim();
  return [s.q.trim(), place ? `"${place}"` : ""].filter(Boolean).join(" ");
}

/** The GET /api/v1/search parameters of a search and page. */
export function apiQuery(s: SearchState, page: number, pageSize: number) {
  return {
    q: apiWords(s), project: s.project, tag: s.tags, camera: s.camera, kind: s.kind, from: s.from, to: s.to,
    min_duration: s.min_duration, max_duration: s.max_duration, near: s.near,
    radius_m: s.near ? s.radius_m : "", bbox: s.bbox, collection: s.collection,
    sort: s.sort === "relevance" ? "" : s.sort, page, page_size: pageSize,
  };
}

export function runSearch(s: SearchState, page: number, pageSize: number, signal?: AbortSignal): Promise<SearchPage> {
  return api.get<SearchPage>("/search", apiQuery(s, page, pageSize), signal);
}

/** The page that continues after the first `offset` results (a multiple of FIRST_PAGE): 12 → page 2 of 12,
 *  24 → page 2 of 24, 48 → page 3 of 24. */
export function nextPage(offset: number): { page: number; size: number } {
  const size = offset % PAGE_SIZE === 0 ? PAGE_SIZE : FIRST_PAGE;
  return { page: offset / size + 1, size };
}

/** True when nothing narrows the search (no words, no filter). */
export function isBlank(s: SearchState): boolean {
  return !s.q.trim() && !s.tags.length && FILTER_KEYS.every((k) => !s[k]);
}

/** A facet value clicked: the filter it sets (tags add up; a year is a date range). */
export function withFacet(s: SearchState, facet: string, value: string): SearchState {
  const n = { ...s, tags: [...s.tags] };
  if (facet === "tag") { if (!n.tags.includes(value)) n.tags.push(value); }
  else if (facet === "year") { n.from = `${value}-01-01`; n.to = `${value}-12-31`; }
  else if (facet === "project" || facet === "camera" || facet === "kind") n[facet] = value;
  return n;
}

/** Whether a facet value is already a filter of the search. */
export function facetActive(s: SearchState, facet: string, value: string): boolean {
  if (facet === "tag") return s.tags.includes(value);
  if (facet === "year") return s.from === `${value}-01-01` && s.to === `${value}-12-31`;
  return (facet === "project" || facet === "camera" || facet === "kind") && s[facet] === value;
}

// ---- thumbnails WebVTT: one cue per sprite tile, "sheet-url#xywh=x,y,w,h"

export interface ThumbCue { start: number; end: number; url: string; x: number; y: number; w: number; h: number }

function vttSeconds(s: string): number {
  const parts = s.trim().split(":").map(Number);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

/** The cues of a thumbnails WebVTT; sheet links resolved against `base` (the VTT's own address). */
export function parseThumbnailsVtt(text: string, base: string): ThumbCue[] {
  const cues: ThumbCue[] = [];
  const lines = text.replace(/\r/g, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
    if (!m) continue;
    const ref = (lines[i + 1] || "").trim();
    const hash = ref.lastIndexOf("#xywh=");
    if (hash < 0) continue;
    const [x, y, w, h] = ref.slice(hash + 6).split(",").map(Number);
    if (![x, y, w, h].every(isFinite) || w <= 0 || h <= 0) continue;
    cues.push({ start: vttSeconds(m[1]), end: vttSeconds(m[2]), url: new URL(ref.slice(0, hash), base).href, x, y, w, h });
  }
  return cues;
}

/** The cue showing at second `t` (the last one at or before it). */
export function cueAt(cues: ThumbCue[], t: number): ThumbCue | null {
  if (!cues.length) return null;
  let lo = 0, hi = cues.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cues[mid].start <= t) lo = mid; else hi = mid - 1;
  }
  return cues[lo];
}

interface AssetRenditions { renditions?: { kind: string; url: string }[] }
const thumbs = new Map<string, Promise<ThumbCue[]>>();

/** An asset's thumbnail cues, fetched once (its record, then its thumbnails WebVTT); [] when it has none. */
export function thumbnailCues(assetId: string): Promise<ThumbCue[]> {
  let p = thumbs.get(assetId);
  if (!p) {
    p = (async () => {
      const rec = await api.get<AssetRenditions>(`/assets/${encodeURIComponent(assetId)}`);
      const vtt = rec.renditions?.find((r) => r.kind === "thumbnails_vtt");
      if (!vtt) return [];
      const res = await fetch(vtt.url, { credentials: "same-origin" });
      if (!res.ok) throw new Error(`${res.status}`);
      return parseThumbnailsVtt(await res.text(), new URL(vtt.url, location.href).href);
    })();
    p.catch(() => thumbs.delete(assetId)); // a failed fetch is tried again on the next hover
    thumbs.set(assetId, p);
  }
  return p;
}
