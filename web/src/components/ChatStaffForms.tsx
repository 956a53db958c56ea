import { useState } from "react";
import { useMutation } from "urql";
import { PostChatMarkDocument, PostChatNoticeDocument } from "../graphql/generated";
import type { ChatMarkKind, ChatNoticeKind } from "../graphql/generated";
import { base64Of } from "./ChatComposer";
import { NOTICE_KIND_LABEL } from "./ChatNoticeCard";
import { OkAlert } from "./Alert";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/ru";

const MARK_KINDS: [ChatMarkKind, MessageKey][] = [
  ["CALL", "chat.markCall"],
  ["LETTER", "chat.markLetter"],
  ["VISIT", "chat.markVisit"],
  ["SERVICE_CONNECTED", "chat.markServiceConnected"],
  ["SERVICE_DISCONNECTED", "chat.markServiceDisconnected"],
];
const NOTICE_KINDS: ChatNoticeKind[] = ["INFO", "MUST_READ", "MUST_OPEN_FILE", "MUST_APPROVE"];

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

type Failure = { message: string; field?: string | null } | null;

function failureOf(out: { __typename?: string; message?: string; field?: string | null } | undefined, fallback: string): Failure {
  return { message: out?.message ?? fallback, field: out?.field ?? null };
}

/** A call, letter or visit of the client, or a paid service connected or disconnected. */
export function ChatMarkForm({ organizationId }: { organizationId: string }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<ChatMarkKind>("CALL");
  const [date, setDate] = useState(today);
  const [note, setNote] = useState("");
  const [service, setService] = useState("");
  const [price, setPrice] = useState("");
  const [failure, setFailure] = useState<Failure>(null);
  const [done, setDone] = useState(false);
  const [{ fetching }, post] = useMutation(PostChatMarkDocument);
  const isService = kind.startsWith("SERVICE");

  async function submit() {
    setFailure(null);
    setDone(false);
    const res = await post({
      organizationId,
      input: { kind, date, note: note.trim() || null, serviceName: isService ? service.trim() : null, price: isService ? price.trim() : null },
    });
    const out = res.data?.postChatMark;
    if (out?.__typename === "ChatMark") {
      setNote("");
      setService("");
      setPrice("");
      setDone(true);
    } else setFailure(failureOf(out as never, t("error.generic")));
  }

  return (
    <form
      className="chat-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="chat-mark-form"
    >
      <div className="field">
        <label htmlFor="mark-kind">{t("chat.markKind")}</label>
        <select id="mark-kind" value={kind} onChange={(e) => setKind(e.target.value as ChatMarkKind)}>
          {MARK_KINDS.map(([value, label]) => (
            <option key={value} value={value}>
              {t(label)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="mark-date">{isService ? t("chat.markFrom") : t("chat.markDate")}</label>
        <input id="mark-date" type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
      </div>
      {isService && (
        <>
          <div className="field">
            <label htmlFor="mark-service">{t("chat.markServiceName")}</label>
            <input id="mark-service" type="text" required maxLength={200} value={service} onChange={(e) => setService(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="mark-price">{t("chat.markPrice")}</label>
            <input id="mark-price" type="text" required inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor="mark-note">{t("chat.markNote")}</label>
        <input id="mark-note" type="text" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      {failure && (
        <p className="chat-error" role="alert">
          {failure.message}
        </p>
      )}
      {done && <OkAlert>{t("chat.markPosted")}</OkAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="chat-mark-submit">
        {t("chat.markSubmit")}
      </button>
    </form>
  );
}

/** A notice: informational, must-read, must-open-file (with its file) or must-approve. */
export function ChatNoticeForm({ organizationId }: { organizationId: string }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<ChatNoticeKind>("MUST_READ");
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [failure, setFailure] = useState<Failure>(null);
  const [done, setDone] = useState(false);
  const [{ fetching }, post] = useMutation(PostChatNoticeDocument);

  async function submit(form: HTMLFormElement) {
    setFailure(null);
    setDone(false);
    const upload = file ? { filename: file.name, contentBase64: await base64Of(file) } : null;
    const res = await post({ organizationId, input: { kind, title: title.trim(), text: text.trim(), file: upload } });
    const out = res.data?.postChatNotice;
    if (out?.__typename === "ChatNotice") {
      setTitle("");
      setText("");
      setFile(null);
      form.reset();
      setDone(true);
    } else setFailure(failureOf(out as never, t("error.generic")));
  }

  return (
    <form
      className="chat-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
      data-testid="chat-notice-form"
    >
      <div className="field">
        <label htmlFor="notice-kind">{t("chat.noticeKind")}</label>
        <select id="notice-kind" value={kind} onChange={(e) => setKind(e.target.value as ChatNoticeKind)} data-testid="notice-kind">
          {NOTICE_KINDS.map((value) => (
            <option key={value} value={value}>
              {t(NOTICE_KIND_LABEL[value])}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="notice-title">{t("chat.noticeTitle")}</label>
        <input id="notice-title" type="text" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} data-testid="notice-title" />
      </div>
      <div className="field">
        <label htmlFor="notice-text">{t("chat.noticeText")}</label>
        <textarea id="notice-text" rows={3} maxLength={5000} value={text} onChange={(e) => setText(e.target.value)} data-testid="notice-text" />
      </div>
      <div className="field">
        <label htmlFor="notice-file">{kind === "MUST_OPEN_FILE" ? t("chat.noticeFileRequired") : t("chat.noticeFile")}</label>
        <input
          id="notice-file"
          type="file"
          required={kind === "MUST_OPEN_FILE"}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          data-testid="notice-file"
        />
      </div>
      {failure && (
        <p className="chat-error" role="alert">
          {failure.message}
        </p>
      )}
      {done && <OkAlert>{t("chat.noticePosted")}</OkAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="notice-submit">
        {t("chat.noticeSubmit")}
      </button>
    </form>
  );
}
