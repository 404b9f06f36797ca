// Exports, presets, reviews, deliveries and jobs as the API shows them, with the calls the export dialog,
// the exports page and the jobs page make. One place for the shapes (see api/schemas.py, api/schemas_jobs.py).
import { api } from "./api";

export type ExportStatus = "queued" | "running" | "ready" | "failed" | "failed_qc" | "cancelled";
export const EXPORT_STATUSES: ExportStatus[] = ["queued", "running", "ready", "failed", "failed_qc", "cancelled"];
export const OPEN_STATUSES: ExportStatus[] = ["queued", "running"];
export const DELIVERY_STATUSES = ["submitted", "published", "adopted", "rejected"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const PLATFORMS = ["xuexi", "douyin", "wechat-channels", "weibo", "bilibili", "app", "web", "tv"];
export const POSITIONS = ["top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom",
  "bottom-right"] as const;

export interface Preset {
  name: string; title: string; kind: "video" | "hls" | "audio" | "still"; container: string;
  source: string; confidence: "confirmed" | "convention" | "unconfirmed"; notes?: string;
}
export interface BrandAsset { id: string; name: string; width: number; height: number; shipped: boolean }
export interface Output { name: string; url: string; size_bytes: number; content_type: string; main: boolean }
export interface QcCheck { name: string; want: string; got: string; passed: boolean }
export interface Qc { passed: boolean; checks: QcCheck[] }
export interface Delivery {
  id: string; export_id: string; platform: string; status: DeliveryStatus; url?: string | null;
  note?: string | null; history: { status: string; at?: string }[]; created_at: string; updated_at: string;
}
export interface ReviewStep { round: number; level: number; name: string; user: string;
  decision: "approve" | "reject"; note?: string | null; at: string }
export interface Review {
  state: "pending" | "approved" | "rejected" | "not_required"; round: number; steps: ReviewStep[];
  next_level: { level: number; name: string; role: string } | null; required_for: string[];
}
export interface Export {
  id: string; batch_id: string; asset_id: string; preset: string; status: ExportStatus; progress: number;
  eta_s: number | null; error: string | null; start_s: number | null; end_s: number | null;
  outputs: Output[]; qc: Qc | null; deliveries: Delivery[]; review: Review | null;
  created_at: string; updated_at: string;
}
export interface ExportPage { total: number; page: number; page_size: number; items: Export[] }

export type JobState = "queued" | "running" | "done" | "failed" | "cancelled";
export const JOB_STATES: JobState[] = ["queued", "running", "failed", "done", "cancelled"];
export interface JobExport { id: string; preset: string; status: ExportStatus; progress: number;
  eta_s: number | null; error: string | null }
export interface Job {
  id: string; kind: string; queue: string; asset_id: string; asset_title: string | null; state: JobState;
  attempts: number; retries: number; error: string | null; progress: number | null; eta_s: number | null;
  retryable: boolean; superseded: boolean; exports: JobExport[]; created_at: string; updated_at: string;
}
export interface JobPage { total: number; page: number; page_size: number; items: Job[] }

/** What POST /exports takes beyond the presets (mam/export_finishing.py FinishingIn). */
export interface Finishing {
  watermark?: { logo: string; position: string; opacity?: number };
  caption?: { text: string; position: string; style: "lower-third" | "title" | "plain" };
  subtitles?: { mode: "burn" | "soft"; source?: "subtitle" | "transcript" | null };
  reframe?: { mode: "center" | "blur-pad" | "follow" };
  fade_in_s?: number; fade_out_s?: number; speed?: number; speed_audio?: "drop" | "pitch";
}

export const isOpen = (e: { status: ExportStatus }) => OPEN_STATUSES.includes(e.status);

/** Outputs with the main file first (the MP4, the master playlist, …). */
export function sortedOutputs(outputs: Output[]): Output[] {
  return [...outputs].sort((a, b) => Number(b.main) - Number(a.main) || a.name.localeCompare(b.name));
}

export function fileName(e: Pick<Export, "preset">, o: Output): string {
  return `${e.preset}-${o.name.replace(/\//g, "-")}`;
}

export function eta(s: number | null | undefined): string {
  if (s === null || s === undefined || !isFinite(s)) return "";
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m ? `${m}:${String(sec).padStart(2, "0")}` : `${sec}s`;
}

export const exportsApi = {
  presets: () => api.get<Preset[]>("/presets"),
  brandAssets: () => api.get<BrandAsset[]>("/brand-assets"),
  create: (body: Record<string, unknown>) =>
    api.post<{ exports: { id: string; asset_id: string; preset: string }[] }>("/exports", body),
  list: (query: { status?: string; asset_id?: string; page?: number; page_size?: number }) =>
    api.get<ExportPage>("/exports", query),
  get: (id: string, signal?: AbortSignal) => api.get<Export>(`/exports/${id}`, undefined, signal),
  cancel: (id: string) => api.del<Export>(`/exports/${id}`),
  review: (id: string, decision: "approve" | "reject", note?: string) =>
    api.post<Review>(`/exports/${id}/reviews`, { decision, note: note || null }),
  deliver: (id: string, body: { platform: string; status: DeliveryStatus; url?: string | null; note?: string | null }) =>
    api.post<Delivery>(`/exports/${id}/deliveries`, body),
  moveDelivery: (id: string, body: { status?: DeliveryStatus; url?: string | null; note?: string | null }) =>
    api.patch<Delivery>(`/deliveries/${id}`, body),
  jobs: (query: { state?: string[]; kind?: string[]; page?: number; page_size?: number }) =>
    api.get<JobPage>("/jobs", query),
  retry: (id: string) => api.post<Job>(`/jobs/${id}/retry`),
};

/** Asset titles by id, fetched once per page load (exports carry only the asset's id). */
const titles = new Map<string, Promise<string | null>>();
export function assetTitle(id: string): Promise<string | null> {
  if (!titles.has(id)) {
    titles.set(id, api.get<{ title: string | null; original_filename: string }>(`/assets/${id}`)
      .then((a) => a.title || a.original_filename)
      .catch(() => null));
  }
  return titles.get(id)!;
}
