// The brand and the session the server put in the HTML shell (saas/shell.py: the results of
// these very queries, run with the page's cookie): the first urql client answers them from
// here instead of two round trips before anything shows. Taken once: after a login or a
// logout the new client asks the API, the page's copy being stale by then.
import { createRequest } from "urql";
import type { SSRData } from "urql";
import { BrandingDocument, SessionDocument } from "../graphql/generated";
import { CLIENT_HOME_DOCUMENTS } from "./bootQueries";

const BOOT_ELEMENT = "kabinet-boot";
// The names dist/boot.json gives the queries (vite.config.ts, bootQueries).
const QUERIES = { branding: BrandingDocument, session: SessionDocument };

// The client home's first answers (vite.config.ts "clientHome"), each with the variables the
// server ran it with: keyed by them, as urql keys the page's own query.
const PREFETCHED = CLIENT_HOME_DOCUMENTS;

type Prefetched = { name: string; variables: Record<string, unknown>; data: unknown };

let taken = false;

export function takeBootResults(): SSRData | undefined {
  if (taken) return undefined;
  taken = true;
  const element = document.getElementById(BOOT_ELEMENT);
  if (!element?.textContent) return undefined;
  let boot: Record<string, unknown>;
  try {
    boot = JSON.parse(element.textContent) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const results: SSRData = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    const data = boot[name];
    if (data) results[createRequest(query, {}).key] = { data: JSON.stringify(data), hasNext: false };
  }
  const prefetched = Array.isArray(boot.prefetched) ? (boot.prefetched as Prefetched[]) : [];
  for (const { name, variables, data } of prefetched) {
    const query = PREFETCHED[name as keyof typeof PREFETCHED];
    if (query && data && variables) {
      results[createRequest(query, variables).key] = { data: JSON.stringify(data), hasNext: false };
    }
  }
  return results;
}
