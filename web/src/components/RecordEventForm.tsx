import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { RecordReportEventDocument } from "../graphql/generated";
import type { ReportDocumentKind, ReportEventKind } from "../graphql/generated";
import { EVENT_KIND_LABEL } from "../reportLabels";
import { OkAlert } from "./Alert";
import { formatSize } from "../i18n/format";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";

const KINDS: ReportEventKind[] = ["PREPARED", "SENT", "DELIVERED", "ACCEPTED", "REJECTED", "CLARIFICATION_REQUESTED", "PROCESSING_ERROR"];
const DOCUMENT_KINDS: [ReportDocumentKind, MessageKey][] = [
  ["REPORT_FILE", "reportDoc.reportFile"],
  ["RECEIPT", "reportDoc.receipt"],
  ["NOTICE_OF_INPUT", "reportDoc.noticeOfInput"],
  ["REJECTION_NOTICE", "reportDoc.rejectionNotice"],
  ["OTHER", "reportDoc.other"],
];
// What a file attached to a status usually is.
const DEFAULT_DOCUMENT: Record<ReportEventKind, ReportDocumentKind> = {
  PREPARED: "REPORT_FILE",
  SENT: "REPORT_FILE",
  DELIVERED: "RECEIPT",
  ACCEPTED: "RECEIPT",
  REJECTED: "REJECTION_NOTICE",
  CLARIFICATION_REQUESTED: "OTHER",
  PROCESSING_ERROR: "OTHER",
};
const MAX_FILES = 10;
// The API takes requests up to 1 MB; base64 adds a third.
const MAX_TOTAL_BYTES = 600 * 1024;

interface Attached {
  file: File;
  kind: ReportDocumentKind;
}

