// One urql client per login state: queries and mutations over HTTP POST to /graphql,
// subscriptions over graphql-ws on the same origin (the API checks the WebSocket's Origin).
import { Client, cacheExchange, fetchExchange, makeOperation, mapExchange, ssrExchange, subscriptionExchange } from "urql";
import { createClient as createWsClient } from "graphql-ws";
import type { Client as WsClient } from "graphql-ws";
import { storedLang } from "../i18n";
import { takeBootResults } from "../app/boot";

export const CSRF_COOKIE = "kabinet_csrf";
const BOOT_FRESH_MS = 10_000;
let reconnectedSinceBoot = false;
export const CSRF_HEADER = "X-CSRF-Token";

/** The readable CSRF cookie the API sets next to the (HttpOnly) session cookie. */
export function csrfToken(): string | null {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return null;
}

function wsUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/graphql`;
}

let ws: WsClient | null = null;
const reconnectListeners = new Set<() => void>();

/** The API closes a live socket with 4403 when its session ended (logout elsewhere, expiry,
 *  revocation) or lost its rights; it answers UNAUTHENTICATED over HTTP when the session is
 *  gone. Either way the session must be checked again (app/sessionWatch.tsx). */
export const CLOSE_SESSION_ENDED = 4403;
const authLostListeners = new Set<() => void>();

export function onAuthLost(listener: () => void): () => void {
  authLostListeners.add(listener);
  return () => authLostListeners.delete(listener);
}

function authLost(): void {
  authLostListeners.forEach((listener) => listener());
}

/** The live channel's real state, for the indicator (components/LiveStatus.tsx). */
export type LiveState = "connecting" | "online" | "offline";
let liveState: LiveState = "connecting";
const liveListeners = new Set<(state: LiveState) => void>();

function setLive(state: LiveState): void {
  if (state === liveState) return;
  liveState = state;
  liveListeners.forEach((listener) => listener(state));
}

/** Calls `listener` with the current state at once, then with each change. */
export function onLiveState(listener: (state: LiveState) => void): () => void {
  liveListeners.add(listener);
  listener(liveState);
  return () => liveListeners.delete(listener);
}

/** Called whenever the live channel comes back after it dropped: what a subscription missed
 *  meanwhile must be caught up (e.g. `reportStatusChanged(since:)`). Returns the unsubscriber. */
export function onReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

function wsClient(): WsClient {
  ws ??= createWsClient({
    url: wsUrl(),
    lazy: true,
    retryAttempts: 5,
    // A ping every 10 s: a connection that died silently is noticed (and retried).
    keepAlive: 10_000,
    on: {
      connecting: () => setLive("connecting"),
      connected: (_socket, _payload, wasRetry) => {
        setLive("online");
        if (wasRetry) reconnectedSinceBoot = true;
        if (wasRetry) reconnectListeners.forEach((listener) => listener());
      },
      closed: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        // 1000: the lazy socket closed with nothing left to listen to; not an outage.
        if (code !== 1000) setLive("offline");
        if (code === CLOSE_SESSION_ENDED) authLost();
      },
    },
  });
  return ws;
}

export function makeClient(): Client {
  // A new login means new cookies: the open socket still carries the old ones.
  ws?.dispose();
  ws = null;
  setLive("connecting");
  // The first client answers the brand and the session from the HTML shell (app/boot.ts).
  const boot = takeBootResults();
  return new Client({
    url: "/graphql",
    requestPolicy: "cache-and-network",
    preferGetMethod: false,
    fetchOptions: () => {
      // The API words its messages in the language the cabinet is shown in.
      const headers: Record<string, string> = { "Accept-Language": storedLang() };
      const token = csrfToken();
      if (token) headers[CSRF_HEADER] = token;
      return { credentials: "same-origin", headers };
    },
    exchanges: [
      // Any answer saying the caller is anonymous: the session may have ended meanwhile.
      mapExchange({
        onResult(result) {
          if (result.error?.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) authLost();
        },
      }),
      // The shell's answers are as fresh as the page: while the page is being put together
      // (its first BOOT_FRESH_MS, the live channel not yet dropped), asking again for one of
      // them (the feed's own query after the home's prefetch, a second component) reads it
      // from the cache instead of asking the API the same thing again. Later, and after a
      // reconnect (the lists reload: a change may have been missed), as usual.
      ...(boot
        ? [
            mapExchange({
              onOperation(operation) {
                if (operation.context.requestPolicy !== "cache-and-network" || !(operation.key in boot)) return operation;
                if (reconnectedSinceBoot || performance.now() > BOOT_FRESH_MS) return operation;
                return makeOperation(operation.kind, operation, { ...operation.context, requestPolicy: "cache-first" });
              },
            }),
          ]
        : []),
      cacheExchange,
      ...(boot ? [ssrExchange({ isClient: true, initialState: boot })] : []),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              const unsubscribe = wsClient().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
