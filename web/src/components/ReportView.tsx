import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useClient, useQuery } from "urql";
import { ReportDetailDocument, ReportStatusChangedDocument } from "../graphql/generated";
import { ErrorAlert } from "./Alert";
import { ReportDocuments } from "./ReportDocuments";
import { BeingFixedMark, OverdueMark, ReportStatusBadge } from "./ReportStatusBadge";
import { EVENT_KIND_LABEL, authorityText, formName, formatDate, formatDateTime, formatPeriod, statusTone } from "../reportLabels";
import { useI18n } from "../i18n";
import { useReconnects } from "../app/client";
import { usePageTitle } from "../app/page";
import { ArrowLeftIcon } from "./Icon";
import { RecordEventForm } from "./RecordEventForm";
import { ReportFollowUps, ReportManagerEditor } from "./ReportFollowUps";
import { useSession } from "../app/session";
import "../reports.css";

/** Refetches the report whenever its status changes (the organization's live channel), and
 *  once more when the channel comes back after dropping (a change may have been missed). */
function useLiveReport(
  organizationId: string | null,
  reportId: string | null,
  onChange: () => void,
  onReconnect: () => void,
) {
  const client = useClient();
  const reconnects = useReconnects();
  useEffect(() => {
    if (reconnects > 0) onReconnect();
  }, [reconnects, onReconnect]);
  useEffect(() => {
    if (!organizationId || !reportId) return;
    const subscription = client.subscription(ReportStatusChangedDocument, { organizationId }).subscribe((result) => {
      if (result.data?.reportStatusChanged.reportId === reportId) onChange();
    });
    return () => subscription.unsubscribe();
  }, [client, organizationId, reportId, onChange]);
}

/** One report: header, the firm's follow-up, the timeline, live, printable. */
export function ReportView({ id, staff, backTo }: { id: string; staff: boolean; backTo: string }) {
  const { t, lang, pick } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ReportDetailDocument, variables: { id } });
  const [flash, setFlash] = useState(false);
  const result = data?.report;
  const report = result?.__typename === "Report" ? result : null;
  const [onChange] = useState(() => () => {
    refetch({ requestPolicy: "network-only" });
    setFlash(true);
    window.setTimeout(() => setFlash(false), 4000);
  });
  // The page's id may be the number (links in notifications) or the global id: compare the latter.
  const [onReconnect] = useState(() => () => refetch({ requestPolicy: "network-only" }));
  const { can } = useSession();
  const reload = onReconnect;
  useLiveReport(report?.organizationId ?? null, report?.id ?? null, onChange, onReconnect);

  usePageTitle(report ? `${formName(report, pick)} · ${formatPeriod(report, t, lang)}` : null);
  const manager = report?.responsibleManager;
  // Staff see when the fix is due; clients only that it is being worked on.
  const due = report?.followUpDue ?? report?.followUps.find((f) => f.status === "open")?.dueDate ?? null;
  return (
    <article className="report-page" data-testid="report-page">
      <div className="page-title no-print">
        <Link to={backTo} data-testid="report-back">
          <ArrowLeftIcon /> {t("reports.back")}
        </Link>
        <button type="button" className="btn btn-secondary" onClick={() => window.print()} data-testid="report-print">
          {t("reports.print")}
        </button>
      </div>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && result.__typename !== "Report" && <ErrorAlert>{result.message}</ErrorAlert>}
      {!result && fetching && <p role="status">{t("common.loading")}</p>}
      {report && (
        <>
          <section className={flash ? "card report-header report-row flash" : "card report-header"} aria-labelledby="report-title">
            <h1 id="report-title" data-testid="report-title">
              {formName(report, pick)} · {formatPeriod(report, t, lang)}
            </h1>
            <dl className="dl">
              <dt>{t("reports.organization")}</dt>
              <dd data-testid="report-organization">{report.organization?.name ?? ""}</dd>
              <dt>{t("reports.authority")}</dt>
              <dd>{authorityText(report, t)}</dd>
              <dt>{t("reports.correction")}</dt>
              <dd>{report.correction > 0 ? t("reports.correctionN", { n: report.correction }) : t("reports.primary")}</dd>
              <dt>{t("reports.manager")}</dt>
              <dd data-testid="report-manager">
                {manager ? manager.displayName || manager.email : t("org.noManager")}{" "}
                {staff && can("reports:manage") && <ReportManagerEditor report={report} onSaved={reload} />}
              </dd>
              <dt>{t("reports.status")}</dt>
              <dd>
                <span className="report-badges" style={{ justifyContent: "flex-start" }}>
                  <ReportStatusBadge status={report.status} />
                  {report.beingFixed && <BeingFixedMark />}
                  {staff && report.overdue && <OverdueMark />}
                </span>{" "}
                <time className="muted" dateTime={report.statusAt}>
                  {formatDateTime(report.statusAt, lang)}
                </time>
              </dd>
            </dl>
            {report.beingFixed && (
              <p className="alert alert-warn" data-testid="being-fixed-note">
                {staff && due
                  ? t("reports.followUpDue", { date: formatDate(due, lang) })
                  : t("reports.beingFixedHint")}
              </p>
            )}
          </section>
          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{t("reports.timeline")}</h2>
            {staff && can("reports:write") && <RecordEventForm reportId={report.id} onRecorded={reload} />}
            {report.timeline.length === 0 ? (
              <p className="muted">{t("reports.noEvents")}</p>
            ) : (
              <ol className="timeline" data-testid="timeline">
                {report.timeline.map((event) => (
                  <li key={event.id} className={`timeline-event tone-${statusTone(event.kind)}`} data-testid="timeline-event" data-kind={event.kind}>
                    <div className="timeline-head">
                      <strong data-testid="event-kind">{t(EVENT_KIND_LABEL[event.kind])}</strong>
                      <time className="muted" dateTime={event.occurredAt}>
                        {formatDateTime(event.occurredAt, lang)}
                      </time>
                      {event.reasonCode && (
                        <span className="muted" data-testid="reason-code">
                          {t("reports.reasonCode", { code: event.reasonCode })}
                        </span>
                      )}
                    </div>
                    {event.text && <p className="timeline-text">{event.text}</p>}
                    <ReportDocuments documents={event.documents} testId="event-documents" explainLocked={false} />
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section className="card" aria-labelledby="documents-title" data-testid="report-documents">
            <h2 id="documents-title">{t("reports.documents")}</h2>
            {report.documents.length === 0 ? (
              <p className="muted">{t("reports.noDocuments")}</p>
            ) : (
              <ReportDocuments documents={report.documents} testId="all-documents" />
            )}
          </section>
          {staff && <ReportFollowUps report={report} onChanged={reload} />}
          <p className="print-only muted">{t("reports.printedAt", { at: formatDateTime(new Date().toISOString(), lang) })}</p>
        </>
      )}
    </article>
  );
}
