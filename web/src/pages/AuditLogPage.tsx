import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  AuditActionGroupsDocument,
  AuditLogDocument,
  AuditLogExportDocument,
  ExportAuditLogDocument,
  type AuditLogExportFieldsFragment,
  type AuditLogFilter,
  type AuditLogQuery,
} from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { FoldedFilters } from "../components/FoldedFilters";
import { useI18n, useT } from "../i18n";
import { formatDateTime, formatNumber } from "../i18n/format";
import "../audit.css";
import { usePageTitle } from "../app/page";

const PAGE = 50;
const POLL_MS = 1000;

type Entry = Extract<
  AuditLogQuery["auditLog"],
  { __typename: "AuditEntryConnection" }
>["edges"][number]["node"];

/** Who the list is narrowed to: picked from a row (a person, a token) or typed (an actor). */
interface Who {
  label: string;
  personId?: string;
  apiTokenId?: string;
  actor?: string;
}

interface Filters {
  who: Who | null;
  actor: string; // typed: an actor subject as rows show it, e.g. operator:cli
  action: string; // an action, or a group's prefix ("role.")
  objectType: string;
  objectId: string;
  since: string; // yyyy-mm-dd, local date
  until: string; // yyyy-mm-dd, inclusive in the form
}

const EMPTY: Filters = {
  who: null,
  actor: "",
  action: "",
  objectType: "",
  objectId: "",
  since: "",
  until: "",
};

/** The form's filters to the API's: inclusive local dates become [from, to) instants. */
function toFilter(f: Filters): AuditLogFilter {
  const filter: AuditLogFilter = {};
  if (f.who?.personId) filter.personId = f.who.personId;
  else if (f.who?.apiTokenId) filter.apiTokenId = f.who.apiTokenId;
  else if (f.who?.actor) filter.actor = f.who.actor;
  else if (f.actor.trim()) filter.actor = f.actor.trim();
  if (f.action) filter.action = f.action;
  if (f.objectType.trim()) {
    filter.object = { type: f.objectType.trim(), id: f.objectId.trim() || null };
  }
  if (f.since) filter.from = new Date(`${f.since}T00:00:00`).toISOString();
  if (f.until) {
    const end = new Date(`${f.until}T00:00:00`);
    end.setDate(end.getDate() + 1); // the "to" day is included
    filter.to = end.toISOString();
  }
  return filter;
}

function whoOf(entry: Entry): Who {
  const { actor } = entry;
  if (actor.person) return { label: actor.label, personId: actor.person.id };
  if (actor.apiTokenId) return { label: actor.label, apiTokenId: actor.apiTokenId };
  return { label: actor.label, actor: actor.subject };
}

/** Starts the CSV export, polls its job every second and offers the file when ready. */
function ExportPanel({ filter }: { filter: AuditLogFilter }) {
  const { t, lang } = useI18n();
  const [job, setJob] = useState<AuditLogExportFieldsFragment | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [startState, start] = useMutation(ExportAuditLogDocument);
  const finished = job?.status === "DONE" || job?.status === "FAILED";
  const [polled, poll] = useQuery({
    query: AuditLogExportDocument,
    variables: { id: job?.id ?? "" },
    pause: !job || finished,
    requestPolicy: "network-only",
  });

  useEffect(() => {
    const result = polled.data?.auditLogExport;
    if (result?.__typename === "AuditLogExport" && result.id === job?.id) setJob(result);
  }, [polled.data, job?.id]);

  useEffect(() => {
    if (!job || finished) return;
    const timer = window.setInterval(() => poll({ requestPolicy: "network-only" }), POLL_MS);
    return () => window.clearInterval(timer);
  }, [job?.id, finished, poll]);

  const onExport = async () => {
    setJob(null);
    setRefusal(null);
    const result = await start({ filter });
    const started = result.data?.exportAuditLog;
    if (started?.__typename === "AuditLogExport") setJob(started);
    else if (started && "message" in started) setRefusal(started.message);
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
        data-testid="audit-export"
        onClick={onExport}
        disabled={busy}
        aria-busy={busy}
      >
        {busy ? t("audit.exporting") : t("audit.export")}
      </button>
      {startState.error && (
        <ErrorAlert>{startState.error.graphQLErrors[0]?.message ?? t("error.generic")}</ErrorAlert>
      )}
      {refusal && <ErrorAlert>{refusal}</ErrorAlert>}
      {job && (
        <div className="drive-progress" data-testid="audit-export-box" data-status={job.status}>
          <progress
            data-testid="audit-export-progress"
            max={Math.max(job.total, 1)}
            value={job.status === "DONE" ? Math.max(job.total, 1) : job.done}
            aria-label={t("audit.exportProgress", { done: formatNumber(job.done, lang), total: formatNumber(job.total, lang) })}
          />
          <span role="status" aria-live="polite" data-testid="audit-export-status">
            {statusText} · {t("audit.exportProgress", { done: formatNumber(job.done, lang), total: formatNumber(job.total, lang) })}
            {job.rows != null && <> · {t("audit.exportRows", { rows: job.rows })}</>}
          </span>
        </div>
      )}
      {job?.status === "FAILED" && job.error && <ErrorAlert>{job.error}</ErrorAlert>}
      {job?.status === "DONE" && job.downloadUrl && (
        <a className="btn btn-primary" href={job.downloadUrl} download data-testid="audit-export-download">
          {t("audit.downloadCsv")}
        </a>
      )}
    </section>
  );
}

