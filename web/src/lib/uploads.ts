// The upload page's uploader: clips with their sidecars, in resumable multipart sessions of the API.
//
// Why our own uploader and not Uppy: the installed @uppy/aws-s3 (6.x) talks S3's own XML protocol to
// presigned URLs (CreateMultipartUpload, ListParts and CompleteMultipartUpload answered in XML), sends the
// parts of a file one after another, and its signer never sees a part's bytes. Our API answers in JSON,
// lists the parts it holds itself (GET /uploads/{id}), and wants every part's Content-MD5 (the local store
// checks it; on S3 the part URL is presigned for it), and a clip's sidecars belong to its session. Bending
// Uppy to that costs more than these few hundred lines, which keep the same guarantees:
//   * parts of a file in parallel, a few files in parallel, each part retried with backoff;
//   * the part size is the server's (`part_size` of the session);
//   * resume: the session id is kept in localStorage (per person and file: name, size, modified time) before
//     the first byte; after a reload the page lists unfinished uploads, and when the same file is chosen or
//     dropped again, GET /uploads/{id} tells which parts the server holds and only the others are sent;
//   * a file already in the library is reported, with a link to it (and whether it is in the trash).
// Which files are clips and which sidecars go with them is the server's rule (POST /uploads/plan, the one
// `mam ingest` uses), never decided here.
import { reactive } from "vue";
import { ApiError, V1, api, request } from "./api";
import { session } from "./session";

export const FILES_AT_ONCE = 3;
const PARTS_PER_FILE = 3;
const CONNECTIONS = 4; // part and sidecar PUTs in flight over all files (browsers allow 6 per host)
const ATTEMPTS = 6;
const HEAD_BYTES = 64 * 1024; // what the server's sidecar content check reads
const MAX_PLAN_FILES = 20000;

export interface Picked { file: File; path: string }
export interface PlanGroup { clip: string; size: number; part_size: number; part_count: number; sidecars: string[] }
export interface PlanSkip { path: string; code: string; reason: string }
interface Plan { groups: PlanGroup[]; skipped: PlanSkip[] }
interface PartUrl { part_number: number; url: string; presign?: string | null }
interface SidecarUrl { index: number; filename: string; size_bytes: number; url: string; received: boolean }
interface SessionOut {
  upload_id: string | null; status: string; size_bytes: number | null; part_size: number | null;
  part_count: number | null;
  expires_at: string | null; parts: PartUrl[]; received: { part_number: number; size: number }[];
  sidecars: SidecarUrl[]; duplicate_of: string | null; duplicate_in_trash: boolean; asset_id: string | null;
}
interface CompleteOut { asset_id: string; duplicate_of: string | null; duplicate_in_trash: boolean }

export type Status = "queued" | "checking" | "uploading" | "completing" | "done" | "duplicate" | "failed" | "cancelled";
export const ACTIVE: Status[] = ["checking", "uploading", "completing"];
export const FINISHED: Status[] = ["done", "duplicate", "failed", "cancelled"];

export interface UploadItem {
  key: string;
  name: string;
  path: string;
  size: number;
  total: number; // clip + sidecars
  sidecars: { name: string; size: number }[];
  status: Status;
  sent: number; // bytes the server holds or that are on their way
  resumed: number; // bytes the server already held when this run began
  speed: number; // bytes/s
  eta: number | null; // seconds
  partSize: number;
  partCount: number;
  partsResumed: number;
  uploadId: string | null;
  assetId: string | null;
  inTrash: boolean;
  assetStatus: string | null;
  error: string | null;
}

export interface Unfinished {
  key: string; uploadId: string; name: string; size: number; sidecars: string[]; startedAt: string;
  received: number | null; expiresAt: string | null;
}

export const state = reactive({
  owner: "" as string,
  items: [] as UploadItem[],
  skipped: [] as PlanSkip[],
  unfinished: [] as Unfinished[],
  planning: false,
  error: "",
  speed: 0,
});

