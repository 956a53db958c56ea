// Who is logged in at this host, and which cabinets they have here and elsewhere.
import { createContext, useContext } from "react";
import type { ReactNode } from "react";
import { useQuery } from "urql";
import { SessionDocument } from "../graphql/generated";
import type { CabinetFieldsFragment, SessionQuery } from "../graphql/generated";
import { FullPageMessage } from "../components/FullPageMessage";
import { useT } from "../i18n";
import { SessionWatch } from "./sessionWatch";
import { useClientGeneration } from "./client";

export type Viewer = NonNullable<SessionQuery["viewer"]>;
export type Cabinet = CabinetFieldsFragment;

export interface Session {
  viewer: Viewer | null;
  /** The firm served at this host; null at the platform's own host. */
  firm: SessionQuery["currentFirm"];
  /** The viewer's cabinets at this firm. */
  here: Cabinet[];
  staffHere: Cabinet | null;
  clientHere: Cabinet[];
  /** The viewer's performer cabinet at this firm (performers module). */
  performerHere: Cabinet | null;
  /** Whether the viewer holds a permission (`object:action`) in this firm: what the page may
   * offer follows the permissions, never the names of the roles that grant them. */
  can: (permission: string) => boolean;
  refresh: () => void;
}

const SessionContext = createContext<Session | null>(null);

/** The session of the current urql client: a new client (login, logout, a session that
 *  ended) starts with no session shown until its own answer, never the previous one's. */
export function SessionProvider({ children }: { children: ReactNode }) {
  return <SessionOfClient key={useClientGeneration()}>{children}</SessionOfClient>;
}

function SessionOfClient({ children }: { children: ReactNode }) {
  const t = useT();
  // cache-first: a new client (each login and logout makes one) has nothing cached, so this
  // asks the API, except for the first, which has the session of the HTML shell (app/boot.ts).
  const [{ data, error, fetching }, refetch] = useQuery({ query: SessionDocument, requestPolicy: "cache-first" });
  if (!data) {
    if (error && !fetching) return <FullPageMessage title={t("error.unreachable")} />;
    return <FullPageMessage title={t("common.loading")} busy />;
  }
  const viewer = data.viewer ?? null;
  const firm = data.currentFirm ?? null;
  const here = viewer && firm ? viewer.cabinets.filter((c) => c.firm.slug === firm.slug) : [];
  const permissions = new Set(viewer?.permissions ?? []);
  const value: Session = {
    viewer,
    firm,
    here,
    staffHere: here.find((c) => c.kind === "STAFF") ?? null,
    clientHere: here.filter((c) => c.kind === "CLIENT"),
    performerHere: here.find((c) => c.kind === "PERFORMER") ?? null,
    can: (permission) => permissions.has(permission),
    refresh: () => refetch({ requestPolicy: "network-only" }),
  };
  return (
    <SessionContext.Provider value={value}>
      <SessionWatch />
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
