import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { formatDocument, stringifyDocument } from "@urql/core";
import { defineConfig } from "vite";
import type { Plugin } from "vite";
import { BrandingDocument, SessionDocument } from "./src/graphql/generated";
import { CLIENT_HOME_DOCUMENTS, CLIENT_HOME_QUERIES } from "./src/app/bootQueries";

// Compressible assets at least this big get a brotli (.br) and a gzip (.gz) copy beside them:
// saas/web.py serves the copy the browser accepts, with no compression work per request.
const PRECOMPRESS = /\.(js|css|svg|json|txt|map)$/;
const PRECOMPRESS_MIN_BYTES = 1024;

function precompress(): Plugin {
  return {
    name: "kabinet-precompress",
    apply: "build",
    writeBundle(options) {
      const assets = join(options.dir ?? "dist", "assets");
      for (const name of readdirSync(assets)) {
        if (!PRECOMPRESS.test(name)) continue;
        const path = join(assets, name);
        const data = readFileSync(path);
        if (data.length < PRECOMPRESS_MIN_BYTES) continue;
        const brotli = brotliCompressSync(data, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        });
        writeFileSync(`${path}.br`, brotli);
        writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

// The queries the server runs for the HTML shell (saas/shell.py), written as dist/boot.json:
// the brand and the session come with the page instead of two round trips after it. Printed
// as urql sends them (with __typename), so their results fit urql's cache as they are;
// app/boot.ts hands them to the client under the same names.
//
// "clientHome": what a client's home (/cabinet/<id>) asks first, with its variables
// (app/bootQueries.ts: "$organization" and "$organizationGlobalId" filled in by the server
// for the page's organization, only for a person who is that organization's contact at the
// host's firm), and "preload": the home page's chunks, which the shell names as
// <link rel=modulepreload> so they load beside the main script instead of after it.
function bootQueries(): Plugin {
  const queries = { branding: BrandingDocument, session: SessionDocument };
  const clientHome = CLIENT_HOME_DOCUMENTS;
  const print = (query: Parameters<typeof formatDocument>[0]) => stringifyDocument(formatDocument(query));
  return {
    name: "kabinet-boot-queries",
    apply: "build",
    generateBundle(_options, bundle) {
      const printed: Record<string, unknown> = Object.fromEntries(
        Object.entries(queries).map(([name, query]) => [name, print(query)]),
      );
      const chunks = Object.values(bundle).filter((c) => c.type === "chunk");
      const home = chunks.find((c) => c.facadeModuleId?.endsWith("/pages/ClientCabinetPage.tsx"));
      const preload: string[] = [];
      const visit = (fileName: string) => {
        const chunk = chunks.find((c) => c.fileName === fileName);
        if (!chunk || chunk.isEntry || preload.includes(fileName)) return;
        preload.push(fileName);
        chunk.imports.forEach(visit);
      };
      if (home) visit(home.fileName);
      printed.clientHome = {
        queries: Object.fromEntries(
          Object.entries(clientHome).map(([name, query]) => [
            name,
            { query: print(query), variables: CLIENT_HOME_QUERIES[name as keyof typeof clientHome] },
          ]),
        ),
        preload,
      };
      this.emitFile({ type: "asset", fileName: "boot.json", source: JSON.stringify(printed, null, 2) });
    },
  };
}

// React's JSX goes through esbuild's automatic runtime: no plugin needed (and none that
// pulls a native toolchain), fast refresh is the only thing given up in `npm run dev`.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "react" },
  plugins: [bootQueries(), precompress()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    // No source map in what the app serves: it would publish the whole source (2.5 MB).
    sourcemap: false,
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