interface Runtime {
  clip: File; sidecars: File[]; project: string | null; tags: string[];
  aborter: AbortController; inflight: Map<string, number>; confirmed: number;
  lastSent: number; lastAt: number; restarted: boolean;
}
const runtime = new Map<string, Runtime>();

// ---- what this browser remembers (per person): open sessions to resume, and sha256 of files uploaded

interface Book { open: Record<string, Unfinished>; known: Record<string, string> }

function bookKey(): string {
  return `mam.uploads.v1.${session.user?.id || session.user?.username || "anon"}`;
}

function readBook(): Book {
  try {
    const b = JSON.parse(localStorage.getItem(bookKey()) || "null");
    if (b && typeof b === "object") return { open: b.open || {}, known: b.known || {} };
  } catch { /* a damaged record is forgotten */ }
  return { open: {}, known: {} };
}

function writeBook(b: Book): void {
  const known = Object.entries(b.known);
  if (known.length > 2000) b.known = Object.fromEntries(known.slice(-2000));
  try { localStorage.setItem(bookKey(), JSON.stringify(b)); } catch { /* storage full: resume just won't work */ }
}

function remember(item: UploadItem, uploadId: string, expiresAt: string | null): void {
  const b = readBook();
  b.open[item.key] = { key: item.key, uploadId, name: item.name, size: item.size,
    sidecars: item.sidecars.map((s) => s.name), startedAt: new Date().toISOString(), received: null, expiresAt };
  writeBook(b);
}

function forget(key: string): void {
  const b = readBook();
  delete b.open[key];
  writeBook(b);
}

function learn(key: string, sha256: string | null | undefined): void {
  if (!sha256) return;
  const b = readBook();
  delete b.known[key];
  b.known[key] = sha256;
  writeBook(b);
}

/** A file's identity for resuming: the same file chosen again, from a folder or alone. */
export function fingerprint(f: File): string {
  return `${f.name}|${f.size}|${f.lastModified}`;
}

