// The unread count of the navigation's badge, kept current live: any message or read mark in
// a conversation the viewer sees asks the API again (a little later, once per burst).
import { useCallback, useEffect, useRef } from "react";
import { useQuery } from "urql";
import { ChatConversationDocument, ChatUnreadCountDocument } from "../graphql/generated";
import { useChatEvents } from "./live";

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

/** One organization's conversation (the client's cabinet link): its unread count, live. */
export function useConversationUnread(organizationId: string, paused: boolean): number | null {
  const [{ data }, refetch] = useQuery({
    query: ChatConversationDocument,
    variables: { organizationId },
    pause: paused,
    requestPolicy: "cache-and-network",
  });
  const conversation = data?.chatConversation.__typename === "ChatConversation" ? data.chatConversation : null;
  const again = useDebounced(() => refetch({ requestPolicy: "network-only" }));
  useChatEvents(conversation?.id ?? null, { onMessage: again, onRead: again, onResync: again }, paused || !conversation);
  return conversation ? conversation.unreadCount : null;
}
