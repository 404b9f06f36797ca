// The asset record as GET /api/v1/assets/{id} gives it (api/schemas.py AssetPublic), for the asset page.

export interface Rendition { kind: string; name: string; url: string; content_type: string; width?: number | null;
  height?: number | null; size_bytes: number }
export interface Shot { index: number; start_s: number; end_s: number; thumbnail_url?: string | null; motion?: string | null;
  day_night?: string | null; faces?: number | null }
export interface TimedText { start_s: number; end_s: number; text: string; source?: string; sidecar?: string }
export interface Interval { start_s: number; end_s: number }
export interface Tag { name: string; source: "user" | "metadata" | "analysis" }

export interface Asset {
  id: string; status: "pending" | "processing" | "ready" | "failed"; trashed: boolean; created_by: string | null;
  error: string | null; title: string | null; description: string | null; project: string | null; tags: Tag[];
  kind: "video" | "audio" | "image" | null; original_filename: string; content_type: string | null; size_bytes: number;
  sha256?: string | null; progress: number; eta_s: number | null;
  technical: Record<string, any>; capture: Record<string, any>; telemetry: Record<string, any> | null;
  places: Record<string, any>[]; shots: Shot[]; loudness: Record<string, number | null | undefined>;
  qc: { black?: Interval[]; freeze?: Interval[]; silence?: Interval[] }; ocr: TimedText[]; transcript: TimedText[];
  analysis: { status?: string; error?: string | null }; warnings: string[]; renditions: Rendition[];
  sidecars: { kind: string; filename: string; size_bytes: number; url: string }[];
  exports: { id: string; preset: string; status: string; created_at: string }[];
  original_url: string; created_at: string; updated_at: string;
}

export interface Comment { id: string; author: string; author_display?: string | null; text: string; t_s: number | null;
  t_end_s?: number | null; resolved: boolean; created_at: string; replies: Comment[] }

export interface SimilarItem { asset_id: string; title: string; thumbnail_url: string | null; distance: number;
  matches: { shot_index: number; other_index: number; start_s: number | null; end_s: number | null; distance: number }[] }

export interface Span { start_s: number; end_s: number; text?: string; [k: string]: unknown }
/** The waveform rendition (waveform.json): min/max sample peaks per bucket of `bucket_s` seconds. */
export interface Waveform { version?: number; bucket_s: number; buckets?: number; peaks: [number, number][] }