// ---- planning: the server groups clips and sidecars

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function headOf(f: File): Promise<string> {
  return base64(new Uint8Array(await f.slice(0, HEAD_BYTES).arrayBuffer()));
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Plan what was chosen or dropped, then queue each clip with its sidecars. */
export async function addFiles(picked: Picked[], opts: { project?: string; tags?: string[] } = {}): Promise<void> {
  const byPath = new Map<string, File>();
  for (const p of picked) byPath.set(p.path || p.file.name, p.file);
  if (!byPath.size) return;
  state.error = "";
  if (byPath.size > MAX_PLAN_FILES) {
    state.error = `> ${MAX_PLAN_FILES}`;
    return;
  }
  state.planning = true;
  try {
    let plan = await api.post<Plan>("/uploads/plan",
      { files: [...byPath].map(([path, f]) => ({ path, size: f.size })) });
    const paired = plan.groups.filter((g) => g.sidecars.length);
    if (paired.length) { // the sidecars' content is checked too, as `mam ingest` does, before anything is sent
      const files: { path: string; size: number; head?: string }[] = [];
      for (const g of paired) {
        files.push({ path: g.clip, size: g.size });
        for (const s of g.sidecars) files.push({ path: s, size: byPath.get(s)!.size, head: await headOf(byPath.get(s)!) });
      }
      const vetted = await api.post<Plan>("/uploads/plan", { files });
      const again = new Map(vetted.groups.map((g) => [g.clip, g]));
      plan = { groups: plan.groups.map((g) => again.get(g.clip) || g), skipped: [...plan.skipped, ...vetted.skipped] };
    }
    const seen = new Set(plan.skipped.map((s) => s.path));
    state.skipped = [...plan.skipped, ...state.skipped.filter((s) => !seen.has(s.path))];
    for (const g of plan.groups) {
      const clip = byPath.get(g.clip);
      if (clip) enqueue(g, clip, g.sidecars.map((p) => byPath.get(p)!).filter(Boolean), opts);
    }
  } catch (e) {
    state.error = messageOf(e);
  } finally {
    state.planning = false;
  }
  pump();
}

function enqueue(g: PlanGroup, clip: File, sidecars: File[], opts: { project?: string; tags?: string[] }): void {
  const key = fingerprint(clip);
  const at = state.items.findIndex((i) => i.key === key);
  if (at >= 0) {
    if (!FINISHED.includes(state.items[at].status)) return; // already on its way
    state.items.splice(at, 1);
  }
  state.items.push({
    key, name: clip.name, path: g.clip, size: clip.size,
    total: clip.size + sidecars.reduce((n, f) => n + f.size, 0),
    sidecars: sidecars.map((f) => ({ name: f.name, size: f.size })),
    status: "queued", sent: 0, resumed: 0, speed: 0, eta: null, partSize: g.part_size, partCount: g.part_count,
    partsResumed: 0, uploadId: null, assetId: null, inTrash: false, assetStatus: null, error: null,
  });
  runtime.set(key, {
    clip, sidecars, project: opts.project?.trim() || null, tags: opts.tags || [], aborter: new AbortController(),
    inflight: new Map(), confirmed: 0, lastSent: 0, lastAt: 0, restarted: false,
  });
  state.unfinished = state.unfinished.filter((u) => u.key !== key);
}

function pump(): void {
  let active = state.items.filter((i) => ACTIVE.includes(i.status)).length;
  for (const item of state.items) {
    if (active >= FILES_AT_ONCE) break;
    if (item.status === "queued") {
      active++;
      void run(item).finally(pump);
    }
  }
  tick();
}

// ---- one clip and its sidecars

/** The session remembered for this file, if the server still holds it with the same sidecars. */
async function resumable(item: UploadItem): Promise<SessionOut | null> {
  const rec = readBook().open[item.key];
  if (!rec) return null;
  try {
    const sess = await api.get<SessionOut>(`/uploads/${rec.uploadId}`);
    const same = [...sess.sidecars.map((s) => s.filename)].sort().join("\n") ===
      [...item.sidecars.map((s) => s.name)].sort().join("\n");
    if (same && sess.size_bytes === item.size) return sess;
    await api.del(`/uploads/${rec.uploadId}`).catch(() => undefined); // other sidecars now: start afresh
  } catch (e) {
    if (!(e instanceof ApiError && (e.status === 404 || e.status === 410))) throw e;
  }
  forget(item.key);
  return null;
}

async function run(item: UploadItem): Promise<void> {
  const rt = runtime.get(item.key)!;
  item.status = "checking";
  item.error = null;
  rt.aborter = new AbortController();
  const signal = rt.aborter.signal;
  try {
    let sess = await resumable(item);
    if (sess) {
      item.partsResumed = sess.received.length;
    } else {
      sess = await request<SessionOut>("POST", "/uploads", { signal, json: {
        filename: item.name, size_bytes: item.size, content_type: rt.clip.type || null,
        sha256: readBook().known[item.key] || null, project: rt.project, tags: rt.tags,
        sidecars: item.sidecars.map((s) => ({ filename: s.name, size_bytes: s.size })),
      } });
      if (sess.duplicate_of) {
        duplicate(item, sess.duplicate_of, sess.duplicate_in_trash);
        return;
      }
      remember(item, sess.upload_id!, sess.expires_at);
      if (signal.aborted) { // cancelled while the session was being opened
        forget(item.key);
        await api.del(`/uploads/${sess.upload_id}`).catch(() => undefined);
        return;
      }
    }
    const s = sess;
    const id = s.upload_id!;
    item.uploadId = id;
    item.partSize = s.part_size || item.partSize;
    item.partCount = s.part_count || item.partCount;
    item.resumed = s.received.reduce((n, p) => n + p.size, 0) +
      s.sidecars.filter((sc) => sc.received).reduce((n, sc) => n + sc.size_bytes, 0);
    rt.confirmed = item.resumed;
    rt.inflight.clear();
    item.sent = rt.lastSent = item.resumed;
    rt.lastAt = performance.now();
    item.status = "uploading";
    const tasks: (() => Promise<void>)[] = s.parts.map((p) => () => sendPart(item, rt, s, p, signal));
    for (const sc of s.sidecars) if (!sc.received) tasks.push(() => sendSidecar(item, rt, sc, signal));
    await limited(tasks, PARTS_PER_FILE);
    item.status = "completing";
    const done = await request<CompleteOut>("POST", `/uploads/${id}/complete`, { json: {}, signal });
    forget(item.key);
    if (done.duplicate_of) {
      duplicate(item, done.duplicate_of, done.duplicate_in_trash);
    } else {
      item.assetId = done.asset_id;
      item.sent = item.total;
      item.status = "done";
      item.assetStatus = "pending";
      watchAssets();
    }
  } catch (e) {
    if (signal.aborted || (item.status as Status) === "cancelled") return;
    if (e instanceof ApiError && (e.status === 404 || e.status === 410) && !rt.restarted) {
      rt.restarted = true; // the session expired or was aborted elsewhere: start afresh, once
      forget(item.key);
      item.status = "queued";
      return;
    }
    if (e instanceof ApiError && item.status === "completing" && [410, 415, 422].includes(e.status)) {
      forget(item.key); // the server discarded the upload
    }
    item.status = "failed";
    item.error = messageOf(e);
  } finally {
    item.speed = 0;
    item.eta = null;
  }
}

function duplicate(item: UploadItem, assetId: string, inTrash: boolean): void {
  forget(item.key);
  item.assetId = assetId;
  item.inTrash = inTrash;
  item.sent = item.total;
  item.status = "duplicate";
  item.assetStatus = null;
  watchAssets();
}

/** Run tasks, at most ``n`` at a time; after a failure no new one starts, and the first error is raised. */
async function limited(tasks: (() => Promise<void>)[], n: number): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const lane = async () => {
    while (failed === null && next < tasks.length) {
      const task = tasks[next++];
      try { await task(); } catch (e) { if (failed === null) failed = e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, lane));
  if (failed !== null) throw failed;
}

// ---- sending bytes

/** One connection slot out of CONNECTIONS. */
let free = CONNECTIONS;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (free > 0) free--;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else free++;
  }
}

