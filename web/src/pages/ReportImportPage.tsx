import { useEffect, useState, type DragEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  ImportReportEventsDocument,
  ReportImportProgressDocument,
  type ReportImportFieldsFragment,
} from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";

const POLL_MS = 1000;
const MAX_ROWS = 5000;
// The API takes requests up to 1 MB (Settings.max_body_bytes); the query around the file is small.
const MAX_BYTES = 990_000;

/** The template staff download: `;` and a BOM, as Russian Excel and 1C open and save CSV. */
const TEMPLATE = [
  "reportId;inn;kpp;formCode;periodYear;periodCode;correction;authorityCode;externalId;kind;occurredAt;text;reasonCode",
  ";7701234567;770101001;vat;2026;Q1;0;7701;efs-2026-q1-vat-sent;sent;2026-04-20T09:00:00+03:00;Отправлен;",
  ";7701234567;770101001;vat;2026;Q1;0;7701;efs-2026-q1-vat-rejected;rejected;2026-04-22T15:30:00+03:00;\"Ошибка в КПП; см. уведомление\";0400300003",
].join("\r\n");
const TEMPLATE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(`\ufeff${TEMPLATE}\r\n`)}`;

type Format = "csv" | "jsonLines";

interface Picked {
  name: string;
  format: Format;
  text: string;
  rows: number;
  bytes: number;
}

/** UTF-8 (with or without BOM); a file that is not UTF-8 is read as Windows-1251 (1C, Excel). */
async function readText(file: File): Promise<string> {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1251").decode(bytes);
  }
}

function formatOf(name: string, text: string): Format {
  const lower = name.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return "jsonLines";
  return text.replace(/^\ufeff/, "").trimStart().startsWith("{") ? "jsonLines" : "csv";
}

/** Records of a CSV file after its header (quoted fields may hold newlines; blank lines skipped). */
function countCsvRows(text: string): number {
  let records = 0;
  let quoted = false;
  let filled = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === "\n" || ch === "\r")) {
      if (filled) records += 1;
      filled = false;
    } else if (ch.trim() !== "") {
      filled = true;
    }
  }
  if (filled) records += 1;
  return Math.max(records - 1, 0);
}

function countRows(format: Format, text: string): number {
  if (format === "csv") return countCsvRows(text);
  return text.split(/\r?\n/).filter((line) => line.trim() !== "").length;
}

/** Staff upload a CSV or JSON-lines file of report events; a background job records them. */
export function ReportImportPage() {
  const t = useT();
  usePageTitle(t("reportImport.title"));
  const [picked, setPicked] = useState<Picked | null>(null);
  const [dragging, setDragging] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [job, setJob] = useState<ReportImportFieldsFragment | null>(null);
  const [startState, start] = useMutation(ImportReportEventsDocument);
  const finished = job?.status === "DONE" || job?.status === "FAILED";
  const [polled, poll] = useQuery({
    query: ReportImportProgressDocument,
    variables: { id: job?.id ?? "" },
    pause: !job || finished,
    requestPolicy: "network-only",
  });

  useEffect(() => {
    const result = polled.data?.reportImport;
    if (result?.__typename === "ReportImport" && result.id === job?.id) setJob(result);
  }, [polled.data, job?.id]);

  useEffect(() => {
    if (!job || finished) return;
    const timer = window.setInterval(() => poll({ requestPolicy: "network-only" }), POLL_MS);
    return () => window.clearInterval(timer);
  }, [job?.id, finished, poll]);

  async function choose(file: File) {
    setFailure(null);
    setJob(null);
    const text = await readText(file);
    const format = formatOf(file.name, text);
    const bytes = new TextEncoder().encode(text).length;
    setPicked({ name: file.name, format, text, rows: countRows(format, text), bytes });
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file && !busy) void choose(file);
  }

  async function onStart() {
    if (!picked) return;
    setFailure(null);
    const result = await start(picked.format === "csv" ? { csv: picked.text } : { jsonLines: picked.text });
    const out = result.data?.importReportEvents;
    if (out?.__typename === "ReportImport") setJob(out);
    else if (out?.__typename === "ValidationError") setFailure(out.message);
    else setFailure(result.error?.graphQLErrors[0]?.message ?? t("error.generic"));
  }

  const busy = startState.fetching || (!!job && !finished);
  const tooBig = !!picked && picked.bytes > MAX_BYTES;
  const tooMany = !!picked && (picked.rows === 0 || picked.rows > MAX_ROWS);
  const statusText = job
    ? ({ QUEUED: t("reportImport.queued"), RUNNING: t("reportImport.running"), DONE: t("reportImport.done"), FAILED: t("reportImport.failed") }[
        job.status
      ] ?? job.status)
    : "";

  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("reportImport.title")}</h1>
        <Link to="/reports">{t("reportImport.backToReports")}</Link>
      </div>
      <p className="muted">{t("reportImport.hint")}</p>
      <p className="muted">{t("reportImport.createsHint")}</p>
      <p>
        <a href={TEMPLATE_HREF} download="report-events-template.csv" data-testid="import-template">
          {t("reportImport.template")}
        </a>
      </p>
      <section
        className={dragging ? "import-drop dragging" : "import-drop"}
        data-testid="import-drop"
        aria-label={t("reportImport.file")}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <div className="drive-upload">
          <input
            id="report-import-file"
            type="file"
            accept=".csv,.jsonl,.ndjson,.txt,text/csv,application/x-ndjson"
            className="visually-hidden"
            disabled={busy}
            data-testid="import-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void choose(file);
            }}
          />
          <label className="btn btn-secondary" htmlFor="report-import-file">
            {t("reportImport.choose")}
          </label>
          <span className="muted">{t("reportImport.dropHint")}</span>
        </div>
        {picked && (
          <p data-testid="import-picked" data-rows={picked.rows}>
            {t("reportImport.picked", {
              name: picked.name,
              format: picked.format === "csv" ? "CSV" : "JSON lines",
              rows: picked.rows,
            })}
          </p>
        )}
        {tooMany && <ErrorAlert>{t("reportImport.rowLimit", { max: MAX_ROWS })}</ErrorAlert>}
        {tooBig && <ErrorAlert>{t("reportImport.sizeLimit")}</ErrorAlert>}
        <button
          type="button"
          className="btn btn-primary"
          data-testid="import-start"
          disabled={!picked || tooMany || tooBig || busy}
          aria-busy={busy}
          onClick={() => void onStart()}
        >
          {busy ? t("reportImport.importing") : t("reportImport.start")}
        </button>
      </section>
      <ErrorAlert>{failure}</ErrorAlert>
      {job && (
        <div className="drive-progress" data-testid="import-progress-box" data-status={job.status}>
          <progress
            data-testid="import-progress"
            max={Math.max(job.total, 1)}
            value={job.done}
            aria-label={t("reportImport.progress", { done: job.done, total: job.total })}
          />
          <span role="status" aria-live="polite" data-testid="import-status">
            {statusText} · {t("reportImport.progress", { done: job.done, total: job.total })}
          </span>
        </div>
      )}
      {job?.status === "FAILED" && job.error && <ErrorAlert>{job.error}</ErrorAlert>}
      {job && finished && (
        <>
          <ul className="import-summary" data-testid="import-summary">
            <li data-testid="import-recorded">{t("reportImport.recorded", { count: job.recorded })}</li>
            {job.created > 0 && <li data-testid="import-created">{t("reportImport.created", { count: job.created })}</li>}
            <li data-testid="import-duplicates">{t("reportImport.duplicates", { count: job.duplicates })}</li>
            <li data-testid="import-failed">{t("reportImport.failedRows", { count: job.failed })}</li>
          </ul>
          {job.errors.length > 0 && (
            <>
              <h2>{t("reportImport.errors")}</h2>
              {job.errors.length < job.failed && (
                <p className="muted">{t("reportImport.errorsCut", { shown: job.errors.length })}</p>
              )}
              <table className="table" data-testid="import-errors">
                <thead>
                  <tr>
                    <th>{t("reportImport.line")}</th>
                    <th>{t("reportImport.field")}</th>
                    <th>{t("reportImport.message")}</th>
                  </tr>
                </thead>
                <tbody>
                  {job.errors.map((e, i) => (
                    <tr key={`${e.line}-${i}`} data-testid="import-error" data-line={e.line} data-code={e.code}>
                      <td>{e.line}</td>
                      <td>{e.field ?? ""}</td>
                      <td>
                        {e.message} <span className="muted">({e.code})</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </Workspace>
  );
}
