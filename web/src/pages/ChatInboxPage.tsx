// The firm's chat inbox: every conversation the viewer sees, unread first, "awaiting our
// answer" with its age in business hours, filters by responsible manager and by assignee,
// assignment in place, and the search over every conversation (matches highlighted).
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useClient, useQuery } from "urql";
import { AssignableStaffDocument, ChatConversationDocument, ChatInboxDocument, ChatSearchDocument } from "../graphql/generated";
import type { ChatConversationFieldsFragment } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { AssigneePicker, AwaitingAge } from "./ChatPage";
import { ErrorAlert } from "../components/Alert";
import { FoldedFilters } from "../components/FoldedFilters";
import { Highlighted } from "../chat/text";
import { useChatEvents } from "../chat/live";
import { primaryKeyOf } from "../graphql/ids";
import { usePageTitle } from "../app/page";
import { useSession } from "../app/session";
import { useI18n } from "../i18n";
import { formatDateTime } from "../i18n/format";
import "../chat.css";

type Row = ChatConversationFieldsFragment;

/** Unread first, then the latest conversation first. */
function inboxOrder(rows: Row[]): Row[] {
  const unread = (r: Row) => (r.unreadCount > 0 ? 1 : 0);
  return [...rows].sort((a, b) => unread(b) - unread(a) || (b.lastMessageAt ?? "").localeCompare(a.lastMessageAt ?? ""));
}

function chatPath(row: { id?: string; organizationId: string; reportId?: string | null; requestId?: string | null; performerOrderId?: string | null }): string {
  // A report's, a request's or a performer order's own conversation opens as such, not as
  // its organization's.
  if (row.reportId) return `/chat/report/${encodeURIComponent(row.reportId)}`;
  if (row.requestId) return `/requests/${encodeURIComponent(row.requestId)}`;
  if (row.performerOrderId && row.id) return `/chat/conversation/${encodeURIComponent(row.id)}`;
  return `/chat/${primaryKeyOf(row.organizationId) ?? encodeURIComponent(row.organizationId)}`;
}

