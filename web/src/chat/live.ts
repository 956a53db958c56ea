// Live chat events: `chatMessageAdded` and `chatReadChanged` for one conversation (or every
// one the viewer sees), followed while the component is shown. After the live channel drops
// and comes back, each subscription starts again from the last event it saw (`since`: the API
// replays what was missed); one that saw nothing yet asks its owner to reload (`onResync`).
import { useEffect, useRef } from "react";
import { useClient } from "urql";
import { ChatMessageAddedDocument, ChatReadChangedDocument } from "../graphql/generated";
import type { ChatMessageAddedSubscription, ChatReadChangedSubscription } from "../graphql/generated";
import { useReconnects } from "../app/client";

export type MessageEvent = ChatMessageAddedSubscription["chatMessageAdded"];
export type ReadEvent = ChatReadChangedSubscription["chatReadChanged"];

export interface ChatHandlers {
  onMessage?: (event: MessageEvent) => void;
  onRead?: (event: ReadEvent) => void;
  onResync?: () => void;
}

export function useChatEvents(conversationId: string | null, handlers: ChatHandlers, paused = false): void {
  const client = useClient();
  const reconnects = useReconnects();
  const current = useRef(handlers);
  current.current = handlers;
  const lastMessage = useRef<number | null>(null);
  const lastRead = useRef<number | null>(null);

  useEffect(() => {
    lastMessage.current = null;
    lastRead.current = null;
  }, [conversationId]);

  useEffect(() => {
    if (paused) return;
    const again = reconnects > 0;
    if (again && (lastMessage.current === null || lastRead.current === null)) current.current.onResync?.();
    const messages = client
      .subscription(ChatMessageAddedDocument, { conversationId, since: again ? lastMessage.current : null })
      .subscribe((result) => {
        const event = result.data?.chatMessageAdded;
        if (!event) return;
        lastMessage.current = Math.max(lastMessage.current ?? 0, event.sequence);
        current.current.onMessage?.(event);
      });
    const reads = client
      .subscription(ChatReadChangedDocument, { conversationId, since: again ? lastRead.current : null })
      .subscribe((result) => {
        const event = result.data?.chatReadChanged;
        if (!event) return;
        lastRead.current = Math.max(lastRead.current ?? 0, event.sequence);
        current.current.onRead?.(event);
      });
    return () => {
      messages.unsubscribe();
      reads.unsubscribe();
    };
  }, [client, conversationId, reconnects, paused]);
}
