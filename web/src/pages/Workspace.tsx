import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { Shell } from "../components/Shell";
import type { NavItem } from "../components/Shell";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { useT } from "../i18n";
import { useChatUnread } from "../chat/unread";

/** The staff navigation: each entry shows when the viewer holds the permission its page needs
 * (`viewer.permissions`), whatever the role granting it is called; the API checks again. */
export function useWorkspaceNav(): NavItem[] {
  const t = useT();
  const { viewer, staffHere, can } = useSession();
  const unread = useChatUnread(!staffHere || !!viewer?.mfaPending || !can("chat:read"));
  // Until the second factor is set up the session may only do that: no navigation.
  if (!staffHere || viewer?.mfaPending) return [];
  const entries: [string, string, boolean][] = [
    ["/clients", t("nav.clients"), can("clients:read")],
    ["/chat", t("nav.chat"), can("chat:read")],
    ["/reports", t("nav.reports"), can("reports:read")],
    ["/reports/import", t("nav.reportImport"), can("reports:write")],
    ["/requests", t("nav.requestBoard"), can("requests:read")],
    ["/performers", t("nav.performers"), can("performers:read")],
    ["/staff", t("nav.staff"), can("members:manage")],
    ["/settings/branding", t("nav.branding"), can("branding:manage")],
    ["/settings/firm", t("nav.firmSettings"), can("firm:manage")],
    ["/settings/requests", t("nav.requestSettings"), can("requests:manage")],
    ["/settings/api-tokens", t("nav.apiTokens"), can("tokens:manage")],
    ["/audit/documents", t("nav.driveAudit"), can("documents:manage") || can("audit:read")],
    ["/audit/log", t("nav.auditLog"), can("audit:read")],
    ["/account/security", t("nav.account"), true],
  ];
  const badge = unread ? { count: unread, label: t("chat.unreadN", { count: unread }) } : null;
  return entries.filter(([, , shown]) => shown).map(([to, label]) => ({ to, label, badge: to === "/chat" ? badge : null }));
}

/** The firm staff's frame: clients, and the brand for those who manage it. */
export function Workspace({ children }: { children: ReactNode }) {
  const { viewer, staffHere } = useSession();
  const nav = useWorkspaceNav();
  if (!viewer) return <ToLogin />;
  if (viewer.mfaPending) return <Navigate to="/account/security" replace />;
  if (!staffHere) return <Navigate to="/" replace />;
  return <Shell nav={nav}>{children}</Shell>;
}
