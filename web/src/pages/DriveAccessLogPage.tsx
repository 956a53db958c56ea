import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  ClientOrganizationsDocument,
  DocumentAccessLogDocument,
  DriveAccessExportDocument,
  ExportDocumentAccessLogDocument,
  type DocumentAccessFilter,
  type DocumentKind,
  type DriveAccessAction,
  type DriveAccessExportFieldsFragment,
} from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { FoldedFilters } from "../components/FoldedFilters";
import { useT } from "../i18n";
import { useFormat } from "../i18n/format";
import type { MessageKey } from "../i18n";
import { usePageTitle } from "../app/page";

const PAGE = 50;
const POLL_MS = 1000;
// VIEW and DOWNLOAD: a link was issued; DOWNLOADED: its bytes were fetched.
const ACTION_LABELS: Record<DriveAccessAction, MessageKey> = {
  VIEW: "audit.view",
  DOWNLOAD: "audit.download",
  DOWNLOADED: "audit.downloaded",
};
const KIND_LABELS: Record<DocumentKind, MessageKey> = {
  DRIVE: "audit.kindDrive",
  REPORT: "audit.kindReport",
};

interface Filters {
  since: string; // yyyy-mm-dd, local date
  until: string; // yyyy-mm-dd, inclusive in the form
  organizationId: string;
  kind: DocumentKind | "";
}

const EMPTY: Filters = { since: "", until: "", organizationId: "", kind: "" };

/** The form's inclusive local dates to the API's [since, until) instants. */
function toFilter(f: Filters): DocumentAccessFilter {
  const filter: DocumentAccessFilter = {};
  if (f.since) filter.since = new Date(`${f.since}T00:00:00`).toISOString();
  if (f.until) {
    const end = new Date(`${f.until}T00:00:00`);
    end.setDate(end.getDate() + 1); // the "to" day is included
    filter.until = end.toISOString();
  }
  if (f.organizationId) filter.organizationId = f.organizationId;
  if (f.kind) filter.documentKind = f.kind;
  return filter;
}

/** Starts the CSV export, polls its job every second and offers the file when ready. */
function ExportPanel({ filter }: { filter: DocumentAccessFilter }) {
  const t = useT();
  const [job, setJob] = useState<DriveAccessExportFieldsFragment | null>(null);
  const [startState, start] = useMutation(ExportDocumentAccessLogDocument);
  const finished = job?.status === "DONE" || job?.status === "FAILED";
  const [polled, poll] = useQuery({
    query: DriveAccessExportDocument,
    variables: { id: job?.id ?? "" },
    pause: !job || finished,
    requestPolicy: "network-only",
  });

  useEffect(() => {
    const result = polled.data?.driveAccessExport;
    if (result?.__typename === "DriveAccessExport" && result.id === job?.id) setJob(result);
  }, [polled.data, job?.id]);

  useEffect(() => {
    if (!job || finished) return;
    const timer = window.setInterval(() => poll({ requestPolicy: "network-only" }), POLL_MS);
    return () => window.clearInterval(timer);
  }, [job?.id, finished, poll]);

  const onExport = async () => {
    setJob(null);
    const result = await start({ filter });
    if (result.data?.exportDocumentAccessLog) setJob(result.data.exportDocumentAccessLog);
  };

  const statusText = job
    ? {
        QUEUED: t("audit.exportQueued"),
        RUNNING: t("audit.exportRunning"),
        DONE: t("audit.exportDone"),
        FAILED: t("audit.exportFailed"),
      }[job.status]
    : "";
  const busy = startState.fetching || (!!job && !finished);

  return (
    <section className="audit-export" aria-label={t("audit.export")}>
      <button
        type="button"
        className="btn btn-secondary"
        data-testid="export-csv"
        onClick={onExport}
        disabled={busy}
        aria-busy={busy}
      >
        {busy ? t("audit.exporting") : t("audit.export")}
      </button>
      {startState.error && (
        <ErrorAlert>{startState.error.graphQLErrors[0]?.message ?? t("error.generic")}</ErrorAlert>
      )}
      {job && (
        <div className="drive-progress" data-testid="export-progress-box" data-status={job.status}>
          <progress
            data-testid="export-progress"
            max={Math.max(job.total, 1)}
            value={job.status === "DONE" ? Math.max(job.total, 1) : job.done}
            aria-label={t("audit.exportProgress", { done: job.done, total: job.total })}
          />
          <span role="status" aria-live="polite" data-testid="export-status">
            {statusText} · {t("audit.exportProgress", { done: job.done, total: job.total })}
            {job.rows != null && <> · {t("audit.exportRows", { rows: job.rows })}</>}
          </span>
        </div>
      )}
      {job?.status === "FAILED" && job.error && <ErrorAlert>{job.error}</ErrorAlert>}
      {job?.status === "DONE" && job.downloadUrl && (
        <a className="btn btn-primary" href={job.downloadUrl} download data-testid="export-download">
          {t("audit.downloadCsv")}
        </a>
      )}
    </section>
  );
}

