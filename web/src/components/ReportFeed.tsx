import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useClient, useQuery } from "urql";
import type { Client } from "urql";
import {
  ClientOrganizationsDocument,
  ReportFormsDocument,
  ReportOrganizationNameDocument,
  ReportRowDocument,
  ReportStatusChangedDocument,
  ReportStatusCountsDocument,
  ReportsFeedDocument,
} from "../graphql/generated";
import type { ReportRowFieldsFragment, ReportStatus, ReportsFeedQueryVariables } from "../graphql/generated";
import { ErrorAlert } from "./Alert";
import { BeingFixedMark, OverdueMark, ReportStatusBadge } from "./ReportStatusBadge";
import { REPORT_STATUSES, REPORT_STATUS_LABEL, authorityText, formName, formatDateTime, formatPeriod } from "../reportLabels";
import { FoldedFilters } from "./FoldedFilters";
import { useI18n } from "../i18n";
import { useReconnects } from "../app/client";
import "../reports.css";

const PAGE = 20;
const FLASH_MS = 4000;

/** A row of the feed; staff rows also name the organization. */
export type FeedRow = ReportRowFieldsFragment & { organization?: { id: string; name: string } | null };
type Listener = (row: FeedRow) => void;

/** What needs the client: a clarification requested, or a rejection still being fixed. */
export function needsClient(row: FeedRow): boolean {
  return row.status === "CLARIFICATION_REQUESTED" || (row.status === "REJECTED" && row.beingFixed);
}

/** The client's order (the API's CLIENT_ATTENTION): what needs them first, then the rest,
 *  each newest first; kept while rows change live. */
function clientOrder(rows: FeedRow[]): FeedRow[] {
  const rank = (row: FeedRow) => (needsClient(row) ? 1 : 0);
  return [...rows].sort((a, b) => rank(b) - rank(a) || b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id));
}

/** The feed's filters, kept in the URL: a filtered feed can be bookmarked and survives a reload. */
interface Filters {
  form: string;
  status: ReportStatus | "";
  from: string; // yyyy-mm
  to: string; // yyyy-mm
  org: string; // staff only: a ClientOrganization id
  overdue: boolean; // staff only
}

function readFilters(params: URLSearchParams): Filters {
  const status = params.get("status") ?? "";
  return {
    form: params.get("form") ?? "",
    status: (REPORT_STATUSES as readonly string[]).includes(status) ? (status as ReportStatus) : "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    org: params.get("org") ?? "",
    overdue: params.get("overdue") === "1",
  };
}

/** "2026-03" -> the first (or last) day of that month, as the API's Date. */
function monthBound(month: string, end: boolean): string | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return null;
  if (!end) return `${m[1]}-${m[2]}-01`;
  const last = new Date(Number(m[1]), Number(m[2]), 0).getDate();
  return `${m[1]}-${m[2]}-${String(last).padStart(2, "0")}`;
}

/** Whether a row that changed live belongs in a list with these variables. */
function matches(row: FeedRow, v: ReportsFeedQueryVariables): boolean {
  if (v.organizationId && row.organizationId !== v.organizationId) return false;
  if (v.formCode && row.formCode !== v.formCode) return false;
  if (v.periodFrom && row.periodStart < v.periodFrom) return false;
  if (v.periodTo && row.periodStart > v.periodTo) return false;
  const statuses = v.statuses ? ([] as ReportStatus[]).concat(v.statuses) : null;
  if (statuses && statuses.length && !statuses.includes(row.status)) return false;
  if (v.overdue != null && row.overdue !== v.overdue) return false;
  return true;
}

/** Follows `reportStatusChanged` for one organization (or all the viewer sees): each change is
 *  fetched as a whole row and handed to the lists; counts are refreshed through `version`.
 *  When the live channel drops and comes back, the subscription starts again from the last
 *  change seen (`since`: the API replays what was missed); if none was seen yet, the lists
 *  reload (`reloads`). */