class SendError extends Error {
  constructor(public status: number, message: string, public retry: boolean) { super(message); }
}

function detailOf(text: string, fallback: string): string {
  try {
    const d = JSON.parse(text)?.detail;
    if (typeof d === "string") return d;
  } catch { /* not JSON (S3 answers XML) */ }
  return fallback;
}

/** Our API's own URLs are used by path (the page's origin, whatever host name the server saw). */
function ours(url: string): string | null {
  const u = new URL(url, location.href);
  return u.pathname.startsWith(`${V1}/uploads/`) && (u.origin === location.origin || !/[?&]X-Amz-/i.test(u.search))
    ? u.pathname + u.search : null;
}

function put(url: string, body: Blob, headers: Record<string, string>, signal: AbortSignal,
  onProgress: (loaded: number) => void): Promise<void> {
  const path = ours(url);
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new DOMException("aborted", "AbortError")); return; }
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", path || url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    if (path) { // to the API: the session cookie and its CSRF token
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      if (session.csrf) xhr.setRequestHeader("X-CSRF-Token", session.csrf);
    }
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort, { once: true });
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) { resolve(); return; }
      if (xhr.status === 401) session.expired();
      const text = xhr.responseText || "";
      const retry = xhr.status >= 500 || [408, 429].includes(xhr.status) ||
        (xhr.status === 422 && /checksum/i.test(text)) || (!path && xhr.status === 400 && /BadDigest/i.test(text));
      reject(new SendError(xhr.status, detailOf(text, `HTTP ${xhr.status}`), retry));
    };
    xhr.onerror = () => reject(new SendError(0, "network error", true));
    xhr.ontimeout = () => reject(new SendError(0, "timed out", true));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    xhr.onloadend = () => signal.removeEventListener("abort", abort);
    xhr.send(body);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal.removeEventListener("abort", stop); resolve(); }, ms);
    const stop = () => { clearTimeout(t); reject(new DOMException("aborted", "AbortError")); };
    signal.addEventListener("abort", stop, { once: true });
  });
}

