import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useClient, useMutation, useQuery } from "urql";
import { ChatMessageDocument, ChatMessagesDocument, ChatNoticesDocument, MarkChatReadDocument } from "../graphql/generated";
import type { ChatNoticeFieldsFragment, ChatSide } from "../graphql/generated";
import { primaryKeyOf } from "../graphql/ids";
import { useChatEvents } from "../chat/live";
import type { MessageEvent, ReadEvent } from "../chat/live";
import { ChatMessageItem } from "./ChatMessageItem";
import type { ChatMessageRow } from "./ChatMessageItem";
import { ChatComposer } from "./ChatComposer";
import { ErrorAlert } from "./Alert";
import { useSession } from "../app/session";
import { useI18n } from "../i18n";
import "../chat.css";

const PAGE = 30;

const order = (id: string) => Number(primaryKeyOf(id) ?? 0);

/** Puts a message into the list (oldest first): replaced in place when known. */
function upsert(rows: ChatMessageRow[], message: ChatMessageRow): ChatMessageRow[] {
  if (rows.some((r) => r.id === message.id)) return rows.map((r) => (r.id === message.id ? message : r));
  return [...rows, message].sort((a, b) => order(a.id) - order(b.id));
}

/** One organization's conversation: the newest messages at the bottom, "show earlier" above,
 *  new ones and read marks arriving live (patched into the list in place), the composer below.
 *  Reading it marks it read; the other side then sees "read" on its messages. */
