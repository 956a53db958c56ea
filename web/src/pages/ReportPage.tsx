import { Navigate, useParams } from "react-router";
import { Shell } from "../components/Shell";
import { ReportView } from "../components/ReportView";
import { Workspace } from "./Workspace";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { useCabinetNav } from "../app/cabinetNav";

/** A report in the firm's workspace (`/reports/:id`). */
export function StaffReportPage() {
  const { id } = useParams();
  return (
    <Workspace>
      <ReportView key={id} id={id ?? ""} staff backTo="/reports" />
    </Workspace>
  );
}

/** A report in the client cabinet (`/cabinet/:orgId/reports/:id`). */
export function ClientReportPage() {
  const { orgId, id } = useParams();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  if (!viewer) return <ToLogin />;
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  if (!cabinet) return <Navigate to="/cabinet" replace />;
  return (
    <Shell nav={nav}>
      <ReportView key={id} id={id ?? ""} staff={false} backTo={`/cabinet/${orgId}`} />
    </Shell>
  );
}
