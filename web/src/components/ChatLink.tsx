import { Link } from "react-router";
import { ChatIcon } from "./Icon";
import { useConversationUnread } from "../chat/unread";
import { useT } from "../i18n";
import "../chat.css";

/** The link to an organization's chat with its unread count, kept current live (the client's
 *  cabinet sections, the firm's client card). */
export function ChatLink({ organizationId, to }: { organizationId: string; to: string }) {
  const t = useT();
  const unread = useConversationUnread(organizationId, false);
  return (
    <Link to={to} className="chat-link" data-testid="chat-link" aria-describedby={unread ? `chat-link-unread-${organizationId}` : undefined}>
      <ChatIcon /> {t("chat.title")}
      {unread ? (
        <>
          <span className="badge nav-badge" aria-hidden="true" data-testid="chat-link-unread">
            {unread}
          </span>
          <span hidden id={`chat-link-unread-${organizationId}`}>
            {t("chat.unreadN", { count: unread })}
          </span>
        </>
      ) : null}
    </Link>
  );
}
