import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import { ClientOrganizationDocument } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { ContactsPanel } from "../components/ContactsPanel";
import { OrganizationDetails } from "../components/OrganizationDetails";
import { MODULE_LABEL } from "../labels";
import { useT } from "../i18n";

export function ClientCardPage() {
  const t = useT();
  const { id = "" } = useParams();
  const [{ data, error }, refetch] = useQuery({ query: ClientOrganizationDocument, variables: { id } });
  const result = data?.clientOrganization;
  const org = result?.__typename === "ClientOrganization" ? result : null;
  return (
    <Workspace>
      <p>
        <Link to="/clients">← {t("clients.backToList")}</Link>
      </p>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && result.__typename !== "ClientOrganization" && <ErrorAlert>{result.message}</ErrorAlert>}
      {!result && !error && <p role="status">{t("common.loading")}</p>}
      {org && (
        <>
          <div className="page-title">
            <h1 data-testid="organization-name">{org.name}</h1>
            {org.status === "ARCHIVED" && <span className="badge badge-grey">{t("clients.statusArchived")}</span>}
          </div>
          <div className="grid-2">
            <section className="card" aria-labelledby="card-details">
              <h2 id="card-details">{t("client.organization")}</h2>
              <OrganizationDetails org={org} />
            </section>
            <section className="card" aria-labelledby="card-modules">
              <h2 id="card-modules">{t("clients.enabledModules")}</h2>
              <ul>
                {org.enabledModules.map((m) => (
                  <li key={m}>{t(MODULE_LABEL[m])}</li>
                ))}
              </ul>
            </section>
          </div>
          <ContactsPanel
            organizationId={org.id}
            contacts={org.contacts}
            enabledModules={org.enabledModules}
            canInviteAdmin
            onChanged={() => refetch({ requestPolicy: "network-only" })}
          />
        </>
      )}
    </Workspace>
  );
}
