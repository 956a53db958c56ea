// The frame of every page of the performer's cabinet: the login check, the performer's
// navigation (profile, orders, my work, money) and the page's title.
import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { Shell } from "./Shell";
import type { NavItem } from "./Shell";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { usePageTitle } from "../app/page";
import { useT } from "../i18n";

export function PerformerFrame({ title, children }: { title: string; children: ReactNode }) {
  const t = useT();
  const { viewer, performerHere } = useSession();
  usePageTitle(title);
  if (!viewer) return <ToLogin />;
  if (!performerHere) return <Navigate to="/" replace />;
  const nav: NavItem[] = [
    { to: "/performer", label: t("nav.performerProfile") },
    { to: "/performer/orders", label: t("nav.performerOrders") },
    { to: "/performer/work", label: t("nav.performerWork") },
    { to: "/performer/money", label: t("nav.performerMoney") },
  ];
  return (
    <Shell nav={nav}>
      <div className="page-title">
        <h1>{title}</h1>
      </div>
      {children}
    </Shell>
  );
}
