import { Navigate } from "react-router";
import { useSession } from "../app/session";
import { rememberedOrganization } from "../app/organization";
import { FullPageMessage } from "../components/FullPageMessage";
import { LogoutButton } from "../components/LogoutButton";
import { useT } from "../i18n";

/** "/" sends each person where they belong at this host. */
export function HomePage() {
  const t = useT();
  const { viewer, firm, staffHere, clientHere, performerHere } = useSession();
  if (!viewer) return <Navigate to="/login" replace />;
  if (viewer.mfaPending) return <Navigate to="/account/security" replace />;
  if (!firm) return <Navigate to="/cabinets" replace />;

  // Arriving from the cabinet picker: the fragment names the cabinet that was chosen.
  const hint = new URLSearchParams(window.location.hash.slice(1)).get("cabinet");
  const hinted = hint ? clientHere.find((c) => c.key === hint) : undefined;
  if (hinted) return <Navigate to={`/cabinet/${hinted.organizationId}`} replace />;
  if (staffHere && hint !== null && hint.endsWith(":staff")) return <Navigate to="/clients" replace />;

  if (performerHere && hint !== null && hint === performerHere.key) return <Navigate to="/performer" replace />;

  if (staffHere) return <Navigate to="/clients" replace />;
  const client = rememberedOrganization(clientHere);
  if (client) return <Navigate to={`/cabinet/${client.organizationId}`} replace />;
  if (performerHere) return <Navigate to="/performer" replace />;
  if (viewer.cabinets.length > 0) return <Navigate to="/cabinets" replace />;
  return (
    <FullPageMessage title={t("home.noCabinet")}>
      <LogoutButton />
    </FullPageMessage>
  );
}
