import { useEffect, useState } from "react";
import { useClient } from "urql";
import { PingDocument } from "../graphql/generated";
import { onLiveState } from "../graphql/client";
import type { LiveState } from "../graphql/client";
import { useT } from "../i18n";

// The indicator holds one long ping subscription: the (lazy) socket stays open while a page
// with the indicator is shown, so its state is the live channel's, and a pong now and then
// proves the path through proxies still works.
const PINGS = 100;
const PING_EVERY_MS = 10_000;
const RETRY_MS = 5_000;

/** Whether the live channel (GraphQL over WebSocket) is up: its real state, as the socket
 *  reports it (connecting, online, offline), followed while the page is open. */
export function LiveStatus() {
  const t = useT();
  const client = useClient();
  const [state, setState] = useState<LiveState>("connecting");
  useEffect(() => onLiveState(setState), []);
  useEffect(() => {
    let stopped = false;
    let timer = 0;
    let current: { unsubscribe: () => void } | null = null;
    const listen = () => {
      current = client.subscription(PingDocument, { count: PINGS, intervalMs: PING_EVERY_MS }).subscribe((result) => {
        if (stopped) return;
        if (result.data?.ping.sequence === PINGS) {
          // The last pong: the subscription completes, the next one keeps the socket open.
          current?.unsubscribe();
          timer = window.setTimeout(listen, 0);
        } else if (result.error) {
          // The channel gave up (its retries ran out): try again a little later.
          current?.unsubscribe();
          timer = window.setTimeout(listen, RETRY_MS);
        }
      });
    };
    listen();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      current?.unsubscribe();
    };
  }, [client]);
  const label = state === "online" ? t("live.online") : state === "offline" ? t("live.offline") : t("live.connecting");
  return (
    <span data-testid="live-status" data-state={state} role="status">
      <span aria-hidden="true">{state === "online" ? "● " : "○ "}</span>
      {label}
    </span>
  );
}
