import { useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  ArchiveClientOrganizationDocument,
  ClientOrganizationDocument,
  RestoreClientOrganizationDocument,
} from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { ContactsPanel } from "../components/ContactsPanel";
import { OrganizationDetails } from "../components/OrganizationDetails";
import { DriveBrowser } from "../components/DriveBrowser";
import { ChatLink } from "../components/ChatLink";
import { ClientCardChat } from "./ChatPage";
import { CalendarPanel } from "../components/CalendarPanel";
import { primaryKeyOf } from "../graphql/ids";
import { ManagersEditor, ModulesEditor, OrganizationEditForm } from "../components/ClientEditing";
import { ContactCardEditor } from "../components/ContactCard";
import type { CardPerson } from "../components/ContactCard";
import { useModules } from "../app/modules";
import { useSession } from "../app/session";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";
import { ArrowLeftIcon } from "../components/Icon";

export function ClientCardPage() {
  const t = useT();
  const modules = useModules();
  const { id = "" } = useParams();
  const [{ data, error }, refetch] = useQuery({ query: ClientOrganizationDocument, variables: { id } });
  const result = data?.clientOrganization;
  const org = result?.__typename === "ClientOrganization" ? result : null;
  usePageTitle(org?.name);
  const { can } = useSession();
  // The firm's contact cards: staff holding members:manage or clients:manage.
  const canEditCards = can("members:manage") || can("clients:manage");
  const refresh = () => refetch({ requestPolicy: "network-only" });
  return (
    <Workspace>
      <p>
        <Link to="/clients">
          <ArrowLeftIcon /> {t("clients.backToList")}
        </Link>
      </p>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && result.__typename !== "ClientOrganization" && <ErrorAlert>{result.message}</ErrorAlert>}
      {!result && !error && <p role="status">{t("common.loading")}</p>}
      {org && (
        <>
          <div className="page-title">
            <h1 data-testid="organization-name">{org.name}</h1>
            {org.status === "ARCHIVED" && (
              <span className="badge badge-grey" data-testid="archived-badge">
                {t("clients.statusArchived")}
              </span>
            )}
            {org.viewerPermissions.includes("clients:manage") && (
              <ArchiveButton
                id={org.id}
                name={org.name}
                archived={org.status === "ARCHIVED"}
                onChanged={() => refetch({ requestPolicy: "network-only" })}
              />
            )}
          </div>
          <nav aria-label={t("clients.goTo")}>
            <ul className="client-links" data-testid="client-links">
              <li>
                <Link to={`/reports?org=${encodeURIComponent(org.id)}`} data-testid="client-reports-link">
                  {t("clients.linkReports")}
                </Link>
              </li>
              {can("chat:read") && org.enabledModules.includes("CHAT") && (
                <li>
                  <ChatLink organizationId={org.id} to={`/chat/${primaryKeyOf(org.id) ?? encodeURIComponent(org.id)}`} />
                </li>
              )}
              <li>
                <a href={`#calendar-next-${org.id}`}>{t("calendar.title")}</a>
              </li>
              {can("requests:manage") && org.enabledModules.includes("REQUESTS") && (
                <li>
                  <Link to={`/clients/${primaryKeyOf(org.id) ?? ""}/catalog`} data-testid="client-catalog-link">
                    {t("catalog.clientLink")}
                  </Link>
                </li>
              )}
              <li>
                <a href="#drive-title">{t("clients.linkDrive")}</a>
              </li>
              <li>
                <a href="#contacts-title">{t("clients.linkContacts")}</a>
              </li>
            </ul>
          </nav>
          <div className="grid-2">
            <section className="card" aria-labelledby="card-details">
              <h2 id="card-details">{t("client.organization")}</h2>
              <OrganizationDetails org={org} />
              {org.viewerPermissions.includes("clients:write") && org.status === "ACTIVE" && (
                <OrganizationEditForm org={org} onSaved={refresh} />
              )}
            </section>
            <section className="card" aria-labelledby="card-managers">
              <h2 id="card-managers">{t("clients.managersTitle")}</h2>
              {org.responsibleManager ? (
                <StaffCardLine person={org.responsibleManager} canEdit={canEditCards} onSaved={refresh} testId="card-manager" />
              ) : (
                <p className="muted">{t("org.noManager")}</p>
              )}
              {org.moderators.length > 0 && (
                <>
                  <h3>{t("org.moderators")}</h3>
                  {org.moderators.map((m) => (
                    <StaffCardLine key={m.id} person={m} canEdit={canEditCards} onSaved={refresh} testId="card-moderator" />
                  ))}
                </>
              )}
              {org.viewerPermissions.includes("clients:manage") && <ManagersEditor org={org} onSaved={refresh} />}
            </section>
            <section className="card" aria-labelledby="card-modules">
              <h2 id="card-modules">{t("clients.enabledModules")}</h2>
              <ul>
                {org.enabledModules.map((m) => (
                  <li key={m}>{modules.label(m)}</li>
                ))}
              </ul>
              {org.viewerPermissions.includes("clients:write") && org.status === "ACTIVE" && <ModulesEditor org={org} onSaved={refresh} />}
            </section>
          </div>
          <ContactsPanel
            organizationId={org.id}
            contacts={org.contacts}
            enabledModules={org.enabledModules}
            canInviteAdmin
            canEditCards={canEditCards}
            onChanged={refresh}
          />
          <div className="grid-2" data-testid="client-calendar">
            <CalendarPanel
              organizationId={org.id}
              canSetExchange={org.viewerPermissions.includes("clients:write") && org.status === "ACTIVE"}
            />
          </div>
          {can("chat:read") && org.enabledModules.includes("CHAT") && <ClientCardChat organizationId={org.id} />}
          <DriveBrowser organizationId={org.id} staff />
        </>
      )}
    </Workspace>
  );
}

