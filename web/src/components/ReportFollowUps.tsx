import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  CloseReportFollowUpDocument,
  ReassignReportFollowUpDocument,
  ReportStaffDocument,
  SetReportManagerDocument,
} from "../graphql/generated";
import type { ReportDetailQuery } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { formatDate, formatDateTime } from "../i18n/format";
import { useI18n } from "../i18n";
import { useSession } from "../app/session";
import { primaryKeyOf } from "../graphql/ids";
import "../reportEditing.css";

type Report = Extract<NonNullable<ReportDetailQuery["report"]>, { __typename: "Report" }>;
type FollowUp = Report["followUps"][number];
type Person = { id: string; displayName: string | null; email: string | null };

function personName(p: Person | null | undefined): string {
  return p ? p.displayName || p.email || "" : "";
}

/** The firm's active staff (`assignableStaff`), when the viewer may read it. */
function useStaff(): Person[] | null {
  const { can } = useSession();
  const [{ data }] = useQuery({ query: ReportStaffDocument, pause: !(can("clients:write") || can("clients:manage")) });
  return data?.assignableStaff ?? null;
}

function StaffOptions({ staff }: { staff: Person[] }) {
  const { t } = useI18n();
  const { viewer } = useSession();
  const me = viewer ? primaryKeyOf(viewer.id) : null;
  return (
    <>
      {staff.map((p) => (
        <option key={p.id} value={p.id}>
          {primaryKeyOf(p.id) === me ? t("reportEdit.you", { name: personName(p) }) : personName(p)}
        </option>
      ))}
    </>
  );
}

/** Change the report's responsible manager (`setReportManager`; empty: the organization's). */
export function ReportManagerEditor({ report, onSaved }: { report: Report; onSaved: () => void }) {
  const { t } = useI18n();
  const staff = useStaff();
  const [open, setOpen] = useState(false);
  const [manager, setManager] = useState(report.responsibleManager?.id ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, save] = useMutation(SetReportManagerDocument);
  if (!staff) return null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const out = (await save({ reportId: report.id, managerId: manager || null })).data?.setReportManager;
    if (out?.__typename === "Report") {
      setOpen(false);
      setSaved(true);
      onSaved();
      return;
    }
    setError(out && "message" in out ? out.message : t("error.generic"));
  }

  if (!open) {
    return (
      <span className="no-print">
        {saved && <OkAlert>{t("reportEdit.managerSaved")}</OkAlert>}
        <button
          type="button"
          className="btn btn-secondary btn-small"
          onClick={() => {
            setSaved(false);
            setManager(report.responsibleManager?.id ?? "");
            setOpen(true);
          }}
          data-testid="report-manager-change"
        >
          {t("reportEdit.changeManager")}
        </button>
      </span>
    );
  }
  return (
    <form className="inline-form no-print" onSubmit={submit} data-testid="report-manager-form">
      <ErrorAlert id="report-manager-error">{error}</ErrorAlert>
      <label htmlFor="report-manager">{t("reports.manager")}</label>
      <select id="report-manager" value={manager} onChange={(e) => setManager(e.target.value)} aria-describedby={error ? "report-manager-error" : undefined}>
        <option value="">{t("reportEdit.organizationsManager")}</option>
        <StaffOptions staff={staff} />
      </select>
      <button type="submit" className="btn btn-primary btn-small" disabled={fetching} data-testid="report-manager-save">
        {t("common.save")}
      </button>
      <button type="button" className="btn btn-secondary btn-small" onClick={() => setOpen(false)}>
        {t("common.cancel")}
      </button>
    </form>
  );
}

function FollowUpItem({ followUp, staff, onChanged }: { followUp: FollowUp; staff: Person[] | null; onChanged: (message: string) => void }) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const [assignee, setAssignee] = useState(followUp.manager?.id ?? "");
  const [error, setError] = useState<string | null>(null);
  const [{ fetching: closing }, close] = useMutation(CloseReportFollowUpDocument);
  const [{ fetching: moving }, reassign] = useMutation(ReassignReportFollowUpDocument);
  const open = followUp.status === "open";
  const errorId = `follow-up-error-${primaryKeyOf(followUp.id) ?? "x"}`;
  const selectId = `follow-up-assignee-${primaryKeyOf(followUp.id) ?? "x"}`;
  const due = formatDate(followUp.dueDate, lang);

  async function act(run: () => Promise<{ data?: Record<string, unknown> | null }>, field: string, message: string) {
    setError(null);
    const out = (await run()).data?.[field] as { __typename: string; message?: string } | undefined;
    if (out?.__typename === "ReportFollowUpChanged") onChanged(message);
    else setError(out?.message ?? t("error.generic"));
  }

  return (
    <li className="follow-up" data-testid="follow-up" data-status={followUp.status}>
      <div>
        <strong>{open ? t("reports.followUpOpen", { date: due }) : t("reports.followUpDone", { date: due })}</strong>
        {followUp.manager && <span className="muted"> · {t("reportEdit.assignedTo", { name: personName(followUp.manager) })}</span>}
        {followUp.closedAt && <span className="muted"> · {t("reportEdit.closedAt", { at: formatDateTime(followUp.closedAt, lang) })}</span>}
      </div>
      <ErrorAlert id={errorId}>{error}</ErrorAlert>
      {open && (
        <div className="follow-up-actions no-print">
          {can("reports:write") && (
            <button
              type="button"
              className="btn btn-primary btn-small"
              disabled={closing}
              onClick={() => act(() => close({ followUpId: followUp.id }), "closeReportFollowUp", t("reportEdit.closed"))}
              data-testid="follow-up-close"
            >
              {t("reportEdit.close", { date: due })}
            </button>
          )}
          {can("reports:manage") && staff && (
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (assignee) act(() => reassign({ followUpId: followUp.id, managerId: assignee }), "reassignReportFollowUp", t("reportEdit.reassigned"));
              }}
            >
              <label htmlFor={selectId}>{t("reportEdit.assignee")}</label>
              <select id={selectId} value={assignee} onChange={(e) => setAssignee(e.target.value)} aria-describedby={error ? errorId : undefined} data-testid="follow-up-assignee">
                {!followUp.manager && <option value="">{t("reportEdit.chooseAssignee")}</option>}
                <StaffOptions staff={staff} />
              </select>
              <button type="submit" className="btn btn-secondary btn-small" disabled={moving || !assignee} data-testid="follow-up-reassign">
                {t("reportEdit.reassign")}
              </button>
            </form>
          )}
        </div>
      )}
    </li>
  );
}

/** The report's follow-ups (staff): close one when the fix is done, hand one to a colleague. */
export function ReportFollowUps({ report, onChanged }: { report: Report; onChanged: () => void }) {
  const { t } = useI18n();
  const staff = useStaff();
  const [done, setDone] = useState<string | null>(null);
  if (report.followUps.length === 0) return null;
  return (
    <section className="card" aria-labelledby="followups-title" data-testid="follow-ups">
      <h2 id="followups-title">{t("reports.followUps")}</h2>
      <OkAlert>{done}</OkAlert>
      <ul className="follow-ups">
        {report.followUps.map((f) => (
          <FollowUpItem
            key={`${f.id}-${f.status}-${f.manager?.id ?? ""}`}
            followUp={f}
            staff={staff}
            onChanged={(message) => {
              setDone(message);
              onChanged();
            }}
          />
        ))}
      </ul>
    </section>
  );
}