function useLiveReports(organizationId: string | null, withOrganization: boolean) {
  const client = useClient();
  const listeners = useMemo(() => new Set<Listener>(), []);
  const [version, setVersion] = useState(0);
  const [reloads, setReloads] = useState(0);
  const [flash, setFlash] = useState<ReadonlySet<string>>(new Set());
  const [announcement, setAnnouncement] = useState<FeedRow | null>(null);
  const reconnects = useReconnects();
  const lastSequence = useRef<number | null>(null);

  useEffect(() => {
    lastSequence.current = null;
  }, [organizationId]);

  useEffect(() => {
    const timers: number[] = [];
    const since = reconnects > 0 ? lastSequence.current : null;
    if (reconnects > 0 && since === null) {
      setReloads((r) => r + 1);
      setVersion((v) => v + 1);
    }
    const subscription = client
      .subscription(ReportStatusChangedDocument, { organizationId, since })
      .subscribe((result) => {
        const change = result.data?.reportStatusChanged;
        if (!change) return;
        lastSequence.current = Math.max(lastSequence.current ?? 0, change.sequence);
        void client
          .query(ReportRowDocument, { id: change.reportId, withOrganization }, { requestPolicy: "network-only" })
          .toPromise()
          .then((fetched) => {
            const report = fetched.data?.report;
            if (report?.__typename !== "Report") return;
            listeners.forEach((listener) => listener(report));
            setVersion((v) => v + 1);
            setAnnouncement(report);
            setFlash((s) => new Set(s).add(report.id));
            timers.push(
              window.setTimeout(
                () =>
                  setFlash((s) => {
                    const next = new Set(s);
                    next.delete(report.id);
                    return next;
                  }),
                FLASH_MS,
              ),
            );
          });
      });
    return () => {
      subscription.unsubscribe();
      timers.forEach((timer) => window.clearTimeout(timer));
    };
  }, [client, organizationId, withOrganization, listeners, reconnects]);

  return { listeners, version, reloads, flash, announcement };
}

type Live = ReturnType<typeof useLiveReports>;

/** The summary: how many reports are in each status; a click filters the feed by it. */
function StatusSummary({
  organizationId,
  version,
  current,
  onPick,
}: {
  organizationId: string | null;
  version: number;
  current: ReportStatus | "";
  onPick: (status: ReportStatus | "") => void;
}) {
  const { t } = useI18n();
  const [{ data }, refetch] = useQuery({ query: ReportStatusCountsDocument, variables: { organizationId } });
  useEffect(() => {
    if (version > 0) refetch({ requestPolicy: "network-only" });
  }, [version, refetch]);
  const counts = data?.reportStatusCounts;
  // Its place is kept while the counts load: the filters and the list below do not jump.
  if (!counts) return <div className="report-summary report-summary-pending" aria-hidden="true" />;
  return (
    <div className="report-summary" role="group" aria-label={t("reports.summary")} data-testid="report-summary">
      <button
        type="button"
        className="report-count"
        aria-pressed={current === ""}
        onClick={() => onPick("")}
        data-testid="count-ALL"
      >
        <span className="report-count-number">{counts.total}</span> {t("reports.all")}
      </button>
      {counts.byStatus
        .filter((c) => c.count > 0 || c.status === current)
        .map((c) => (
          <button
            key={c.status}
            type="button"
            className={`report-count tone-${c.status}`}
            aria-pressed={current === c.status}
            onClick={() => onPick(current === c.status ? "" : c.status)}
            data-testid={`count-${c.status}`}
          >
            <span className="report-count-number">{c.count}</span> {t(REPORT_STATUS_LABEL[c.status])}
          </button>
        ))}
    </div>
  );
}