/** Archive (contacts stop seeing the organization) or bring it back. */
function ArchiveButton({
  id,
  name,
  archived,
  onChanged,
}: {
  id: string;
  name: string;
  archived: boolean;
  onChanged: () => void;
}) {
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [{ fetching: archiving }, archive] = useMutation(ArchiveClientOrganizationDocument);
  const [{ fetching: restoring }, restore] = useMutation(RestoreClientOrganizationDocument);

  async function toggle() {
    setError(null);
    setDone(null);
    if (!archived && !window.confirm(t("client.archiveConfirm", { name }))) return;
    const result = archived ? await restore({ id }) : await archive({ id });
    const outcome = result.data ? ("archiveClientOrganization" in result.data ? result.data.archiveClientOrganization : result.data.restoreClientOrganization) : null;
    if (outcome?.__typename === "ClientOrganization") {
      setDone(archived ? t("client.restored") : t("client.archived"));
      onChanged();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <div className="actions">
      <button
        type="button"
        className="btn btn-secondary"
        disabled={archiving || restoring}
        onClick={toggle}
        data-testid={archived ? "restore-client" : "archive-client"}
      >
        {archived ? t("client.restore") : t("client.archive")}
      </button>
      {done && <OkAlert>{done}</OkAlert>}
      <ErrorAlert>{error}</ErrorAlert>
    </div>
  );
}

/** A staff member serving the client, with the firm's contact card (and its editor). */
function StaffCardLine({ person, canEdit, onSaved, testId }: { person: CardPerson; canEdit: boolean; onSaved: () => void; testId: string }) {
  return (
    <div className="contact-card-line" data-testid={testId}>
      <div className="title">{person.displayName || person.email}</div>
      <div className="muted">{[person.label, person.phone, person.email].filter(Boolean).join(" · ")}</div>
      {person.note && <div className="muted">{person.note}</div>}
      {canEdit && <ContactCardEditor person={person} onSaved={onSaved} />}
    </div>
  );
}
