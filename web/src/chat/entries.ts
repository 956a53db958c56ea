// What a message that is not plain text says, in the cabinet's language: a mark from its data
// (the body holds the Russian sentence), a report's status entry (its English text is in the
// data), a client's answer to a notice.
import type { ChatMessageFieldsFragment } from "../graphql/generated";
import type { MessageKey } from "../i18n/ru";
import { formatDate, formatNumber } from "../i18n/format";
import type { Lang } from "../i18n";

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const MARK_LABEL: Record<string, MessageKey> = {
  CALL: "chat.markCall",
  LETTER: "chat.markLetter",
  VISIT: "chat.markVisit",
  SERVICE_CONNECTED: "chat.markServiceConnected",
  SERVICE_DISCONNECTED: "chat.markServiceDisconnected",
};

const ACTION_LABEL: Record<string, MessageKey> = {
  READ: "chat.actionREAD",
  OPENED: "chat.actionOPENED",
  APPROVED: "chat.actionAPPROVED",
  DECLINED: "chat.actionDECLINED",
};

export function actionLabel(action: string, t: Translate): string {
  const key = ACTION_LABEL[action.toUpperCase()];
  return key ? t(key) : action;
}

/** A service request's system entries hold a code (the requests module words them). */
const REQUEST_ENTRY: Record<string, MessageKey> = {
  rejected: "requests.entry_rejected",
  started: "requests.entry_started",
  awaiting_client: "requests.entry_awaiting_client",
  opened_by_report: "requests.entry_opened_by_report",
  client_answered: "requests.entry_client_answered",
};

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** The sentence of a MARK, SYSTEM or notice-answer entry; null for plain text. */
export function entryText(message: ChatMessageFieldsFragment, t: Translate, lang: Lang): string | null {
  const data = record(message.data);
  if (message.kind === "MARK") {
    const kind = text(data.mark).toUpperCase();
    const label = MARK_LABEL[kind] ? t(MARK_LABEL[kind]) : kind;
    const day = text(data.date);
    const date = day ? formatDate(day, lang) : "";
    let head = `${label} ${date}`.trim();
    if (kind.startsWith("SERVICE")) {
      const price = Number(text(data.price));
      head = t("chat.markService", {
        label,
        service: text(data.service),
        date,
        price: Number.isFinite(price) ? formatNumber(price, lang, price % 1 ? 2 : 0) : text(data.price),
      });
    }
    const note = text(data.note);
    return note ? `${head}: ${note}` : head;
  }
  if (message.kind === "SYSTEM") {
    const answer = record(data.notice_action);
    if (answer.action) {
      const comment = text(answer.comment);
      const said = t("chat.noticeAnswered", { action: actionLabel(text(answer.action), t) });
      return comment ? `${said} ${t("chat.commentWas", { comment })}` : said;
    }
    if (lang === "en" && text(data.textEn)) return text(data.textEn);
    const code = REQUEST_ENTRY[message.body ?? ""];
    if (code) return t(code);
    return message.body ?? "";
  }
  return null;
}

/** Saves a linked file in this tab (the link answers as an attachment): no window to close. */
export function saveFile(url: string, name: string): void {
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
