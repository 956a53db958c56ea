import { useState } from "react";
import { useMutation } from "urql";
import { OpenCabinetDocument } from "../graphql/generated";
import { AuthLayout } from "../components/AuthLayout";
import { ErrorAlert } from "../components/Alert";
import { LogoutButton } from "../components/LogoutButton";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import type { Cabinet } from "../app/session";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { ArrowRightIcon } from "../components/Icon";

const KIND_LABEL: Record<Cabinet["kind"], MessageKey> = {
  STAFF: "cabinet.kind.staff",
  CLIENT: "cabinet.kind.client",
  PERFORMER: "cabinet.kind.performer",
};

/** The hand-off lands on "/" of the firm's host; the fragment survives the redirect and
 *  tells the cabinet which organization was picked. */
export function withCabinetHint(url: string, key: string): string {
  return `${url.split("#")[0]}#cabinet=${encodeURIComponent(key)}`;
}

export function CabinetPickerPage() {
  const t = useT();
  const { viewer } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const [, open] = useMutation(OpenCabinetDocument);
  if (!viewer) return <ToLogin />;

  // Grouped by firm, in the order the API gives (by firm name).
  const groups: { firm: Cabinet["firm"]; cabinets: Cabinet[] }[] = [];
  for (const cabinet of viewer.cabinets) {
    const group = groups.find((g) => g.firm.slug === cabinet.firm.slug);
    if (group) group.cabinets.push(cabinet);
    else groups.push({ firm: cabinet.firm, cabinets: [cabinet] });
  }

  async function choose(cabinet: Cabinet) {
    setError(null);
    setOpening(cabinet.key);
    const result = await open({ key: cabinet.key });
    const outcome = result.data?.openCabinet;
    if (outcome?.__typename === "CabinetOpened") {
      window.location.assign(withCabinetHint(outcome.url, cabinet.key));
      return;
    }
    setOpening(null);
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <AuthLayout title={t("picker.title")} wide>
      <p className="muted">{t("picker.intro", { name: viewer.displayName || viewer.email })}</p>
      <ErrorAlert>{error}</ErrorAlert>
      {groups.length === 0 && <p data-testid="no-cabinets">{t("picker.none")}</p>}
      {groups.map((group) => (
        <section key={group.firm.slug} aria-labelledby={`firm-${group.firm.slug}`}>
          <h3 id={`firm-${group.firm.slug}`}>{group.firm.name}</h3>
          <ul className="list">
            {group.cabinets.map((cabinet) => (
              <li key={cabinet.key}>
                <button
                  type="button"
                  className="list-button"
                  onClick={() => choose(cabinet)}
                  disabled={opening !== null}
                  data-testid="cabinet-option"
                  data-cabinet-key={cabinet.key}
                >
                  <span className="grow">
                    <span className="title">
                      {cabinet.kind === "CLIENT"
                        ? (cabinet.organizationName ?? t("picker.organization", { id: cabinet.organizationId ?? "" }))
                        : group.firm.name}
                    </span>
                    <br />
                    <span className="muted">{t(KIND_LABEL[cabinet.kind])}</span>
                  </span>
                  <span aria-hidden="true">{opening === cabinet.key ? "…" : <ArrowRightIcon />}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <div className="auth-footer">
        <LogoutButton className="btn btn-secondary" />
      </div>
    </AuthLayout>
  );
}
