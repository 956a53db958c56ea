// The client organization the person last opened at this firm's cabinet (kept in
// localStorage), so "/" opens it again. Outside the cabinet page's module: "/" must not
// load that page's chunk just to find out where to go.
import type { Cabinet } from "./session";

const LAST_ORG = "kabinet.organization";

export function rememberedOrganization(cabinets: Cabinet[]): Cabinet | undefined {
  let last: string | null = null;
  try {
    last = window.localStorage.getItem(LAST_ORG);
  } catch {
    // no storage: the first organization
  }
  return cabinets.find((c) => String(c.organizationId) === last) ?? cabinets[0];
}

export function rememberOrganization(cabinet: Cabinet): void {
  try {
    window.localStorage.setItem(LAST_ORG, String(cabinet.organizationId));
  } catch {
    // not remembered
  }
}