function retryable(e: unknown): boolean {
  if (e instanceof SendError) return e.retry;
  if (e instanceof ApiError) return e.status >= 500 || e.status === 408 || e.status === 429;
  return e instanceof TypeError; // fetch: network down
}

/** Try ``send`` up to ATTEMPTS times, waiting 1, 2, 4, 8, 16 s (and a little jitter) between tries. */
async function withRetry(signal: AbortSignal, send: () => Promise<void>, reset: () => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (e) {
      reset();
      if (signal.aborted || !retryable(e) || attempt >= ATTEMPTS) throw e;
      await sleep(Math.min(30, 2 ** (attempt - 1)) * 1000 + Math.random() * 300, signal);
    }
  }
}

/** ``loaded`` bytes of ``key`` on their way (null: that transfer is over, confirmed or not). */
function progress(item: UploadItem, rt: Runtime, key: string, loaded: number | null): void {
  if (loaded === null) rt.inflight.delete(key);
  else rt.inflight.set(key, loaded);
  let sent = rt.confirmed;
  for (const n of rt.inflight.values()) sent += n;
  item.sent = Math.min(item.total, sent);
}

async function sendPart(item: UploadItem, rt: Runtime, s: SessionOut, p: PartUrl, signal: AbortSignal): Promise<void> {
  const size = s.part_size!;
  const start = (p.part_number - 1) * size;
  const blob = rt.clip.slice(start, Math.min(start + size, item.size));
  const md5 = await md5Of(blob);
  const key = `p${p.part_number}`;
  await withRetry(signal, async () => {
    let url = p.url;
    let headers: Record<string, string> = { "Content-MD5": md5 };
    if (p.presign) { // S3: a URL straight to the store, signed for this checksum
      const signed = await request<{ url: string; headers: Record<string, string> }>(
        "POST", ours(p.presign) || p.presign, { json: { content_md5: md5 }, signal });
      url = signed.url;
      headers = signed.headers;
    }
    await slot(() => put(url, blob, headers, signal, (n) => progress(item, rt, key, n)));
  }, () => progress(item, rt, key, null));
  rt.confirmed += blob.size;
  progress(item, rt, key, null);
}

async function sendSidecar(item: UploadItem, rt: Runtime, sc: SidecarUrl, signal: AbortSignal): Promise<void> {
  const file = rt.sidecars.find((f) => f.name === sc.filename);
  if (!file) throw new Error(sc.filename);
  const key = `s${sc.index}`;
  await withRetry(signal, () => slot(() => put(sc.url, file, {}, signal, (n) => progress(item, rt, key, n))),
    () => progress(item, rt, key, null));
  rt.confirmed += file.size;
  progress(item, rt, key, null);
}

// ---- MD5 of parts, in workers

let workers: Worker[] = [];
let turn = 0;
let seq = 0;
const pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();

function md5Of(blob: Blob): Promise<string> {
  if (!workers.length) {
    workers = Array.from({ length: 2 }, () => {
      const w = new Worker(new URL("./uploadMd5.worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (ev: MessageEvent<{ id: number; md5?: string; error?: string }>) => {
        const job = pending.get(ev.data.id);
        pending.delete(ev.data.id);
        if (!job) return;
        if (ev.data.md5) job.resolve(ev.data.md5);
        else job.reject(new Error(ev.data.error || "MD5 failed"));
      };
      return w;
    });
  }
  const id = ++seq;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    workers[turn++ % workers.length].postMessage({ id, blob });
  });
}

