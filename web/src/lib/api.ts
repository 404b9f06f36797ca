// One way to call the API from the browser: same origin, the session cookie, and the CSRF token on unsafe
// methods. Errors become ApiError with the server's own words (`detail`), so pages can show them as they are.
import { session } from "./session";

export class ApiError extends Error {
  constructor(public status: number, message: string, public body: unknown = null) {
    super(message);
  }
}

export const V1 = "/api/v1";

type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>;

export function qs(query: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => p.append(k, String(x)));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

function detailOf(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const d = (body as { detail: unknown }).detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) return d.map((x) => (x && typeof x === "object" && "msg" in x ? String(x.msg) : String(x))).join("; ");
  }
  return fallback;
}

export async function request<T = unknown>(method: string, path: string, opts: {
  query?: Query; json?: unknown; body?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal;
} = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...(opts.headers || {}) };
  if (!["GET", "HEAD"].includes(method) && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  }
  const url = (path.startsWith("/api/") ? path : V1 + path) + qs(opts.query);
  const res = await fetch(url, { method, headers, body, credentials: "same-origin", signal: opts.signal });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    if (res.status === 401) session.expired();
    throw new ApiError(res.status, detailOf(data, `${res.status} ${res.statusText}`), data);
  }
  return data as T;
}

export const api = {
  get: <T = unknown>(path: string, query?: Query, signal?: AbortSignal) => request<T>("GET", path, { query, signal }),
  post: <T = unknown>(path: string, json?: unknown) => request<T>("POST", path, { json }),
  patch: <T = unknown>(path: string, json?: unknown) => request<T>("PATCH", path, { json }),
  put: <T = unknown>(path: string, body: BodyInit, headers?: Record<string, string>) =>
    request<T>("PUT", path, { body, headers }),
  del: <T = unknown>(path: string, query?: Query) => request<T>("DELETE", path, { query }),
};
