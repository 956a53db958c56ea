import { useSubscription } from "urql";
import { PingDocument } from "../graphql/generated";
import { useT } from "../i18n";

/** Whether the live channel (GraphQL over WebSocket) answers: one ping on page load. */
export function LiveStatus() {
  const t = useT();
  const [{ data, error }] = useSubscription({ query: PingDocument });
  const state = data?.ping ? "online" : error ? "offline" : "connecting";
  const label = state === "online" ? t("live.online") : state === "offline" ? t("live.offline") : t("live.connecting");
  return (
    <span data-testid="live-status" data-state={state} role="status">
      <span aria-hidden="true">{state === "online" ? "● " : "○ "}</span>
      {label}
    </span>
  );
}
