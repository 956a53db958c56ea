import { Link, Navigate, useParams } from "react-router";
import { Shell } from "../components/Shell";
import { ReportView } from "../components/ReportView";
import { Workspace } from "./Workspace";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { useCabinetNav } from "../app/cabinetNav";
import { useI18n } from "../i18n";

/** A report in the firm's workspace (`/reports/:id`). */
export function StaffReportPage() {
  const { id } = useParams();
  const { can } = useSession();
  const { t } = useI18n();
  return (
    <Workspace>
      <ReportView key={id} id={id ?? ""} staff backTo="/reports" />
      {id && can("chat:read") && (
        <p>
          <Link to={`/chat/report/${encodeURIComponent(id)}`} data-testid="report-chat-link">
            {t("chat.reportConversation")}
          </Link>
        </p>
      )}
    </Workspace>
  );
}

/** A report in the client cabinet (`/cabinet/:orgId/reports/:id`). */
export function ClientReportPage() {
  const { orgId, id } = useParams();
  const { t } = useI18n();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  if (!viewer) return <ToLogin />;
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  if (!cabinet) return <Navigate to="/cabinet" replace />;
  // The chat's entry is in the navigation when the person holds the grant.
  const chat = nav.some((item) => item.to === `/cabinet/${orgId}/chat`);
  return (
    <Shell nav={nav}>
      <ReportView key={id} id={id ?? ""} staff={false} backTo={`/cabinet/${orgId}`} />
      {id && chat && (
        <p>
          <Link to={`/cabinet/${orgId}/chat/report/${encodeURIComponent(id)}`} data-testid="report-chat-link">
            {t("chat.reportConversation")}
          </Link>
        </p>
      )}
    </Shell>
  );
}
