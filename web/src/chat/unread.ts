// The unread count of the navigation's badge, kept current live: any message or read mark in
// a conversation the viewer sees asks the API again (a little later, once per burst).
import { useCallback, useEffect, useRef } from "react";
import { useQuery } from "urql";
import { ChatOrganizationUnreadDocument, ChatUnreadCountDocument } from "../graphql/generated";
import { useChatEvents } from "./live";
import { primaryKeyOf } from "../graphql/ids";

function useDebounced(run: () => void, ms = 300): () => void {
  const timer = useRef(0);
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => latest.current(), ms);
  }, [ms]);
}

/** Every conversation the viewer sees (the staff menu's badge); null while unknown or paused. */
export function useChatUnread(paused: boolean): number | null {
  const [{ data }, refetch] = useQuery({ query: ChatUnreadCountDocument, pause: paused, requestPolicy: "cache-and-network" });
  const again = useDebounced(() => refetch({ requestPolicy: "network-only" }));
  useChatEvents(null, { onMessage: again, onRead: again, onResync: again }, paused);
  return paused ? null : (data?.chatUnreadCount ?? null);
}

/** One organization's conversations (the chat link of the client's cabinet and of the client
 *  card): the messages unread in its own conversation and in its reports', live. */
export function useConversationUnread(organizationId: string, paused: boolean): number | null {
  const [{ data }, refetch] = useQuery({
    query: ChatOrganizationUnreadDocument,
    variables: { organizationId },
    pause: paused,
    requestPolicy: "cache-and-network",
  });
  const again = useDebounced(() => refetch({ requestPolicy: "network-only" }));
  // Every conversation the viewer sees, the messages of this organization's (a report's
  // conversation counts too) and every read mark.
  const mine = primaryKeyOf(organizationId) ?? organizationId;
  const onMessage = (event: { organizationId: string }) => {
    if ((primaryKeyOf(event.organizationId) ?? event.organizationId) === mine) again();
  };
  useChatEvents(null, { onMessage, onRead: again, onResync: again }, paused || !data);
  if (paused || !data) return null;
  return data.chatConversations.edges.reduce((sum, edge) => sum + edge.node.unreadCount, 0);
}