export function ChatThread({
  conversationId,
  organizationId,
  staff,
  canAttach,
  post,
  ownSide,
}: {
  conversationId: string;
  organizationId: string;
  staff: boolean;
  canAttach: boolean;
  /** The viewer's side when it is neither staff nor client (a performer order's performer). */
  ownSide?: ChatSide;
  /** Sends through another mutation (a service request's comment); the thread then reloads. */
  post?: (body: string) => Promise<string | null>;
}) {
  const { t } = useI18n();
  const client = useClient();
  const { viewer } = useSession();
  const viewerId = viewer ? primaryKeyOf(viewer.id) : null;
  const side: ChatSide = ownSide ?? (staff ? "STAFF" : "CLIENT");
  const [rows, setRows] = useState<ChatMessageRow[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [announcement, setAnnouncement] = useState("");
  const [{ data, fetching, error }] = useQuery({
    query: ChatMessagesDocument,
    variables: { conversationId, first: PAGE, after },
    requestPolicy: "network-only",
    context: useMemo(() => ({ reloads }), [reloads]),
  });
  const [notices, refetchNotices] = useQuery({ query: ChatNoticesDocument, variables: { organizationId, first: 100 }, requestPolicy: "network-only" });
  const [, markRead] = useMutation(MarkChatReadDocument);
  const list = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const keepFromBottom = useRef<number | null>(null);

  const connection = data?.chatMessages;
  useEffect(() => {
    if (!connection) return;
    const page = connection.edges.map((e) => e.node);
    setRows((prev) => page.reduce(upsert, after ? prev : []));
  }, [connection, after]);

  // The newest stays in view as messages come; "show earlier" keeps the reader's place.
  useLayoutEffect(() => {
    const box = list.current;
    if (!box) return;
    if (keepFromBottom.current !== null) {
      box.scrollTop = box.scrollHeight - keepFromBottom.current;
      keepFromBottom.current = null;
    } else if (stickToBottom.current) box.scrollTop = box.scrollHeight;
  }, [rows]);

  const read = useCallback(() => {
    if (document.visibilityState === "visible") void markRead({ conversationId });
  }, [conversationId, markRead]);
  // Read up to the newest: when the conversation opens, and whenever the newest is someone
  // else's (the other side's, a colleague's, a system entry).
  const mine = (m: ChatMessageRow) => m.author != null && primaryKeyOf(m.author.id) === viewerId;
  const newest = rows.length > 0 ? rows[rows.length - 1] : null;
  const unseen = newest !== null && !mine(newest);
  const opened = rows.length > 0;
  useEffect(() => {
    if (opened) read();
  }, [opened, read]);
  useEffect(() => {
    if (unseen) read();
  }, [unseen, read, newest?.id]);

  const noticeByMessage = useMemo(() => {
    const map = new Map<string, ChatNoticeFieldsFragment>();
    notices.data?.chatNotices.edges.forEach(({ node }) => map.set(node.messageId, node));
    return map;
  }, [notices.data]);
  const reloadNotices = useCallback(() => refetchNotices({ requestPolicy: "network-only" }), [refetchNotices]);

  const onMessage = useCallback(
    (event: MessageEvent) => {
      void client
        .query(ChatMessageDocument, { id: event.messageId }, { requestPolicy: "network-only" })
        .toPromise()
        .then((fetched) => {
          const message = fetched.data?.node;
          if (message?.__typename !== "ChatMessage") return;
          setRows((prev) => upsert(prev, message));
          const data = message.data as Record<string, unknown> | null;
          if (message.kind === "NOTICE" || (data && "notice_action" in data)) reloadNotices();
          const own = message.author != null && primaryKeyOf(message.author.id) === viewerId;
          if (!own && !event.withdrawn) {
            const who = message.author?.displayName || message.author?.email || t("chat.system");
            setAnnouncement(t("chat.newMessage", { who }));
          }
        });
    },
    [client, viewerId, t, reloadNotices],
  );
  const onRead = useCallback(
    (event: ReadEvent) => {
      if (event.side === side) return;
      const upTo = order(event.lastReadMessageId);
      setRows((prev) => prev.map((r) => (r.side === side && !r.readByOtherSide && order(r.id) <= upTo ? { ...r, readByOtherSide: true } : r)));
    },
    [side],
  );
  const onResync = useCallback(() => {
    setAfter(null);
    setReloads((r) => r + 1);
    reloadNotices();
  }, [reloadNotices]);
  useChatEvents(conversationId, { onMessage, onRead, onResync });

  function earlier() {
    const box = list.current;
    if (box) keepFromBottom.current = box.scrollHeight - box.scrollTop;
    if (connection?.pageInfo.endCursor) setAfter(connection.pageInfo.endCursor);
  }

  const pending = !connection && fetching;
  return (
    <div className="chat-thread" data-testid="chat-thread">
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      <div
        className="chat-scroll"
        ref={list}
        tabIndex={0}
        role="region"
        aria-label={t("chat.history")}
        onScroll={(e) => {
          const box = e.currentTarget;
          stickToBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
        }}
      >
        {connection?.pageInfo.hasNextPage && (
          <div className="chat-earlier">
            <button type="button" className="btn btn-secondary" disabled={fetching} onClick={earlier} data-testid="chat-earlier">
              {fetching ? t("common.loading") : t("chat.earlier")}
            </button>
          </div>
        )}
        {pending && <p role="status">{t("common.loading")}</p>}
        {connection && rows.length === 0 && !fetching && (
          <p className="muted chat-empty" data-testid="chat-empty">
            {t("chat.empty")}
          </p>
        )}
        <ol className="chat-messages" data-testid="chat-messages">
          {rows.map((message) => (
            <ChatMessageItem
              key={message.id}
              message={message}
              viewerId={viewerId}
              staff={staff}
              ownSide={side}
              notice={noticeByMessage.get(message.id)}
              onChanged={(changed) => setRows((prev) => upsert(prev, changed))}
              onNoticeChanged={reloadNotices}
            />
          ))}
        </ol>
      </div>
      <p className="visually-hidden" aria-live="polite" role="status" data-testid="chat-announcement">
        {announcement}
      </p>
      <ChatComposer
        conversationId={conversationId}
        canAttach={canAttach}
        onSent={(message) => {
          stickToBottom.current = true;
          setRows((prev) => upsert(prev, message));
        }}
        post={
          post &&
          (async (body) => {
            const failure = await post(body);
            if (failure === null) {
              stickToBottom.current = true;
              setAfter(null);
              setReloads((r) => r + 1);
            }
            return failure;
          })
        }
      />
    </div>
  );
}
