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

// The GraphQL documents (issue 12). graphql/generated.ts holds all of them (147 parsed
// documents, ~340 KB of object literals); one module is never split, so every document sat in
// the main script, parsed and built on every start. In the build each document becomes a
// module of its own and generated.ts re-exports them: a document is placed with the code
// that imports it (below), the main script keeps those of the frame (the brand, the session,
// the bell). Types and the source stay as they are (tsc and `npm run dev` read the file).
const DOCUMENTS_MODULE = "/src/graphql/generated.ts";
const DOCUMENT_PREFIX = "\0kabinet-document:";
const DOCUMENT_EXPORT = /^export const (\w+) = (\{.*\}) as unknown as DocumentNode<.*>;$/gm;
const DOCUMENTS_IMPORT = /import\s*\{([^}]*)\}\s*from\s*["'][^"']*\/graphql\/generated(?:\.ts)?["']/g;

function splitDocuments(): Plugin {
  const documents = new Map<string, string>();
  return {
    name: "kabinet-split-documents",
    apply: "build",
    enforce: "pre",
    resolveId(id) {
      return id.startsWith(DOCUMENT_PREFIX) ? id : null;
    },
    load(id) {
      if (!id.startsWith(DOCUMENT_PREFIX)) return null;
      const name = id.slice(DOCUMENT_PREFIX.length);
      return `export const ${name} = ${documents.get(name)};\n`;
    },
    transform(code, id) {
      if (!id.endsWith(DOCUMENTS_MODULE)) return null;
      const names: string[] = [];
      for (const [, name, literal] of code.matchAll(DOCUMENT_EXPORT)) {
        documents.set(name, literal);
        names.push(name);
      }
      if (!names.length) this.error(`no document found in ${id}: has the codegen's output changed?`);
      return names.map((name) => `export { ${name} } from ${JSON.stringify(DOCUMENT_PREFIX + name)};`).join("\n");
    },
  };
}

/** The documents a module imports from generated.ts (its code after esbuild: no type imports). */
function documentsImportedBy(code: string | null): string[] {
  const names: string[] = [];
  for (const [, list] of (code ?? "").matchAll(DOCUMENTS_IMPORT)) {
    for (const item of list.split(",")) {
      const name = item.trim().split(/\s+as\s+/)[0].trim();
      if (name) names.push(name);
    }
  }
  return names;
}

// Chunks (issue 12, the client's home on slow 4G). Left to itself, Rollup cut the client's
// home into 16 small chunks and 4 style sheets: over HTTP/1.1 a browser fetches 6 at a time,
// so they arrived in waves, a round trip each. Two manual chunks instead:
// - "index", the main script: what main.tsx imports, and every module that more than half of
//   the pages import (the workspace's frame: Shell, its navigation and bell, Icon, Alert, the
//   page title hook, formats): shared by nearly every page, fetched once;
// - "client-home": the rest of what the client's home (pages/ClientCabinetPage.tsx) imports;
//   the pages that share some of it (the staff's feed, a client's card) load it too.
// The other pages and the languages stay chunks of their own, loaded when first shown. Only
// the modules named here are placed (onlyExplicitManualChunks): a manual chunk does not pull
// in its dependencies (React into "client-home").
const MAIN_CHUNK = "index";
const CLIENT_HOME_CHUNK = "client-home";
const CLIENT_HOME_PAGE = "/src/pages/ClientCabinetPage.tsx";
const PAGES_MODULE = "/src/app/pages.ts";
const DEFAULT_DICTIONARY = "/src/i18n/ru.ts";

type ModuleGraph = {
  getModuleIds: () => IterableIterator<string>;
  getModuleInfo: (id: string) => {
    isEntry: boolean;
    code: string | null;
    importedIds: readonly string[];
    dynamicallyImportedIds: readonly string[];
  } | null;
};

function planChunks(graph: ModuleGraph): Map<string, string> {
  const ids = [...graph.getModuleIds()];
  // What a module needs, through generated.ts only to the documents it names.
  const closure = (starts: string[]) => {
    const seen = new Set<string>();
    const todo = [...starts];
    while (todo.length) {
      const id = todo.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const info = graph.getModuleInfo(id);
      if (id.endsWith(DOCUMENTS_MODULE)) continue;
      todo.push(...(info?.importedIds ?? []));
      todo.push(...documentsImportedBy(info?.code ?? null).map((name) => DOCUMENT_PREFIX + name));
    }
    return seen;
  };
  const main = closure(ids.filter((id) => graph.getModuleInfo(id)?.isEntry));
  const pagesModule = ids.find((id) => id.endsWith(PAGES_MODULE));
  const pages = pagesModule ? graph.getModuleInfo(pagesModule)?.dynamicallyImportedIds ?? [] : [];
  const users = new Map<string, number>();
  for (const page of pages) for (const id of closure([page])) users.set(id, (users.get(id) ?? 0) + 1);
  const plan = new Map<string, string>();
  for (const id of main) plan.set(id, MAIN_CHUNK);
  for (const [id, count] of users) if (count * 2 > pages.length) plan.set(id, MAIN_CHUNK);
  const home = ids.find((id) => id.endsWith(CLIENT_HOME_PAGE));
  for (const id of home ? closure([home]) : []) if (!plan.has(id)) plan.set(id, CLIENT_HOME_CHUNK);
  return plan;
}

function manualChunks() {
  let plan: Map<string, string> | undefined;
  return (id: string, graph: ModuleGraph) => {
    plan ??= planChunks(graph);
    return plan.get(id);
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
// host's firm), "preload": the home page's chunk ("client-home", above) and the default
// language's messages ("ru", i18n/index.tsx), which the shell names as
// <link rel=modulepreload> so they load beside the main script instead of after it (main.tsx
// asks for the language once it runs, the router for the page once the language is there),
// and "styles": the home chunk's style sheet, which the shell links in the head (Vite would
// fetch it only once the router asks for the page: one more round trip).
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
      const holding = (path: string) => chunks.find((c) => c.moduleIds.some((id) => id.endsWith(path)));
      const home = holding(CLIENT_HOME_PAGE);
      const preload: string[] = [];
      const styles: string[] = [];
      const visit = (fileName: string) => {
        const chunk = chunks.find((c) => c.fileName === fileName);
        if (!chunk || chunk.isEntry || preload.includes(fileName)) return;
        preload.push(fileName);
        for (const css of chunk.viteMetadata?.importedCss ?? []) if (!styles.includes(css)) styles.push(css);
        chunk.imports.forEach(visit);
      };
      if (home) visit(home.fileName);
      const dictionary = holding(DEFAULT_DICTIONARY);
      if (dictionary) visit(dictionary.fileName);
      printed.clientHome = {
        queries: Object.fromEntries(
          Object.entries(clientHome).map(([name, query]) => [
            name,
            { query: print(query), variables: CLIENT_HOME_QUERIES[name as keyof typeof clientHome] },
          ]),
        ),
        preload,
        styles,
      };
      this.emitFile({ type: "asset", fileName: "boot.json", source: JSON.stringify(printed, null, 2) });
    },
  };
}

// React's JSX goes through esbuild's automatic runtime: no plugin needed (and none that
// pulls a native toolchain), fast refresh is the only thing given up in `npm run dev`.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "react" },
  plugins: [splitDocuments(), bootQueries(), precompress()],
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
      output: { manualChunks: manualChunks(), onlyExplicitManualChunks: true },
    },
  },
  server: {
    // `npm run dev` next to `saas serve`: the API stays same-origin for cookies and CSRF.
    proxy: { "/graphql": { target: "http://localhost:8000", ws: true, changeOrigin: false } },
  },
});
