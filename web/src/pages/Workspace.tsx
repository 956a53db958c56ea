import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { Shell } from "../components/Shell";
import type { NavItem } from "../components/Shell";
import { useSession } from "../app/session";
import { useT } from "../i18n";

/** The staff navigation: clients and staff for everyone, the firm's settings for its admin. */
export function useWorkspaceNav(): NavItem[] {
  const t = useT();
  const { viewer, staffHere } = useSession();
  // Until the second factor is set up the session may only do that: no navigation.
  if (!staffHere || viewer?.mfaPending) return [];
  const nav = [
    { to: "/clients", label: t("nav.clients") },
    { to: "/reports", label: t("nav.reports") },
  ];
  // Importing events takes reports:write (these default roles); the API refuses anyone else anyway.
  if (["firm_admin", "department_head", "manager", "moderator"].some((r) => staffHere.roles.includes(r))) {
    nav.push({ to: "/reports/import", label: t("nav.reportImport") });
  }
  // The firm admin manages the brand, staff, tokens and security; the API refuses anyone else anyway.
  if (staffHere.roles.includes("firm_admin")) {
    nav.push(
      { to: "/staff", label: t("nav.staff") },
      { to: "/settings/branding", label: t("nav.branding") },
      { to: "/settings/firm", label: t("nav.firmSettings") },
      { to: "/settings/api-tokens", label: t("nav.apiTokens") },
      { to: "/audit/documents", label: t("nav.driveAudit") },
    );
  }
  nav.push({ to: "/account/security", label: t("nav.account") });
  return nav;
}

/** The firm staff's frame: clients, and the brand for those who manage it. */
export function Workspace({ children }: { children: ReactNode }) {
  const { viewer, staffHere } = useSession();
  const nav = useWorkspaceNav();
  if (!viewer) return <Navigate to="/login" replace />;
  if (viewer.mfaPending) return <Navigate to="/account/security" replace />;
  if (!staffHere) return <Navigate to="/" replace />;
  return <Shell nav={nav}>{children}</Shell>;
}
