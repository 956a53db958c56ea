import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  MarkNotificationsReadDocument,
  NotificationsDocument,
  UnreadNotificationCountDocument,
} from "../graphql/generated";
import { useI18n, useT } from "../i18n";
import { BellIcon } from "./Icon";
import { useDismiss } from "./useDismiss";
import { formatDateTime } from "../i18n/format";
import "../notifications.css";

/** How often the unread count is refreshed while the page is open. */
const POLL_MS = 30_000;
const LIST_SIZE = 20;

/** The header's bell: the viewer's unread notifications (a report rejected, a clarification
 *  requested) as a badge, a dropdown with the latest ones linking to their reports,
 *  "mark all read" and a link to the viewer's notification settings. The count is refetched every 30 s and when the tab regains focus. */
export function NotificationBell() {
  const t = useT();
  const { lang } = useI18n();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const [{ data: countData }, refetchCount] = useQuery({
    query: UnreadNotificationCountDocument,
    requestPolicy: "cache-and-network",
  });
  const [{ data: listData, fetching }, refetchList] = useQuery({
    query: NotificationsDocument,
    variables: { first: LIST_SIZE },
    pause: !open,
    requestPolicy: "network-only",
  });
  const [, mark] = useMutation(MarkNotificationsReadDocument);
  const [unread, setUnread] = useState<number | null>(null);

  useEffect(() => {
    const refresh = () => refetchCount({ requestPolicy: "network-only" });
    const timer = window.setInterval(refresh, POLL_MS);
    window.addEventListener("focus", refresh);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("focus", refresh);
    };
  }, [refetchCount]);

  useEffect(() => {
    setUnread(null); // a fresh server answer wins over the last mutation's
  }, [countData, listData]);

  useDismiss(open, root, setOpen);

  if (countData === undefined && !listData) return null; // not a person of this firm (or loading)
  const count = unread ?? listData?.unreadNotificationCount ?? countData?.unreadNotificationCount ?? 0;
  const items = listData?.notifications.edges.map((e) => e.node) ?? [];

  async function markRead(ids: string[] | null) {
    const result = await mark(ids ? { ids } : { all: true });
    const answer = result.data?.markNotificationsRead;
    if (answer?.__typename === "NotificationsMarked") setUnread(answer.unreadCount);
    refetchCount({ requestPolicy: "network-only" });
    if (open) refetchList({ requestPolicy: "network-only" });
  }

  return (
    <div className="notification-bell" ref={root}>
      <button
        type="button"
        className="btn btn-secondary notification-bell-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={count > 0 ? t("notifications.unreadLabel", { count }) : t("notifications.title")}
        data-testid="notification-bell"
        onClick={() => setOpen((v) => !v)}
      >
        <BellIcon />
        {count > 0 && (
          <span className="notification-badge" data-testid="notification-count">
            {count > 99 ? "99+" : count}
          </span>
        )}
      </button>
      {open && (
        <div className="notification-panel" role="dialog" aria-label={t("notifications.title")}>
          <div className="notification-panel-head">
            <strong>{t("notifications.title")}</strong>
            <button
              type="button"
              className="btn btn-secondary"
              disabled={count === 0}
              onClick={() => markRead(null)}
              data-testid="notifications-mark-all"
            >
              {t("notifications.markAllRead")}
            </button>
          </div>
          {fetching && items.length === 0 && <p className="muted">{t("common.loading")}</p>}
          {!fetching && items.length === 0 && <p className="muted">{t("notifications.empty")}</p>}
          <ul className="notification-list" data-testid="notification-list">
            {items.map((n) => (
              <li key={n.id} className={n.read ? "notification read" : "notification unread"}>
                <Link
                  to={n.link}
                  onClick={async (event) => {
                    // Marked read before leaving: the next page's header asks for the count.
                    event.preventDefault();
                    if (!n.read) await markRead([n.id]);
                    setOpen(false);
                    navigate(n.link);
                  }}
                >
                  <span className="notification-title">{n.title}</span>
                  <span className="notification-body">{n.body}</span>
                  <span className="notification-time muted">
                    {formatDateTime(n.createdAt, lang)}
                    {!n.read && ` · ${t("notifications.new")}`}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          <div className="notification-panel-foot">
            <Link to="/account/notifications" onClick={() => setOpen(false)} data-testid="notification-settings">
              {t("notifications.settings")}
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
