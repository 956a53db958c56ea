import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { ClientOrganizationsDocument } from "../graphql/generated";
import type { ClientOrganizationStatus, TaxRegime } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { primaryKeyOf } from "../graphql/ids";
import { ErrorAlert } from "../components/Alert";
import { FoldedFilters } from "../components/FoldedFilters";
import { useSession } from "../app/session";
import { LEGAL_FORM_LABEL, TAX_REGIMES, TAX_REGIME_LABEL } from "../labels";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";

const PAGE = 25;

export function ClientListPage() {
  const t = useT();
  usePageTitle(t("clients.title"));
  const { viewer, can } = useSession();
  // Filters live in the URL: a filtered list can be bookmarked and survives a reload.
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const status = (params.get("status") as ClientOrganizationStatus | null) ?? "ACTIVE";
  const taxRegime = (params.get("tax") as TaxRegime | null) || null;
  const mine = params.get("mine") === "1";
  const [typed, setTyped] = useState(search);
  const [after, setAfter] = useState<string | null>(null);

  useEffect(() => {
    // Searching waits for a pause in typing.
    const timer = window.setTimeout(() => {
      // A click on a client may have left the list in this very moment: stay there.
      if (window.location.pathname === "/clients") update("q", typed.trim());
    }, 300);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);

  function update(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (next.toString() !== params.toString()) {
      setAfter(null);
      setParams(next, { replace: true });
    }
  }

  const managerId = mine && viewer ? primaryKeyOf(viewer.id) : null;
  const [{ data, fetching, error }] = useQuery({
    query: ClientOrganizationsDocument,
    variables: { search: search || null, status, taxRegime, responsibleManagerId: managerId, first: PAGE, after },
  });
  const connection = data?.clientOrganizations;

  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("clients.title")}</h1>
        {can("clients:write") && (
          <Link className="btn btn-primary" to="/clients/new">
            {t("clients.new")}
          </Link>
        )}
      </div>
      {/* On a phone the filters fold behind a button that says how many are set. */}
      <FoldedFilters id="client-filters" active={[search, status !== "ACTIVE", taxRegime, mine].filter(Boolean).length}>
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor="clients-search">{t("clients.search")}</label>
            <input
              id="clients-search"
              type="search"
              value={typed}
              placeholder={t("clients.searchPlaceholder")}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="clients-status">{t("clients.status")}</label>
            <select id="clients-status" value={status} onChange={(e) => update("status", e.target.value === "ACTIVE" ? "" : e.target.value)}>
              <option value="ACTIVE">{t("clients.statusActive")}</option>
              <option value="ARCHIVED">{t("clients.statusArchived")}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="clients-tax">{t("org.taxRegime")}</label>
            <select id="clients-tax" value={taxRegime ?? ""} onChange={(e) => update("tax", e.target.value)}>
              <option value="">{t("clients.anyTaxRegime")}</option>
              {TAX_REGIMES.map((regime) => (
                <option key={regime} value={regime}>
                  {t(TAX_REGIME_LABEL[regime])}
                </option>
              ))}
            </select>
          </div>
          <div className="checkbox">
            <input id="clients-mine" type="checkbox" checked={mine} onChange={(e) => update("mine", e.target.checked ? "1" : "")} />
            <label htmlFor="clients-mine">{t("clients.mine")}</label>
          </div>
        </form>
      </FoldedFilters>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {connection && (
        <p className="muted" role="status" data-testid="clients-count">
          {t("clients.count", { count: connection.totalCount })}
        </p>
      )}
      {connection && connection.edges.length === 0 && <p>{t("clients.empty")}</p>}
      {connection && connection.edges.length > 0 && (
        <ul className="list" data-testid="client-list">
          {connection.edges.map(({ node }) => (
            <li key={node.id}>
              <div className="list-item">
                <div className="grow">
                  <Link className="title" to={`/clients/${encodeURIComponent(node.id)}`}>
                    {node.name}
                  </Link>
                  <div className="muted">
                    {t(LEGAL_FORM_LABEL[node.legalForm])} · {t("org.inn")} {node.inn}
                    {node.kpp ? ` · ${t("org.kpp")} ${node.kpp}` : ""}
                  </div>
                </div>
                <span className="badge">{t(TAX_REGIME_LABEL[node.taxRegime])}</span>
                {node.status === "ARCHIVED" && <span className="badge badge-grey">{t("clients.statusArchived")}</span>}
                <span className="muted">
                  {node.responsibleManager ? node.responsibleManager.displayName || node.responsibleManager.email : t("org.noManager")}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {(connection?.pageInfo.hasNextPage || after) && (
        <div className="filters">
          {after && (
            <button type="button" className="btn btn-secondary" onClick={() => setAfter(null)}>
              {t("clients.firstPage")}
            </button>
          )}
          {connection?.pageInfo.hasNextPage && (
            <button type="button" className="btn btn-secondary" disabled={fetching} onClick={() => setAfter(connection.pageInfo.endCursor)}>
              {t("clients.nextPage")}
            </button>
          )}
        </div>
      )}
    </Workspace>
  );
}
