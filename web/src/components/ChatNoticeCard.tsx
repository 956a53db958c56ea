import { useState } from "react";
import { useMutation } from "urql";
import { ActOnChatNoticeDocument, OpenChatNoticeFileDocument } from "../graphql/generated";
import type { ChatNoticeAnswer, ChatNoticeFieldsFragment, ChatNoticeKind } from "../graphql/generated";
import { LinkifiedText } from "../chat/text";
import { saveFile } from "../chat/entries";
import { PaperclipIcon } from "./Icon";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/ru";

export const NOTICE_KIND_LABEL: Record<ChatNoticeKind, MessageKey> = {
  INFO: "chat.noticeINFO",
  MUST_READ: "chat.noticeMUST_READ",
  MUST_OPEN_FILE: "chat.noticeMUST_OPEN_FILE",
  MUST_APPROVE: "chat.noticeMUST_APPROVE",
};

/** A notice in the conversation: its kind, title and text, its file, and what the client is
 *  asked to do (confirm reading, open the file, approve or decline with a comment). Staff see
 *  how many recipients acted (each action, with its comment, is an entry of the conversation,
 *  and the notice's proof page lists them with address and browser). */
export function ChatNoticeCard({ notice, staff, onChanged }: { notice: ChatNoticeFieldsFragment; staff: boolean; onChanged: () => void }) {
  const { t } = useI18n();
  const [{ fetching }, act] = useMutation(ActOnChatNoticeDocument);
  const [, openFile] = useMutation(OpenChatNoticeFileDocument);
  const [declining, setDeclining] = useState(false);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const commentId = `notice-comment-${notice.id}`;

  async function answer(value: ChatNoticeAnswer) {
    setError(null);
    if (value === "DECLINE" && !comment.trim()) {
      setError(t("chat.declineNeedsComment"));
      return;
    }
    const res = await act({ noticeId: notice.id, answer: value, comment: value === "DECLINE" ? comment.trim() : null });
    const out = res.data?.actOnChatNotice;
    if (out?.__typename === "ChatNotice") {
      setDeclining(false);
      onChanged();
    } else setError(out && "message" in out ? out.message : t("error.generic"));
  }

  async function open() {
    setError(null);
    const res = await openFile({ noticeId: notice.id });
    const out = res.data?.openChatNoticeFile;
    if (out?.__typename === "ChatNoticeFileLink") {
      saveFile(out.url, notice.file?.name ?? "");
      // The fetch of the bytes is the confirmation: read the notice again once it is recorded.
      window.setTimeout(onChanged, 1500);
    } else setError(out && "message" in out ? out.message : t("error.generic"));
  }

  const asks = !staff && notice.awaitsViewer;
  return (
    <div className="chat-notice" data-testid="chat-notice" data-notice-id={notice.id} data-kind={notice.kind}>
      <p className="chat-notice-kind">
        <span className="badge">{t(NOTICE_KIND_LABEL[notice.kind])}</span>
        {!staff && !notice.awaitsViewer && notice.kind !== "INFO" && (
          <span className="badge status-ok" data-testid="notice-done">
            {" "}
            {t("chat.noticeDone")}
          </span>
        )}
      </p>
      <p className="chat-notice-title">{notice.title}</p>
      {notice.text && (
        <p className="chat-body">
          <LinkifiedText text={notice.text} />
        </p>
      )}
      {notice.file && (
        <p>
          <button type="button" className="btn btn-secondary" onClick={() => void open()} data-testid="notice-open-file">
            <PaperclipIcon /> {t("chat.openFile")}: {notice.file.name}
          </button>
        </p>
      )}
      {asks && notice.kind === "MUST_READ" && (
        <button type="button" className="btn btn-primary" disabled={fetching} onClick={() => void answer("READ")} data-testid="notice-confirm-read">
          {t("chat.confirmRead")}
        </button>
      )}
      {asks && notice.kind === "MUST_APPROVE" && (
        <div className="chat-notice-answer">
          <button type="button" className="btn btn-primary" disabled={fetching} onClick={() => void answer("APPROVE")} data-testid="notice-approve">
            {t("chat.approve")}
          </button>
          {!declining ? (
            <button type="button" className="btn btn-secondary" onClick={() => setDeclining(true)} data-testid="notice-decline">
              {t("chat.decline")}
            </button>
          ) : (
            <form
              className="chat-decline"
              onSubmit={(e) => {
                e.preventDefault();
                void answer("DECLINE");
              }}
            >
              <div className="field">
                <label htmlFor={commentId}>{t("chat.declineComment")}</label>
                <textarea id={commentId} required value={comment} onChange={(e) => setComment(e.target.value)} rows={2} data-testid="notice-decline-comment" />
              </div>
              <button type="submit" className="btn btn-danger" disabled={fetching} data-testid="notice-decline-submit">
                {t("chat.declineSend")}
              </button>{" "}
              <button type="button" className="btn btn-secondary" onClick={() => setDeclining(false)}>
                {t("common.cancel")}
              </button>
            </form>
          )}
        </div>
      )}
      {staff && notice.kind !== "INFO" && (
        <div className="chat-notice-progress">
          <p className="small" data-testid="notice-progress">
            {t("chat.noticeProgress", { done: notice.recipientsDone, total: notice.recipientsTotal })}
          </p>
        </div>
      )}
      {error && (
        <p className="chat-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
