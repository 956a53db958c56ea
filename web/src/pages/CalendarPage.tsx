// The client's calendar for one organization: the next 15 days, the tax calendar of the year
// with what the firm files and when, and the person's own iCalendar link. Contacts holding the
// 'reports' or the 'requests' grant of the organization (the tax calendar needs 'reports').
import { Link, Navigate, useParams } from "react-router";
import { useQuery } from "urql";
import { ClientOrganizationDocument } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { ErrorAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { CalendarFeedLink, CalendarPanel } from "../components/CalendarPanel";
import { useSession } from "../app/session";
import { usePageTitle } from "../app/page";
import { useT } from "../i18n";
import { useCabinetNav } from "../app/cabinetNav";

export function ClientCalendarPage() {
  const t = useT();
  const { orgId = "" } = useParams();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId }, pause: !cabinet });
  const org = data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization : null;
  const reports = org?.viewerGrants.includes("REPORTS") ?? false;
  // The next 15 days hold the filings ('reports') and the requests' deadlines ('requests').
  const granted = reports || (org?.viewerGrants.includes("REQUESTS") ?? false);
  const name = org?.name ?? cabinet?.organizationName ?? "";
  usePageTitle(name ? `${t("calendar.title")}: ${name}` : t("calendar.title"));
  if (!viewer) return <Navigate to="/login" replace />;
  if (!cabinet) return <Navigate to="/" replace />;
  return (
    <Shell nav={nav}>
      <p>
        <Link to={`/cabinet/${orgId}`}>
          <ArrowLeftIcon /> {name || t("calendar.backToCabinet")}
        </Link>
      </p>
      <div className="page-title">
        <h1>{t("calendar.title")}</h1>
      </div>
      {org && !granted && <ErrorAlert>{t("calendar.noAccess")}</ErrorAlert>}
      {org && granted && (
        <>
          <CalendarPanel organizationId={org.id} canSetExchange={false} withTax={reports} />
          <CalendarFeedLink />
        </>
      )}
    </Shell>
  );
}
