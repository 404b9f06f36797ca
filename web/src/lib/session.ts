// Who is signed in, their role, and the CSRF token the API gave this browser session.
import { reactive } from "vue";

export const ROLES = ["viewer", "videographer", "editor", "producer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface User { id: string | null; username: string; role: Role; display_name?: string | null }

export const session = reactive({
  user: null as User | null,
  csrf: "" as string,
  checked: false,
  /** true when the role reaches `role` (what a role may not do is not offered). */
  can(role: Role): boolean {
    return !!this.user && ROLES.indexOf(this.user.role) >= ROLES.indexOf(role);
  },
  expired(): void {
    this.user = null;
    this.csrf = "";
  },
});

export async function loadSession(): Promise<void> {
  try {
    const res = await fetch("/api/v1/auth/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    const me = res.ok ? (await res.json()).user : null;
    if (me) {
      session.user = { id: me.id, username: me.username, role: me.role, display_name: me.display_name };
      session.csrf = me.csrf_token || "";
    } else {
      session.expired();
    }
  } catch {
    session.expired();
  }
  session.checked = true;
}

export async function signIn(username: string, password: string): Promise<void> {
  const res = await fetch("/api/v1/auth/login", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(typeof data.detail === "string" ? data.detail : res.statusText), { status: res.status });
  session.user = data.user;
  session.csrf = data.csrf_token;
}

export async function signOut(): Promise<void> {
  await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session.csrf } });
  session.expired();
}