// ---- speed and time left, once a second

let ticker: number | null = null;

function tick(): void {
  if (ticker !== null) return;
  ticker = window.setInterval(() => {
    const now = performance.now();
    let speed = 0;
    let busy = false;
    for (const item of state.items) {
      const rt = runtime.get(item.key);
      if (!rt || item.status !== "uploading") continue;
      busy = true;
      const dt = (now - rt.lastAt) / 1000;
      const rate = Math.max(0, item.sent - rt.lastSent) / Math.max(dt, 0.001);
      item.speed = item.speed ? item.speed * 0.7 + rate * 0.3 : rate;
      item.eta = item.speed > 1 ? (item.total - item.sent) / item.speed : null;
      rt.lastSent = item.sent;
      rt.lastAt = now;
      speed += item.speed;
    }
    state.speed = speed;
    if (!busy && !state.items.some((i) => i.status === "queued" || ACTIVE.includes(i.status))) {
      window.clearInterval(ticker!);
      ticker = null;
      state.speed = 0;
    }
  }, 1000);
}

// ---- after the upload: the asset's processing status

let watcher: number | null = null;

export function watchAssets(): void {
  if (watcher !== null) return;
  const poll = async () => {
    const open = state.items.filter((i) => i.assetId && (i.status === "done" || i.status === "duplicate") &&
      !["ready", "failed"].includes(i.assetStatus || ""));
    for (const item of open) {
      try {
        const rec = await api.get<{ status: string; sha256?: string | null }>(`/assets/${item.assetId}`);
        item.assetStatus = rec.status;
        learn(item.key, rec.sha256);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) item.assetStatus = "gone";
      }
    }
    if (!open.length) {
      window.clearInterval(watcher!);
      watcher = null;
    }
  };
  watcher = window.setInterval(poll, 2000);
  void poll();
}

// ---- what the person does

export async function cancel(item: UploadItem): Promise<void> {
  const id = item.uploadId || readBook().open[item.key]?.uploadId;
  item.status = "cancelled";
  runtime.get(item.key)?.aborter.abort();
  forget(item.key);
  if (id) await api.del(`/uploads/${id}`).catch(() => undefined);
}

export function retry(item: UploadItem): void {
  if (!runtime.has(item.key)) return;
  item.status = "queued";
  pump();
}

export function clearFinished(): void {
  state.items = state.items.filter((i) => !FINISHED.includes(i.status) || (i.status === "failed"));
  for (const key of [...runtime.keys()]) if (!state.items.some((i) => i.key === key)) runtime.delete(key);
}

/** Uploads this browser began and did not finish (e.g. before a reload), with what the server holds. */
export async function loadUnfinished(): Promise<void> {
  const who = session.user?.id || session.user?.username || "";
  if (state.owner !== who) { // another person signed in on this tab: their own list
    for (const rt of runtime.values()) rt.aborter.abort();
    runtime.clear();
    state.items = [];
    state.skipped = [];
    state.owner = who;
  }
  const open = Object.values(readBook().open).filter((u) => !state.items.some((i) => i.key === u.key));
  state.unfinished = open.map((u) => ({ ...u, received: null }));
  for (const u of state.unfinished) {
    try {
      const s = await api.get<SessionOut>(`/uploads/${u.uploadId}`);
      u.received = s.received.reduce((n, p) => n + p.size, 0);
      u.expiresAt = s.expires_at;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 410)) {
        forget(u.key);
        state.unfinished = state.unfinished.filter((x) => x.key !== u.key);
      }
    }
  }
}

export async function discard(u: Unfinished): Promise<void> {
  forget(u.key);
  state.unfinished = state.unfinished.filter((x) => x.key !== u.key);
  await api.del(`/uploads/${u.uploadId}`).catch(() => undefined);
}

export async function restore(item: UploadItem): Promise<void> {
  await api.post(`/assets/${item.assetId}/restore`);
  item.inTrash = false;
}
