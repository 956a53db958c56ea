// The brand and the session the server put in the HTML shell (saas/shell.py: the results of
// these very queries, run with the page's cookie): the first urql client answers them from
// here instead of two round trips before anything shows. Taken once: after a login or a
// logout the new client asks the API, the page's copy being stale by then.
import { createRequest } from "urql";
import type { SSRData } from "urql";
import { BrandingDocument, SessionDocument } from "../graphql/generated";

const BOOT_ELEMENT = "kabinet-boot";
// The names dist/boot.json gives the queries (vite.config.ts, bootQueries).
const QUERIES = { branding: BrandingDocument, session: SessionDocument };

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
  return results;
}
