import { useEffect } from "react";
import { Link, Navigate, useNavigate, useParams, useSearchParams } from "react-router";
import { useClient, useQuery } from "urql";
import { ClientOrganizationDocument, ClientOrganizationsDocument } from "../graphql/generated";
import { globalIdOf, primaryKeyOf } from "../graphql/ids";
import { Shell } from "../components/Shell";
import { ErrorAlert } from "../components/Alert";
import { ContactsPanel } from "../components/ContactsPanel";
import { ManagerCard } from "../components/ContactCard";
import { OrganizationDetails } from "../components/OrganizationDetails";
import { DriveBrowser } from "../components/DriveBrowser";
import { ReportFeed, prefetchClientFeed } from "../components/ReportFeed";
import { ChatLink } from "../components/ChatLink";
import { NeedsYouPanel, useClientNeeds } from "../components/NeedsYouPanel";
import { reportPath } from "../reportLabels";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { rememberOrganization, rememberedOrganization } from "../app/organization";
import { useModules } from "../app/modules";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";

/** Switches between the organizations the person represents at this firm. Their names come
 *  from `clientOrganizations`, which shows a contact only its own organizations. */
function OrganizationSwitcher({ current }: { current: number }) {
  const t = useT();
  const navigate = useNavigate();
  const { clientHere } = useSession();
  const [{ data }] = useQuery({ query: ClientOrganizationsDocument, variables: { first: 100 }, pause: clientHere.length < 2 });
  if (clientHere.length < 2) return null;
  const names = new Map((data?.clientOrganizations.edges ?? []).map(({ node }) => [primaryKeyOf(node.id), node.name]));
  return (
    <div className="org-switch">
      <label htmlFor="org-switch">{t("shell.organization")}</label>
      <select
        id="org-switch"
        value={current}
        onChange={(e) => navigate(`/cabinet/${e.target.value}`)}
        data-testid="org-switch"
      >
        {clientHere.map((c) => (
          <option key={c.key} value={c.organizationId ?? ""}>
            {c.organizationName ?? names.get(String(c.organizationId)) ?? t("picker.organization", { id: c.organizationId ?? "" })}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The client's cabinet for one organization. Its home is the report status feed; below it the
 *  drive, who serves the organization and what the person may use, and (for the
 *  person allowed to manage them, `client_contacts:manage`) its contact persons. */
export function ClientCabinetPage() {
  const t = useT();
  const modules = useModules();
  const { orgId } = useParams();
  const { viewer, clientHere } = useSession();
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data, error }, refetch] = useQuery({
    query: ClientOrganizationDocument,
    variables: { id: orgId ?? "" },
    pause: !cabinet,
  });
  useEffect(() => {
    if (!cabinet) return;
    rememberOrganization(cabinet);
  }, [cabinet]);
  // What needs the client and the feed's queries start with the organization's, not after it
  // (one round trip less before the feed on a slow network).
  const client = useClient();
  const [params] = useSearchParams();
  const prefetchFor = cabinet?.organizationId ?? null;
  const needs = useClientNeeds(prefetchFor === null ? null : globalIdOf("ClientOrganization", prefetchFor));
  useEffect(() => {
    if (prefetchFor !== null) prefetchClientFeed(client, globalIdOf("ClientOrganization", prefetchFor), params);
    // Once per organization: a filter changed later is the feed's own business.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, prefetchFor]);
  usePageTitle(data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization.name : cabinet?.organizationName);
  if (!viewer) return <ToLogin />;
  if (!cabinet) {
    const fallback = rememberedOrganization(clientHere);
    return <Navigate to={fallback ? `/cabinet/${fallback.organizationId}` : "/cabinets"} replace />;
  }
  const result = data?.clientOrganization;
  const org = result?.__typename === "ClientOrganization" ? result : null;
  // What the API says this person may do here (`viewerPermissions`), never a role's name.
  const managesContacts = org?.viewerPermissions.includes("client_contacts:manage") ?? false;

  return (
    <Shell nav={[]} tools={<OrganizationSwitcher current={cabinet.organizationId ?? 0} />}>
      <div className="page-title">
        <h1 data-testid="organization-name">{org?.name ?? cabinet.organizationName ?? ""}</h1>
      </div>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && result.__typename !== "ClientOrganization" && <ErrorAlert>{result.message}</ErrorAlert>}
      {(!org || !needs.ready) && !error && <p role="status">{t("common.loading")}</p>}
      {org && needs.ready && (
        <>
          <nav aria-label={t("cabinet.sections")}>
            <ul className="cabinet-sections">
              {org.viewerGrants.includes("REPORTS") && (
                <li>
                  <a href="#reports">{t("module.reports")}</a>
                </li>
              )}
              {org.viewerGrants.includes("DOCUMENTS") && (
                <li>
                  <a href="#documents">{t("drive.title")}</a>
                </li>
              )}
              {org.viewerGrants.includes("CHAT") && (
                <li>
                  <ChatLink organizationId={String(cabinet.organizationId)} to={`/cabinet/${cabinet.organizationId}/chat`} />
                </li>
              )}
              {(org.viewerGrants.includes("REPORTS") || org.viewerGrants.includes("REQUESTS")) && (
                <li>
                  <Link to={`/cabinet/${cabinet.organizationId}/calendar`} data-testid="calendar-link">
                    {t("calendar.title")}
                  </Link>
                </li>
              )}
              {org.viewerGrants.includes("REQUESTS") && (
                <>
                  <li>
                    <Link to={`/cabinet/${cabinet.organizationId}/services`} data-testid="services-link">
                      {t("nav.services")}
                    </Link>
                  </li>
                  <li>
                    <Link to={`/cabinet/${cabinet.organizationId}/requests`} data-testid="my-requests-link">
                      {t("nav.myRequests")}
                    </Link>
                  </li>
                </>
              )}
              {org.viewerGrants.includes("PERFORMERS") && (
                <li>
                  <Link to={`/cabinet/${cabinet.organizationId}/performers`} data-testid="performers-link">
                    {t("nav.performers")}
                  </Link>
                </li>
              )}
              <li>
                <a href="#organization">{t("client.organization")}</a>
              </li>
            </ul>
          </nav>
          <NeedsYouPanel
            needs={needs}
            cabinetPath={`/cabinet/${cabinet.organizationId}`}
            withReports={org.viewerGrants.includes("REPORTS")}
            withChat={org.viewerGrants.includes("CHAT")}
          />
          {org.viewerGrants.includes("REPORTS") && (
            <section className="card" id="reports" aria-labelledby="reports-title">
              <h2 id="reports-title">{t("reports.feedTitle")}</h2>
              <ReportFeed
                key={org.id}
                organizationId={org.id}
                staff={false}
                hrefOf={(row) => `/cabinet/${cabinet.organizationId}/reports/${reportPath(row.id)}`}
              />
            </section>
          )}
          {org.viewerGrants.includes("DOCUMENTS") && (
            <div id="documents">
              <DriveBrowser organizationId={org.id} staff={false} />
            </div>
          )}
          <div className="grid-2" id="organization">
            <ManagerCard manager={org.responsibleManager} />
            <section className="card" aria-labelledby="org-title">
              <h2 id="org-title">{t("client.organization")}</h2>
              <OrganizationDetails org={org} />
            </section>
            <section className="card" aria-labelledby="access-title">
              <h2 id="access-title">{t("client.yourAccess")}</h2>
              {org.viewerGrants.length && !modules.available ? (
                // The page's data may come with the HTML shell before the modules' names do:
                // keep the list's room without showing the API's codes.
                <ul aria-busy="true">
                  {org.viewerGrants.map((m) => (
                    <li key={m}>&nbsp;</li>
                  ))}
                </ul>
              ) : org.viewerGrants.length ? (
                <ul data-testid="viewer-grants">
                  {org.viewerGrants.map((m) => (
                    <li key={m}>{modules.label(m)}</li>
                  ))}
                </ul>
              ) : (
                <p className="muted">{t("client.noAccess")}</p>
              )}
              <p className="muted">{t("client.accessHint")}</p>
            </section>
          </div>
          {managesContacts && (
            <ContactsPanel
              organizationId={org.id}
              contacts={org.contacts}
              enabledModules={org.enabledModules}
              canInviteAdmin={false}
              onChanged={() => refetch({ requestPolicy: "network-only" })}
            />
          )}
        </>
      )}
    </Shell>
  );
}