/** The data of an entry as short `key: value` lines. */
function Details({ data }: { data: unknown }) {
  if (!data || typeof data !== "object" || Object.keys(data).length === 0) return null;
  return (
    <dl className="audit-data">
      {Object.entries(data as Record<string, unknown>).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The firm's record of who did what, newest first: for the firm admin and auditors. */
export function AuditLogPage() {
  const t = useT();
  usePageTitle(t("auditLog.title"));
  const { lang } = useI18n();
  // Cursors of the pages before the one shown: "previous" pops one.
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const filter = toFilter(applied);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: AuditLogDocument,
    variables: { first: PAGE, after, filter },
    requestPolicy: "network-only",
  });
  const [groups, refetchGroups] = useQuery({ query: AuditActionGroupsDocument });
  // The API words actions and actors in the language the request asks for.
  useEffect(() => {
    refetch({ requestPolicy: "network-only" });
    refetchGroups({ requestPolicy: "network-only" });
  }, [lang, refetch, refetchGroups]);

  const result = data?.auditLog;
  const log = result?.__typename === "AuditEntryConnection" ? result : null;
  const refusal = result && result.__typename !== "AuditEntryConnection" ? result.message : null;

  const show = (next: Filters) => {
    setCursors([]);
    setAfter(null);
    setDraft(next);
    setApplied(next);
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    show(draft);
  };

  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("auditLog.title")}</h1>
      </div>
      <p className="muted">{t("auditLog.hint")}</p>
      <FoldedFilters id="audit-filters">
      <form className="filters audit-filters" onSubmit={apply} aria-label={t("audit.filters")} data-testid="audit-filters">
        <div className="audit-who">
          <span>{t("auditLog.who")}</span>{" "}
          {draft.who ? (
            <span className="badge" data-testid="audit-filter-who">
              {draft.who.label}{" "}
              <button
                type="button"
                className="btn-link"
                aria-label={t("auditLog.clearWho")}
                data-testid="audit-filter-who-clear"
                onClick={() => setDraft({ ...draft, who: null })}
              >
                ×
              </button>
            </span>
          ) : (
            <input
              type="text"
              data-testid="audit-filter-actor"
              placeholder={t("auditLog.actorHint")}
              aria-label={t("auditLog.who")}
              value={draft.actor}
              onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
            />
          )}
        </div>
        <label>
          {t("audit.action")}{" "}
          <select
            data-testid="audit-filter-action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          >
            <option value="">{t("auditLog.anyAction")}</option>
            {groups.data?.auditActionGroups.map((group) => (
              <optgroup key={group.prefix} label={group.label}>
                <option value={group.prefix}>{t("auditLog.allOf", { group: group.label })}</option>
                {group.actions.map((a) => (
                  <option key={a.action} value={a.action}>
                    {a.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          {t("auditLog.objectType")}{" "}
          <input
            type="text"
            data-testid="audit-filter-object-type"
            value={draft.objectType}
            onChange={(e) => setDraft({ ...draft, objectType: e.target.value })}
          />
        </label>
        <label>
          {t("auditLog.objectId")}{" "}
          <input
            type="text"
            data-testid="audit-filter-object-id"
            value={draft.objectId}
            disabled={!draft.objectType.trim()}
            onChange={(e) => setDraft({ ...draft, objectId: e.target.value })}
          />
        </label>
        <label>
          {t("audit.since")}{" "}
          <input
            type="date"
            data-testid="audit-filter-since"
            value={draft.since}
            onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          />
        </label>
        <label>
          {t("audit.until")}{" "}
          <input
            type="date"
            data-testid="audit-filter-until"
            value={draft.until}
            onChange={(e) => setDraft({ ...draft, until: e.target.value })}
          />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="audit-filter-apply">
          {t("audit.apply")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => show(EMPTY)}>
          {t("audit.reset")}
        </button>
      </form>
      </FoldedFilters>
      <ExportPanel filter={filter} />
      {error && <ErrorAlert>{error.graphQLErrors[0]?.message ?? t("error.generic")}</ErrorAlert>}
      {refusal && (
        <div data-testid="audit-refusal">
          <ErrorAlert>{refusal}</ErrorAlert>
        </div>
      )}
      {fetching && !log && !refusal && <p role="status">{t("common.loading")}</p>}
      {log && (
        <p className="muted" data-testid="audit-total">
          {t("auditLog.total", { count: formatNumber(log.totalCount, lang) })}
        </p>
      )}
      {log && log.edges.length === 0 && <p className="muted">{t("audit.empty")}</p>}
      {log && log.edges.length > 0 && (
        <table className="table audit-table table-cards" data-testid="audit-log">
          <thead>
            <tr>
              <th>{t("audit.when")}</th>
              <th>{t("audit.who")}</th>
              <th>{t("audit.action")}</th>
              <th>{t("auditLog.object")}</th>
              <th>{t("auditLog.details")}</th>
              <th>{t("auditLog.ip")}</th>
            </tr>
          </thead>
          <tbody>
            {log.edges.map(({ node }) => (
              <tr key={node.id} data-testid="audit-row" data-action={node.action}>
                <td className="card-title">{formatDateTime(node.at, lang)}</td>
                <td data-label={t("audit.who")}>
                  <button
                    type="button"
                    className="btn-link"
                    data-testid="audit-actor"
                    title={t("auditLog.onlyThis")}
                    onClick={() => show({ ...applied, who: whoOf(node), actor: "" })}
                  >
                    {node.actor.label}
                  </button>
                  {node.actor.person && node.actor.person.email !== node.actor.label && (
                    <div className="muted">{node.actor.person.email}</div>
                  )}
                </td>
                <td data-label={t("audit.action")} data-testid="audit-action">
                  {node.actionLabel}
                  <div className="muted audit-code">{node.action}</div>
                </td>
                <td data-label={t("auditLog.object")}>
                  <button
                    type="button"
                    className="btn-link"
                    data-testid="audit-object"
                    title={t("auditLog.onlyThis")}
                    onClick={() =>
                      show({ ...applied, objectType: node.objectType, objectId: node.objectId ?? "" })
                    }
                  >
                    {node.objectType}
                    {node.objectId ? ` ${node.objectId}` : ""}
                  </button>
                </td>
                <td data-label={t("auditLog.details")}>
                  <Details data={node.data} />
                </td>
                <td data-label={t("auditLog.ip")} className={node.ip ? undefined : "empty"}>
                  {node.ip ?? ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        {cursors.length > 0 && (
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="audit-previous"
            onClick={() => {
              setAfter(cursors[cursors.length - 1]);
              setCursors(cursors.slice(0, -1));
            }}
          >
            {t("auditLog.previous")}
          </button>
        )}
        {log?.pageInfo.hasNextPage && (
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="audit-next"
            onClick={() => {
              setCursors([...cursors, after]);
              setAfter(log.pageInfo.endCursor ?? null);
            }}
          >
            {t("audit.next")}
          </button>
        )}
      </div>
    </Workspace>
  );
}
