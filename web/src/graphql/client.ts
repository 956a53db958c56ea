// One urql client per login state: queries and mutations over HTTP POST to /graphql,
// subscriptions over graphql-ws on the same origin (the API checks the WebSocket's Origin).
import { Client, cacheExchange, fetchExchange, ssrExchange, subscriptionExchange } from "urql";
import { createClient as createWsClient } from "graphql-ws";
import type { Client as WsClient } from "graphql-ws";
import { storedLang } from "../i18n";
import { takeBootResults } from "../app/boot";

export const CSRF_COOKIE = "kabinet_csrf";
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
    on: {
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry) reconnectListeners.forEach((listener) => listener());
      },
    },
  });
  return ws;
}

export function makeClient(): Client {
  // A new login means new cookies: the open socket still carries the old ones.
  ws?.dispose();
  ws = null;
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
