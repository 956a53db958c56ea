import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { Shell } from "../components/Shell";
import { useSession } from "../app/session";
import { useT } from "../i18n";

/** The firm staff's frame: clients, and the brand for those who manage it. */
export function Workspace({ children }: { children: ReactNode }) {
  const t = useT();
  const { viewer, staffHere } = useSession();
  if (!viewer) return <Navigate to="/login" replace />;
  if (!staffHere) return <Navigate to="/" replace />;
  const nav = [{ to: "/clients", label: t("nav.clients") }];
  // The firm admin manages the brand; the API refuses anyone else anyway.
  if (staffHere.roles.includes("firm_admin")) nav.push({ to: "/settings/branding", label: t("nav.branding") });
  return <Shell nav={nav}>{children}</Shell>;
}