function Search() {
  const { t, lang } = useI18n();
  const [text, setText] = useState("");
  const [asked, setAsked] = useState("");
  const [{ data, fetching }] = useQuery({ query: ChatSearchDocument, variables: { text: asked, first: 20 }, pause: !asked });
  const hits = data?.chatSearch.edges ?? [];
  return (
    <section className="card" aria-labelledby="chat-search-title">
      <h2 id="chat-search-title">{t("chat.search")}</h2>
      <form
        role="search"
        className="filters"
        aria-label={t("chat.search")}
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(text.trim());
        }}
      >
        <div className="field grow">
          <label htmlFor="chat-search">{t("chat.searchLabel")}</label>
          <input id="chat-search" type="search" value={text} onChange={(e) => setText(e.target.value)} data-testid="chat-search" />
        </div>
        <button type="submit" className="btn btn-secondary" data-testid="chat-search-submit">
          {t("chat.searchSubmit")}
        </button>
      </form>
      <p className="visually-hidden" role="status">
        {asked && !fetching ? t("chat.found", { count: hits.length }) : ""}
      </p>
      {asked && !fetching && hits.length === 0 && <p className="muted">{t("chat.nothingFound")}</p>}
      {hits.length > 0 && (
        <ul className="list chat-hits" data-testid="chat-hits">
          {hits.map(({ node }) => (
            <li key={node.message.id} className="list-item" data-testid="chat-hit">
              <div className="grow">
                <Link className="title" to={chatPath(node)}>
                  {node.organizationName}
                </Link>
                <div className="muted small">
                  {node.message.author?.displayName || node.message.author?.email || t("chat.system")} ·{" "}
                  <time dateTime={node.message.createdAt}>{formatDateTime(node.message.createdAt, lang)}</time>
                </div>
                <p className="chat-fragment">
                  <Highlighted parts={node.fragments} />
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ChatInboxPage() {
  const { t, lang } = useI18n();
  usePageTitle(t("chat.inbox"));
  const client = useClient();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const awaiting = params.get("awaiting") === "1";
  const manager = params.get("manager") ?? "";
  const assignee = params.get("assignee") ?? "";
  const [after, setAfter] = useState<string | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [{ data: staff }] = useQuery({ query: AssignableStaffDocument });
  const variables = { awaitingAnswer: awaiting || null, responsibleManagerId: manager || null, assigneeId: assignee || null, first: 50, after };
  const [{ data, fetching, error }] = useQuery({ query: ChatInboxDocument, variables });
  const connection = data?.chatConversations;
  useEffect(() => {
    if (!connection) return;
    const page = connection.edges.map((e) => e.node);
    setRows((prev) => {
      if (!after) return page;
      const known = new Set(prev.map((r) => r.id));
      return prev.concat(page.filter((r) => !known.has(r.id)));
    });
  }, [connection, after]);

  // A message or a read mark anywhere: that conversation's row is read again, in place.
  const patch = (organizationId: string) =>
    void client
      .query(ChatConversationDocument, { organizationId }, { requestPolicy: "network-only" })
      .toPromise()
      .then((res) => {
        const row = res.data?.chatConversation;
        if (row?.__typename !== "ChatConversation") return;
        setRows((prev) => (prev.some((r) => r.id === row.id) ? prev.map((r) => (r.id === row.id ? row : r)) : awaiting || manager || assignee ? prev : [row, ...prev]));
      });
  useChatEvents(null, {
    onMessage: (e) => patch(e.organizationId),
    onRead: (e) => {
      const row = rows.find((r) => r.id === e.conversationId);
      if (row) patch(row.organizationId);
    },
    onResync: () => setAfter(null),
  });

  function update(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setAfter(null);
    setParams(next, { replace: true });
  }

  const people = staff?.assignableStaff ?? [];
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("chat.inbox")}</h1>
      </div>
      <Search />
      <FoldedFilters id="chat-filters" active={[awaiting, manager, assignee].filter(Boolean).length}>
        <form className="filters" aria-label={t("chat.filters")} onSubmit={(e) => e.preventDefault()}>
          <div className="checkbox">
            <input id="chat-awaiting" type="checkbox" checked={awaiting} onChange={(e) => update("awaiting", e.target.checked ? "1" : "")} data-testid="filter-awaiting" />
            <label htmlFor="chat-awaiting">{t("chat.onlyAwaiting")}</label>
          </div>
          <div className="field">
            <label htmlFor="chat-manager">{t("chat.responsibleManager")}</label>
            <select id="chat-manager" value={manager} onChange={(e) => update("manager", e.target.value)} data-testid="filter-manager">
              <option value="">{t("chat.anyone")}</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.displayName || p.email}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="chat-assignee-filter">{t("chat.assignee")}</label>
            <select id="chat-assignee-filter" value={assignee} onChange={(e) => update("assignee", e.target.value)}>
              <option value="">{t("chat.anyone")}</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.displayName || p.email}
                </option>
              ))}
            </select>
          </div>
        </form>
      </FoldedFilters>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!connection && fetching && <div className="chat-inbox-pending" aria-hidden="true" />}
      {connection && rows.length === 0 && <p data-testid="chat-inbox-empty">{t("chat.inboxEmpty")}</p>}
      {rows.length > 0 && (
        <ul className="list chat-inbox" data-testid="chat-inbox">
          {inboxOrder(rows).map((row) => (
            <li key={row.id} className={row.unreadCount > 0 ? "chat-inbox-row unread" : "chat-inbox-row"} data-testid="chat-inbox-row" data-organization-id={row.organizationId} data-report-id={row.reportId ?? undefined}>
              <div className="list-item">
                <div className="grow">
                  <Link className="title" to={chatPath(row)}>
                    {row.organizationName}
                  </Link>
                  {row.reportId && (
                    <>
                      {" "}
                      <span className="badge">{t("chat.aboutReport")}</span>
                    </>
                  )}
                  {row.performerOrderId && (
                    <>
                      {" "}
                      <span className="badge" data-testid="chat-inbox-order">
                        {t("chat.aboutOrder", { name: row.performer?.displayName || row.performer?.email || "" })}
                      </span>
                    </>
                  )}
                  <div className="muted small">
                    {row.lastMessageAt ? <time dateTime={row.lastMessageAt}>{formatDateTime(row.lastMessageAt, lang)}</time> : t("chat.noMessages")}
                    {" · "}
                    {t("chat.responsibleManager")}: {row.responsibleManager?.displayName || row.responsibleManager?.email || "—"}
                  </div>
                </div>
                {row.unreadCount > 0 && (
                  <span className="badge nav-badge" data-testid="chat-unread">
                    {t("chat.unreadN", { count: row.unreadCount })}
                  </span>
                )}
                <AwaitingAge conversation={row} />
                {can("chat:write") && <AssigneePicker conversation={row} id={`assignee-${row.id}`} />}
              </div>
            </li>
          ))}
        </ul>
      )}
      {connection?.pageInfo.hasNextPage && (
        <div className="filters">
          <button type="button" className="btn btn-secondary" disabled={fetching} onClick={() => setAfter(connection.pageInfo.endCursor)}>
            {t("chat.more")}
          </button>
        </div>
      )}
    </Workspace>
  );
}
