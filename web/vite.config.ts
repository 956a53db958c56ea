import { defineConfig } from "vite";

// React's JSX goes through esbuild's automatic runtime: no plugin needed (and none that
// pulls a native toolchain), fast refresh is the only thing given up in `npm run dev`.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "react" },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    emptyOutDir: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // react-router ships "use client" for server components; meaningless in this bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev` next to `saas serve`: the API stays same-origin for cookies and CSRF.
    proxy: { "/graphql": { target: "http://localhost:8000", ws: true, changeOrigin: false } },
  },
});
