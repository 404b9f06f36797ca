// The UI's page addresses: other issues and the tests rely on them (/, /assets/{id}, /upload, /jobs, /exports).
import { createRouter, createWebHistory } from "vue-router";
import { loadSession, session, type Role } from "./lib/session";
import SearchPage from "./pages/SearchPage.vue";

declare module "vue-router" {
  interface RouteMeta { role?: Role; public?: boolean }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", name: "search", component: SearchPage },
    { path: "/assets/:id", name: "asset", component: () => import("./pages/AssetPage.vue") },
    { path: "/upload", name: "upload", component: () => import("./pages/UploadPage.vue"), meta: { role: "videographer" } },
    { path: "/jobs", name: "jobs", component: () => import("./pages/JobsPage.vue") },
    { path: "/exports", name: "exports", component: () => import("./pages/ExportsPage.vue") },
    { path: "/login", name: "login", component: () => import("./pages/LoginPage.vue"), meta: { public: true } },
    { path: "/:rest(.*)*", name: "missing", component: () => import("./pages/MissingPage.vue"), meta: { public: true } },
  ],
  scrollBehavior: (_to, _from, saved) => saved || { top: 0 },
});

router.beforeEach(async (to) => {
  if (!session.checked) await loadSession();
  if (to.meta.public) return true;
  if (!session.user) return { name: "login", query: { next: to.fullPath } };
  if (to.meta.role && !session.can(to.meta.role)) return { name: "search" };
  return true;
});
