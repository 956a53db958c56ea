import { useState } from "react";
import { useQuery } from "urql";
import { DriveAccessLogDocument } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { useT } from "../i18n";

const PAGE = 50;

/** The firm admin's record of who viewed or downloaded which file, newest first. */
export function DriveAccessLogPage() {
  const t = useT();
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }] = useQuery({
    query: DriveAccessLogDocument,
    variables: { first: PAGE, after },
    requestPolicy: "network-only",
  });
  const log = data?.driveAccessLog;
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("audit.title")}</h1>
      </div>
      <p className="muted">{t("audit.hint")}</p>
      {error && <ErrorAlert>{error.graphQLErrors[0]?.message ?? t("error.generic")}</ErrorAlert>}
      {fetching && !log && <p role="status">{t("common.loading")}</p>}
      {log && log.edges.length === 0 && <p className="muted">{t("audit.empty")}</p>}
      {log && log.edges.length > 0 && (
        <table className="table" data-testid="access-log">
          <thead>
            <tr>
              <th>{t("audit.when")}</th>
              <th>{t("audit.who")}</th>
              <th>{t("audit.organization")}</th>
              <th>{t("audit.file")}</th>
              <th>{t("audit.action")}</th>
            </tr>
          </thead>
          <tbody>
            {log.edges.map(({ node }) => (
              <tr key={node.id} data-testid="access-row">
                <td>{new Date(node.at).toLocaleString()}</td>
                <td>{node.person ? node.person.displayName || node.person.email : t("audit.apiToken")}</td>
                <td>{node.organizationName ?? ""}</td>
                <td>{node.fileName ?? ""}</td>
                <td data-testid="access-action">{node.action === "VIEW" ? t("audit.view") : t("audit.download")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        {after && (
          <button type="button" className="btn btn-secondary" onClick={() => setAfter(null)}>
            {t("audit.first")}
          </button>
        )}
        {log?.pageInfo.hasNextPage && (
          <button type="button" className="btn btn-secondary" onClick={() => setAfter(log.pageInfo.endCursor ?? null)}>
            {t("audit.next")}
          </button>
        )}
      </div>
    </Workspace>
  );
}
