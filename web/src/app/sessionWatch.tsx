// Nobody gets stuck on a page whose session is gone: when the API says the caller is
// anonymous (UNAUTHENTICATED) or closes the live socket for the session (4403), the session
// is asked again; if it really ended, the person goes to the login page with "your session
// ended" and comes back here after logging in (`next`, same-origin paths only).
import { useEffect, useRef } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { useClient } from "urql";
import { ViewerAliveDocument } from "../graphql/generated";
import { onAuthLost } from "../graphql/client";
import { useResetClient } from "./client";
import { useSession } from "./session";

/** Where to go after login: `next` if it is a path of this site (never another origin, a
 *  protocol-relative `//host` or the login page itself), else null. */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return null;
  try {
    const url = new URL(next, window.location.origin);
    if (url.origin !== window.location.origin || url.pathname === "/login") return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

/** The login page's address that brings the person back to `here` afterwards. */
export function loginPath(here: string, ended: boolean): string {
  const params = new URLSearchParams();
  if (ended) params.set("ended", "1");
  const next = safeNext(here);
  if (next && next !== "/") params.set("next", next);
  const query = params.toString();
  return query ? `/login?${query}` : "/login";
}

/** For a page that needs a login, shown to the anonymous (a reload after the session ended,
 *  a bookmark): the login page, then back here. */
export function ToLogin() {
  const location = useLocation();
  return <Navigate to={loginPath(location.pathname + location.search + location.hash, false)} replace />;
}

export function SessionWatch() {
  const { viewer, refresh } = useSession();
  const client = useClient();
  const navigate = useNavigate();
  const location = useLocation();
  const resetClient = useResetClient();
  const state = useRef({ viewer, refresh, navigate, here: "", checking: false });
  state.current.viewer = viewer;
  state.current.refresh = refresh;
  state.current.navigate = navigate;
  state.current.here = location.pathname + location.search + location.hash;

  useEffect(() => {
    // This client's watch: a reset (logout, login) replaces it, and an answer that comes
    // after is not this session's any more.
    let current = true;
    const stop = onAuthLost(() => {
      const now = state.current;
      if (!now.viewer || now.checking) return;
      now.checking = true;
      void client
        .query(ViewerAliveDocument, {}, { requestPolicy: "network-only" })
        .toPromise()
        .then((result) => {
          now.checking = false;
          if (!current || !result.data) return; // replaced, or the API did not answer
          if (result.data.viewer) {
            now.refresh(); // still logged in (rights changed): the pages follow the session
            return;
          }
          // One render: the new (anonymous) client and the login page, so the old session's
          // viewer never sees /login (which would send a logged-in person home).
          resetClient();
          void now.navigate(loginPath(now.here, true), { replace: true });
        });
    });
    return () => {
      current = false;
      stop();
    };
  }, [client, resetClient]);
  return null;
}
