import type { ClientOrganizationQuery } from "../graphql/generated";
import { LEGAL_FORM_LABEL, TAX_REGIME_LABEL, isIndividual } from "../labels";
import { useT } from "../i18n";

export type Organization = Extract<ClientOrganizationQuery["clientOrganization"], { __typename: "ClientOrganization" }>;

/** Name, numbers, tax regime and the people responsible at the firm. */
export function OrganizationDetails({ org }: { org: Organization }) {
  const t = useT();
  const individual = isIndividual(org.legalForm);
  const manager = org.responsibleManager;
  return (
    <dl className="dl" data-testid="organization-details">
      <dt>{t("org.legalForm")}</dt>
      <dd>{t(LEGAL_FORM_LABEL[org.legalForm])}</dd>
      <dt>{t("org.inn")}</dt>
      <dd>{org.inn}</dd>
      {!individual && (
        <>
          <dt>{t("org.kpp")}</dt>
          <dd>{org.kpp || "—"}</dd>
        </>
      )}
      <dt>{individual ? t("org.ogrnip") : t("org.ogrn")}</dt>
      <dd>{org.ogrn}</dd>
      <dt>{t("org.taxRegime")}</dt>
      <dd>{t(TAX_REGIME_LABEL[org.taxRegime])}</dd>
      <dt>{t("org.manager")}</dt>
      <dd>{manager ? manager.displayName || manager.email : t("org.noManager")}</dd>
      {org.moderators.length > 0 && (
        <>
          <dt>{t("org.moderators")}</dt>
          <dd>{org.moderators.map((m) => m.displayName || m.email).join(", ")}</dd>
        </>
      )}
    </dl>
  );
}
