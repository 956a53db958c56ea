import { Workspace } from "./Workspace";
import { ReportFeed } from "../components/ReportFeed";
import { reportPath } from "../reportLabels";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";
import { useSession } from "../app/session";
import { NewReportForm } from "../components/NewReportForm";
import { useState } from "react";
import { useSearchParams } from "react-router";

/** The firm's view of the feed: every client's reports, those needing attention first. */
export function ReportsPage() {
  const t = useT();
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  // The feed filtered by a client (its card links here): the new report is that client's.
  const [params] = useSearchParams();
  const org = params.get("org") || undefined;
  usePageTitle(t("reports.title"));
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("reports.title")}</h1>
        {can("reports:write") && !creating && (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-testid="new-report-open">
            {t("newReport.open")}
          </button>
        )}
      </div>
      {creating && <NewReportForm key={org ?? ""} organizationId={org} onCancel={() => setCreating(false)} />}
      <p className="muted">{t("reports.staffHint")}</p>
      <ReportFeed organizationId={null} staff hrefOf={(row) => `/reports/${reportPath(row.id)}`} />
    </Workspace>
  );
}
