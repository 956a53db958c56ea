import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useMutation } from "urql";
import { DriveDownloadLinkDocument, WithdrawChatMessageDocument } from "../graphql/generated";
import type { ChatMessageFieldsFragment, ChatNoticeFieldsFragment, ChatSide } from "../graphql/generated";
import { primaryKeyOf } from "../graphql/ids";
import { LinkifiedText } from "../chat/text";
import { entryText, saveFile } from "../chat/entries";
import { ChatNoticeCard } from "./ChatNoticeCard";
import { CheckIcon, PaperclipIcon } from "./Icon";
import { useI18n } from "../i18n";
import { formatDateTime } from "../i18n/format";

export type ChatMessageRow = ChatMessageFieldsFragment;
const WITHDRAW_MS = 10 * 60 * 1000;

/** Whether the message is still within its 10 minutes (re-checked each 15 s). */
function useWithdrawable(createdAt: string, own: boolean): boolean {
  const until = new Date(createdAt).getTime() + WITHDRAW_MS;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!own || now >= until) return;
    const timer = window.setInterval(() => setNow(Date.now()), 15_000);
    return () => window.clearInterval(timer);
  }, [own, now, until]);
  return own && now < until;
}

function FileLinks({ message }: { message: ChatMessageRow }) {
  const { t } = useI18n();
  const [, link] = useMutation(DriveDownloadLinkDocument);
  const [failed, setFailed] = useState(false);
  if (!message.files.length) return null;
  async function open(fileId: string, name: string) {
    setFailed(false);
    const res = await link({ fileId, action: "DOWNLOAD" });
    const out = res.data?.downloadLink;
    if (out?.__typename === "DownloadLink") saveFile(out.url, name);
    else setFailed(true);
  }
  return (
    <ul className="chat-files">
      {message.files.map((file) => (
        <li key={file.fileId}>
          <button type="button" className="btn-link chat-file" onClick={() => void open(file.fileId, file.name)} data-testid="chat-file">
            <PaperclipIcon /> {file.name}
          </button>
        </li>
      ))}
      {failed && <li className="chat-error">{t("chat.fileUnavailable")}</li>}
    </ul>
  );
}

/** One entry of the conversation: who, when, what (links clickable, never markup), its files,
 *  "read" on one's own when the other side has read it, withdrawal within 10 minutes. */
export function ChatMessageItem({
  message,
  viewerId,
  staff,
  ownSide,
  notice,
  onChanged,
  onNoticeChanged,
}: {
  message: ChatMessageRow;
  viewerId: string | null;
  staff: boolean;
  ownSide?: ChatSide;
  notice: ChatNoticeFieldsFragment | undefined;
  onChanged: (message: ChatMessageRow) => void;
  onNoticeChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const mine = message.author != null && viewerId != null && primaryKeyOf(message.author.id) === viewerId;
  const ourSide = message.side === (ownSide ?? (staff ? "STAFF" : "CLIENT"));
  const withdrawable = useWithdrawable(message.createdAt, mine && message.kind === "TEXT" && !message.withdrawnAt);
  const [{ fetching }, withdraw] = useMutation(WithdrawChatMessageDocument);
  const [error, setError] = useState<string | null>(null);
  const who =
    message.side === "SYSTEM"
      ? t("chat.system")
      : mine
        ? t("chat.you")
        : message.author?.displayName || message.author?.email || (message.side === "STAFF" ? t("chat.firm") : message.side === "PERFORMER" ? t("chat.performer") : t("chat.client"));
  const entry = entryText(message, t, lang);
  const kindClass = message.kind === "TEXT" ? (ourSide ? "chat-own" : "chat-other") : `chat-entry chat-${message.kind.toLowerCase()}`;

  async function onWithdraw() {
    if (!window.confirm(t("chat.withdrawConfirm"))) return;
    setError(null);
    const res = await withdraw({ messageId: message.id });
    const out = res.data?.withdrawChatMessage;
    if (out?.__typename === "ChatMessage") onChanged(out);
    else setError(out && "message" in out ? out.message : t("error.generic"));
  }

  return (
    <li className={`chat-message ${kindClass}`} data-testid="chat-message" data-message-id={message.id} data-kind={message.kind}>
      <div className="chat-meta">
        <span className="chat-author">{who}</span>
        {staff && message.author?.label ? <span className="muted"> · {message.author.label}</span> : null}
        {" · "}
        <time dateTime={message.createdAt}>{formatDateTime(message.createdAt, lang)}</time>
      </div>
      {message.withdrawnAt ? (
        <p className="chat-body muted" data-testid="chat-withdrawn">
          {t("chat.withdrawn")}
        </p>
      ) : message.kind === "NOTICE" ? (
        notice ? (
          <ChatNoticeCard notice={notice} staff={staff} onChanged={onNoticeChanged} />
        ) : (
          <p className="chat-body">
            <LinkifiedText text={message.body ?? ""} />
          </p>
        )
      ) : (
        <p className="chat-body" data-testid="chat-body">
          <LinkifiedText text={entry ?? message.body ?? ""} />
        </p>
      )}
      {!message.withdrawnAt && message.kind !== "NOTICE" && <FileLinks message={message} />}
      {(mine || (ourSide && message.kind === "TEXT")) && message.readByOtherSide && (
        <span className="chat-read" data-testid="chat-read">
          <CheckIcon /> {t("chat.read")}
        </span>
      )}
      {withdrawable && (
        <button type="button" className="btn-link chat-withdraw" disabled={fetching} onClick={() => void onWithdraw()} data-testid="chat-withdraw">
          {t("chat.withdraw")}
        </button>
      )}
      {error && <p className="chat-error">{error}</p>}
      {staff && notice && (
        <p className="small">
          <Link to={`/chat/notices/${encodeURIComponent(notice.id)}`} data-testid="notice-proof-link">
            {t("chat.proofLink")}
          </Link>
        </p>
      )}
    </li>
  );
}