/** "2026-04-20T09:00" in the browser's time zone, as a datetime-local field holds it. */
function localNow(): string {
  const now = new Date();
  now.setSeconds(0, 0);
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** A new key for each status entered: sending the same one again (a retry after a lost answer)
 *  records nothing twice (`recordReportEvent` is idempotent by `externalId`). */
function newKey(): string {
  const random = typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `cabinet-${random}`;
}

/** Staff record a status of the report by hand, with its documents (`recordReportEvent`, the
 *  same rules as an integration: the status follows the event times, files checked). */
export function RecordEventForm({ reportId, onRecorded }: { reportId: string; onRecorded: () => void }) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState(newKey);
  const [kind, setKind] = useState<ReportEventKind>("SENT");
  const [at, setAt] = useState(localNow);
  const [text, setText] = useState("");
  const [reason, setReason] = useState("");
  const [files, setFiles] = useState<Attached[]>([]);
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [{ fetching }, record] = useMutation(RecordReportEventDocument);
  const total = files.reduce((sum, f) => sum + f.file.size, 0);
  const tooBig = total > MAX_TOTAL_BYTES;

  function reset() {
    setKey(newKey());
    setKind("SENT");
    setAt(localNow());
    setText("");
    setReason("");
    setFiles([]);
    setError(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (tooBig || files.length > MAX_FILES) return;
    let documents;
    try {
      documents = await Promise.all(files.map(async (f) => ({ kind: f.kind, filename: f.file.name, contentBase64: await base64Of(f.file) })));
    } catch {
      setError({ message: t("recordEvent.unreadable"), field: "documents" });
      return;
    }
    const result = await record({
      input: {
        reportId,
        externalId: key,
        kind,
        occurredAt: new Date(at).toISOString(),
        text: text.trim(),
        reasonCode: reason.trim() || null,
        documents: documents.length > 0 ? documents : null,
      },
    });
    const out = result.data?.recordReportEvent;
    if (out?.__typename === "ReportEventRecorded") {
      reset();
      setOpen(false);
      setDone(out.duplicate ? t("recordEvent.duplicate") : t("recordEvent.recorded"));
      onRecorded();
      return;
    }
    setError({
      message: out && "message" in out ? out.message : t("error.generic"),
      field: out && "field" in out ? (out.field ?? null) : null,
    });
  }

  const invalid = (field: string) => (error?.field === field ? true : undefined);
  const describedBy = (field: string) => (error?.field === field ? "record-event-error" : undefined);

  if (!open) {
    return (
      <div className="actions record-event-start no-print">
        {done && <OkAlert>{done}</OkAlert>}
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} data-testid="record-event-open">
          {t("recordEvent.open")}
        </button>
      </div>
    );
  }
  return (
    <form className="record-event no-print" onSubmit={submit} data-testid="record-event-form" aria-labelledby="record-event-title">
      <h3 id="record-event-title">{t("recordEvent.title")}</h3>
      {error && (
        <div className="alert alert-error" role="alert" id="record-event-error">
          {error.message}
        </div>
      )}
      <div className="grid-2">
        <div className="field">
          <label htmlFor="record-event-kind">{t("recordEvent.kind")}</label>
          <select
            id="record-event-kind"
            value={kind}
            onChange={(e) => {
              const next = e.target.value as ReportEventKind;
              setKind(next);
              setFiles((list) => list.map((f) => ({ ...f, kind: DEFAULT_DOCUMENT[next] })));
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(EVENT_KIND_LABEL[k])}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="record-event-at">{t("recordEvent.at")}</label>
          <input
            id="record-event-at"
            type="datetime-local"
            required
            value={at}
            onChange={(e) => setAt(e.target.value)}
            aria-invalid={invalid("occurredAt")}
            aria-describedby={describedBy("occurredAt") ?? "record-event-at-hint"}
          />
          <span className="hint" id="record-event-at-hint">
            {t("recordEvent.atHint")}
          </span>
        </div>
      </div>
      <div className="field">
        <label htmlFor="record-event-text">{t("recordEvent.text")}</label>
        <textarea id="record-event-text" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="record-event-reason">{t("recordEvent.reason")}</label>
        <input
          id="record-event-reason"
          type="text"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          aria-invalid={invalid("reasonCode")}
          aria-describedby={describedBy("reasonCode")}
        />
      </div>
      <div className="field">
        <label htmlFor="record-event-files">{t("recordEvent.files")}</label>
        <input
          id="record-event-files"
          type="file"
          multiple
          onChange={(e) => {
            const chosen = Array.from(e.target.files ?? []).map((file) => ({ file, kind: DEFAULT_DOCUMENT[kind] }));
            setFiles((list) => [...list, ...chosen].slice(0, MAX_FILES));
            e.target.value = "";
          }}
          aria-invalid={invalid("documents") ?? (tooBig ? true : undefined)}
          aria-describedby={tooBig ? "record-event-size" : (describedBy("documents") ?? "record-event-files-hint")}
        />
        <span className="hint" id="record-event-files-hint">
          {t("recordEvent.filesHint", { max: MAX_FILES, size: formatSize(MAX_TOTAL_BYTES, lang) })}
        </span>
        {tooBig && (
          <div className="alert alert-error" role="alert" id="record-event-size">
            {t("recordEvent.tooBig", { size: formatSize(MAX_TOTAL_BYTES, lang) })}
          </div>
        )}
      </div>
      {files.length > 0 && (
        <ul className="record-event-files" data-testid="record-event-files">
          {files.map((f, index) => (
            <li key={`${f.file.name}-${index}`}>
              <span className="file-name">
                {f.file.name} <span className="muted">({formatSize(f.file.size, lang)})</span>
              </span>
              <label className="visually-hidden" htmlFor={`record-event-file-kind-${index}`}>
                {t("recordEvent.fileKind", { name: f.file.name })}
              </label>
              <select
                id={`record-event-file-kind-${index}`}
                value={f.kind}
                onChange={(e) => setFiles((list) => list.map((item, i) => (i === index ? { ...item, kind: e.target.value as ReportDocumentKind } : item)))}
              >
                {DOCUMENT_KINDS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {t(label)}
                  </option>
                ))}
              </select>
              <button type="button" className="btn btn-secondary btn-small" onClick={() => setFiles((list) => list.filter((_, i) => i !== index))}>
                {t("recordEvent.removeFile", { name: f.file.name })}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={fetching || tooBig} data-testid="record-event-submit">
          {t("recordEvent.submit")}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            reset();
            setOpen(false);
          }}
        >
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