/** Who viewed or downloaded which document (a drive file, a report document), newest first. */
export function DriveAccessLogPage() {
  const t = useT();
  const format = useFormat();
  usePageTitle(t("audit.title"));
  const [after, setAfter] = useState<string | null>(null);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const filter = toFilter(applied);
  const [{ data, error, fetching }] = useQuery({
    query: DocumentAccessLogDocument,
    variables: { first: PAGE, after, filter },
    requestPolicy: "network-only",
  });
  // A firm may have many clients: the list shows 100 at a time, narrowed by a search.
  const [orgSearch, setOrgSearch] = useState("");
  const [orgs] = useQuery({
    query: ClientOrganizationsDocument,
    variables: { first: 100, search: orgSearch.trim() || null },
  });
  const log = data?.documentAccessLog;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setAfter(null);
    setApplied(draft);
  };
  const reset = () => {
    setAfter(null);
    setDraft(EMPTY);
    setApplied(EMPTY);
  };

  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("audit.title")}</h1>
      </div>
      <p className="muted">{t("audit.hint")}</p>
      <FoldedFilters id="access-filters">
      <form className="filters" onSubmit={apply} aria-label={t("audit.filters")} data-testid="access-filters">
        <label>
          {t("audit.since")}{" "}
          <input
            type="date"
            data-testid="filter-since"
            value={draft.since}
            onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          />
        </label>{" "}
        <label>
          {t("audit.until")}{" "}
          <input
            type="date"
            data-testid="filter-until"
            value={draft.until}
            onChange={(e) => setDraft({ ...draft, until: e.target.value })}
          />
        </label>{" "}
        <label>
          {t("audit.findOrganization")}{" "}
          <input
            type="search"
            data-testid="filter-organization-search"
            value={orgSearch}
            onChange={(e) => setOrgSearch(e.target.value)}
          />
        </label>{" "}
        <label>
          {t("audit.organization")}{" "}
          <select
            data-testid="filter-organization"
            value={draft.organizationId}
            onChange={(e) => setDraft({ ...draft, organizationId: e.target.value })}
          >
            <option value="">{t("audit.anyOrganization")}</option>
            {orgs.data?.clientOrganizations.edges.map(({ node }) => (
              <option key={node.id} value={node.id}>
                {node.name}
              </option>
            ))}
          </select>
        </label>{" "}
        <label>
          {t("audit.kind")}{" "}
          <select
            data-testid="filter-kind"
            value={draft.kind}
            onChange={(e) => setDraft({ ...draft, kind: e.target.value as DocumentKind | "" })}
          >
            <option value="">{t("audit.anyKind")}</option>
            <option value="DRIVE">{t("audit.kindDrive")}</option>
            <option value="REPORT">{t("audit.kindReport")}</option>
          </select>
        </label>{" "}
        <button type="submit" className="btn btn-primary" data-testid="filter-apply">
          {t("audit.apply")}
        </button>{" "}
        <button type="button" className="btn btn-secondary" onClick={reset}>
          {t("audit.reset")}
        </button>
      </form>
      </FoldedFilters>
      <ExportPanel filter={filter} />
      {error && <ErrorAlert>{error.graphQLErrors[0]?.message ?? t("error.generic")}</ErrorAlert>}
      {fetching && !log && <p role="status">{t("common.loading")}</p>}
      {log && log.edges.length === 0 && <p className="muted">{t("audit.empty")}</p>}
      {log && log.edges.length > 0 && (
        <table className="table table-cards" data-testid="access-log">
          <thead>
            <tr>
              <th>{t("audit.when")}</th>
              <th>{t("audit.who")}</th>
              <th>{t("audit.organization")}</th>
              <th>{t("audit.file")}</th>
              <th>{t("audit.kind")}</th>
              <th>{t("audit.action")}</th>
            </tr>
          </thead>
          <tbody>
            {log.edges.map(({ node }) => (
              <tr key={node.id} data-testid="access-row" data-kind={node.documentKind}>
                <td className="card-title">{format.dateTime(node.at)}</td>
                <td data-label={t("audit.who")}>{node.person ? node.person.displayName || node.person.email : t("audit.apiToken")}</td>
                <td data-label={t("audit.organization")} className={node.organizationName ? undefined : "empty"}>
                  {node.organizationName ?? ""}
                </td>
                <td data-label={t("audit.file")}>{node.documentName}</td>
                <td data-label={t("audit.kind")} data-testid="access-kind">{t(KIND_LABELS[node.documentKind])}</td>
                <td data-label={t("audit.action")} data-testid="access-action">{t(ACTION_LABELS[node.action])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        {after && (
          <button type="button" className="btn btn-secondary" onClick={() => setAfter(null)}>
            {t("audit.first")}
          </button>
        )}
        {log?.pageInfo.hasNextPage && (
          <button type="button" className="btn btn-secondary" onClick={() => setAfter(log.pageInfo.endCursor ?? null)}>
            {t("audit.next")}
          </button>
        )}
      </div>
    </Workspace>
  );
}
