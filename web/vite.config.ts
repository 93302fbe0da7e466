// The studio builds into the Python package (aistudio/assets/web), so a Python-only
// install serves the page without Node.js; scripts/setup rebuilds it when web/ changed.
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/",
  build: {
    outDir: "../aistudio/assets/web",
    emptyOutDir: true,
    assetsDir: "static",
    target: "es2022",
    sourcemap: false,
    // The official LangGraph client is ~430 kB (its own dependencies); it loads with the
    // studio screen only, in its own chunk.
    chunkSizeWarningLimit: 500,
  },
  server: {
    // `npm run dev` next to `aistudio serve --dev`: the API stays on its own port.
    proxy: { "/api": "http://127.0.0.1:8000", "/health": "http://127.0.0.1:8000" },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
