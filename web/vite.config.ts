import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// Built files go under /static/ so that the UI's own page addresses (/assets/{id}, /upload, …) never meet a
// built file's name; the API serves index.html for every page address (api/web.py).
export default defineConfig({
  plugins: [vue()],
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
});