function FeedFilters({ filters, staff, update }: { filters: Filters; staff: boolean; update: (name: keyof Filters | "reset", value: string) => void }) {
  const { t, pick } = useI18n();
  const [{ data: forms }] = useQuery({ query: ReportFormsDocument });
  const [orgSearch, setOrgSearch] = useState("");
  const [orgs] = useQuery({
    query: ClientOrganizationsDocument,
    variables: { first: 100, search: orgSearch.trim() || null },
    pause: !staff,
  });
  const options = orgs.data?.clientOrganizations.edges.map(({ node }) => ({ id: node.id, name: node.name })) ?? [];
  // The chosen organization (a link from its card) may be beyond the first page of options.
  const missing = Boolean(staff && filters.org && orgs.data && !options.some((o) => o.id === filters.org));
  const [{ data: chosen }] = useQuery({ query: ReportOrganizationNameDocument, variables: { id: filters.org }, pause: !missing });
  if (missing && chosen?.node && "name" in chosen.node) options.unshift({ id: chosen.node.id, name: chosen.node.name });
  const any = filters.form || filters.status || filters.from || filters.to || filters.org || filters.overdue;
  return (
    <form className="filters report-filters" role="search" aria-label={t("reports.filters")} onSubmit={(e) => e.preventDefault()}>
      {staff && (
        <>
          <div className="field">
            <label htmlFor="reports-org-search">{t("audit.findOrganization")}</label>
            <input id="reports-org-search" type="search" value={orgSearch} onChange={(e) => setOrgSearch(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="reports-org">{t("audit.organization")}</label>
            <select id="reports-org" value={filters.org} onChange={(e) => update("org", e.target.value)} data-testid="filter-org">
              <option value="">{t("audit.anyOrganization")}</option>
              {options.map((node) => (
                <option key={node.id} value={node.id}>
                  {node.name}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor="reports-form">{t("reports.form")}</label>
        <select id="reports-form" value={filters.form} onChange={(e) => update("form", e.target.value)} data-testid="filter-form">
          <option value="">{t("reports.anyForm")}</option>
          {forms?.reportForms.map((f) => (
            <option key={f.code} value={f.code}>
              {pick(f.nameRu, f.nameEn)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="reports-status">{t("reports.status")}</label>
        <select id="reports-status" value={filters.status} onChange={(e) => update("status", e.target.value)} data-testid="filter-status">
          <option value="">{t("reports.anyStatus")}</option>
          {REPORT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(REPORT_STATUS_LABEL[s])}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="reports-from">{t("reports.periodFrom")}</label>
        <input
          id="reports-from"
          type="month"
          placeholder="2026-01"
          value={filters.from}
          onChange={(e) => update("from", e.target.value)}
          data-testid="filter-from"
        />
      </div>
      <div className="field">
        <label htmlFor="reports-to">{t("reports.periodTo")}</label>
        <input
          id="reports-to"
          type="month"
          placeholder="2026-12"
          value={filters.to}
          onChange={(e) => update("to", e.target.value)}
          data-testid="filter-to"
        />
      </div>
      {staff && (
        <div className="checkbox">
          <input
            id="reports-overdue"
            type="checkbox"
            checked={filters.overdue}
            onChange={(e) => update("overdue", e.target.checked ? "1" : "")}
            data-testid="filter-overdue"
          />
          <label htmlFor="reports-overdue">{t("reports.onlyOverdue")}</label>
        </div>
      )}
      {any && (
        <button type="button" className="btn btn-secondary" onClick={() => update("reset", "")}>
          {t("audit.reset")}
        </button>
      )}
    </form>
  );
}

function FeedItem({ row, staff, href, flashing }: { row: FeedRow; staff: boolean; href: string; flashing: boolean }) {
  const { t, lang, pick } = useI18n();
  return (
    <li className={flashing ? "report-row flash" : "report-row"} data-testid="report-row" data-report-id={row.id} data-status={row.status}>
      <div className="list-item">
        <div className="grow">
          <Link
            className="title"
            to={href}
            data-testid="report-link"
            // "6-НДФЛ" alone is ambiguous in a list of them: the period (and the client) too.
            aria-label={[formName(row, pick), formatPeriod(row, t, lang), staff ? row.organization?.name : null]
              .filter(Boolean)
              .join(", ")}
          >
            {formName(row, pick)}
          </Link>
          <div className="muted">
            <span data-testid="report-period">{formatPeriod(row, t, lang)}</span>
            {" · "}
            {authorityText(row, t)}
            {" · "}
            {row.correction > 0 ? t("reports.correctionN", { n: row.correction }) : t("reports.primary")}
            {staff && row.organization && (
              <>
                {" · "}
                <span data-testid="report-organization">{row.organization.name}</span>
              </>
            )}
          </div>
        </div>
        <div className="report-state">
          <div className="report-badges">
            <ReportStatusBadge status={row.status} />
            {row.beingFixed && <BeingFixedMark />}
            {staff && row.overdue && <OverdueMark />}
            {!staff && needsClient(row) && (
              <span className="badge status-badge needs-you" data-testid="needs-you">
                {t("reports.needsYou")}
              </span>
            )}
          </div>
          <span className="muted small">
            <time dateTime={row.statusAt}>{formatDateTime(row.statusAt, lang)}</time>
            {row.documentCount > 0 && (
              <span data-testid="report-document-count">
                {" · "}
                {t("reports.documentCount", { count: row.documentCount })}
              </span>
            )}
          </span>
        </div>
      </div>
    </li>
  );
}

const PENDING_ROWS = [1, 2, 3];

/** One paged list of the feed ("show more" appends the next page); rows that change live are
 *  replaced in place, or put on top when new to the list and matching its filters. */
function FeedList({
  variables,
  staff,
  live,
  hrefOf,
  testId,
}: {
  variables: ReportsFeedQueryVariables;
  staff: boolean;
  live: Live;
  hrefOf: (row: FeedRow) => string;
  testId: string;
}) {
  const { t } = useI18n();
  const [after, setAfter] = useState<string | null>(null);
  const [rows, setRows] = useState<FeedRow[]>([]);
  const [{ data, fetching, error }] = useQuery({ query: ReportsFeedDocument, variables: { ...variables, first: PAGE, after } });
  const connection = data?.reports;
  useEffect(() => {
    if (!connection) return;
    const page = connection.edges.map((e) => e.node as FeedRow);
    setRows((prev) => {
      if (!after) return page;
      const fresh = new Map(page.map((r) => [r.id, r]));
      const kept = prev.map((r) => fresh.get(r.id) ?? r);
      const known = new Set(prev.map((r) => r.id));
      return kept.concat(page.filter((r) => !known.has(r.id)));
    });
  }, [connection, after]);
  const variablesRef = useRef(variables);
  variablesRef.current = variables;
  useEffect(() => {
    const listener: Listener = (row) =>
      setRows((prev) =>
        prev.some((r) => r.id === row.id)
          ? prev.map((r) => (r.id === row.id ? { ...r, ...row } : r))
          : matches(row, variablesRef.current)
            ? [row, ...prev]
            : prev,
      );
    live.listeners.add(listener);
    return () => {
      live.listeners.delete(listener);
    };
  }, [live.listeners]);

  // Still coming: the first page is being fetched, or it came and is not in `rows` yet (the
  // effect above puts it there after this render).
  const pending = rows.length === 0 && (connection ? connection.edges.length > 0 : fetching);
  return (
    <section className="report-list" aria-label={t("reports.list")} data-testid={testId}>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {pending && (
        <>
          <p className="visually-hidden" role="status">
            {t("common.loading")}
          </p>
          {/* Rows of a real row's height while the first page loads: what is below the feed
              (the drive, the organization) does not jump when the rows come. */}
          <ul className="list" aria-hidden="true" data-testid="reports-pending">
            {PENDING_ROWS.map((n) => (
              <li key={n} className="report-row report-row-pending" />
            ))}
          </ul>
        </>
      )}
      {/* What the filters found, announced to screen readers when a page arrives. */}
      <p className="visually-hidden" aria-live="polite" data-testid="reports-found">
        {connection && !pending
          ? rows.length === 0
            ? t("reports.empty")
            : t(connection.pageInfo.hasNextPage ? "reports.shownMore" : "reports.shown", { n: rows.length })
          : ""}
      </p>
      {connection && connection.edges.length === 0 && rows.length === 0 && (
        <p data-testid="reports-empty">{t("reports.empty")}</p>
      )}
      {rows.length > 0 && (
        <ul className="list">
          {(staff ? rows : clientOrder(rows)).map((row) => (
            <FeedItem key={row.id} row={row} staff={staff} href={hrefOf(row)} flashing={live.flash.has(row.id)} />
          ))}
        </ul>
      )}
      {connection?.pageInfo.hasNextPage && (
        <div className="report-more">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={fetching}
            onClick={() => setAfter(connection.pageInfo.endCursor)}
            data-testid="reports-more"
          >
            {fetching ? t("common.loading") : t("reports.more")}
          </button>
        </div>
      )}
    </section>
  );
}

function feedVariables(filters: Filters, org: string | null, staff: boolean): ReportsFeedQueryVariables {
  return {
    organizationId: org,
    formCode: filters.form || null,
    periodFrom: monthBound(filters.from, false),
    periodTo: monthBound(filters.to, true),
    statuses: filters.status ? [filters.status] : null,
    overdue: staff && filters.overdue ? true : null,
    // The firm sees rejections, clarification requests, errors and overdue fixes first; the
    // client what needs them (a clarification requested, a rejection being fixed).
    orderBy: staff ? "ATTENTION" : "CLIENT_ATTENTION",
    withOrganization: staff,
  };
}

/** The client's home asks for its feed's first page and counts while it still waits for the
 *  organization (whose grants decide whether the feed is shown): the same queries the feed
 *  will make, so it finds them answered or on their way instead of starting a round trip
 *  after the organization's (one round trip less before the feed on a slow network). A
 *  contact without 'reports' gets a refusal that nothing shows. */
export function prefetchClientFeed(client: Client, organizationId: string, params: URLSearchParams): void {
  const variables = { ...feedVariables(readFilters(params), organizationId, false), first: PAGE, after: null };
  client.query(ReportsFeedDocument, variables).toPromise().catch(() => undefined);
  client.query(ReportStatusCountsDocument, { organizationId }).toPromise().catch(() => undefined);
}

/** The status feed: summary counts, filters (in the URL), the paged list, live updates.
 *  A client sees one organization (`organizationId`); staff see every client, filterable. */
export function ReportFeed({
  organizationId,
  staff,
  hrefOf,
}: {
  organizationId: string | null;
  staff: boolean;
  hrefOf: (row: FeedRow) => string;
}) {
  const { t, lang, pick } = useI18n();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const org = staff ? filters.org || null : organizationId;
  const live = useLiveReports(org, staff);

  function update(name: keyof Filters | "reset", value: string) {
    const next = new URLSearchParams(params);
    if (name === "reset") (["form", "status", "from", "to", "org", "overdue"] as const).forEach((k) => next.delete(k));
    else if (value) next.set(name, value);
    else next.delete(name);
    if (next.toString() !== params.toString()) setParams(next, { replace: true });
  }

  const variables = feedVariables(filters, org, staff);
  // A list starts over (page one) whenever its filters change.
  const listKey = JSON.stringify(variables) + `#${live.reloads}`;
  const announced = live.announcement;

  return (
    <div className="report-feed" data-testid="report-feed">
      <StatusSummary organizationId={org} version={live.version} current={filters.status} onPick={(s) => update("status", s)} />
      <FoldedFilters
        id="report-filters"
        active={[filters.form, filters.status, filters.from, filters.to, staff && filters.org, staff && filters.overdue].filter(Boolean).length}
      >
        <FeedFilters filters={filters} staff={staff} update={update} />
      </FoldedFilters>
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="report-announcement">
        {announced
          ? t("reports.changed", {
              form: formName(announced, pick),
              period: formatPeriod(announced, t, lang),
              status: t(REPORT_STATUS_LABEL[announced.status]),
            })
          : ""}
      </p>
      <FeedList key={listKey} variables={variables} staff={staff} live={live} hrefOf={hrefOf} testId="reports-list" />
    </div>
  );
}
