import { Workspace } from "./Workspace";
import { ReportFeed } from "../components/ReportFeed";
import { reportPath } from "../reportLabels";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";

/** The firm's view of the feed: every client's reports, those needing attention first. */
export function ReportsPage() {
  const t = useT();
  usePageTitle(t("reports.title"));
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("reports.title")}</h1>
      </div>
      <p className="muted">{t("reports.staffHint")}</p>
      <ReportFeed organizationId={null} staff hrefOf={(row) => `/reports/${reportPath(row.id)}`} />
    </Workspace>
  );
}
