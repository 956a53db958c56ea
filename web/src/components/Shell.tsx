import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { BrandMark } from "./BrandMark";
import { LangSwitch } from "./LangSwitch";
import { LiveStatus } from "./LiveStatus";
import { LogoutButton } from "./LogoutButton";
import { NotificationBell } from "./NotificationBell";
import { useBrand, useBrandName } from "../app/brand";
import { useSession } from "../app/session";
import { useT } from "../i18n";

export interface NavItem {
  to: string;
  label: string;
}

/** The nav item the current path belongs to: the longest `to` that is the path or a parent of
 *  it (so /reports/import marks "Import", and /reports/42 still marks "Reports"). */
function currentItem(nav: NavItem[], path: string): string | undefined {
  const owners = nav.filter((item) => path === item.to || path.startsWith(item.to + "/"));
  return owners.sort((a, b) => b.to.length - a.to.length)[0]?.to;
}

/** The frame of every cabinet page: the firm's header (logo, name, phone) in its color,
 *  the navigation, and a footer with the firm's contacts. */
export function Shell({ nav, tools, children }: { nav: NavItem[]; tools?: ReactNode; children: ReactNode }) {
  const t = useT();
  const brand = useBrand();
  const name = useBrandName();
  const { viewer } = useSession();
  const manyCabinets = (viewer?.cabinets.length ?? 0) > 1;
  const current = currentItem(nav, useLocation().pathname);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("common.skipToContent")}
      </a>
      <header className="shell-header" data-testid="brand-header">
        <div className="shell-header-inner">
          <div className="shell-brand">
            <BrandMark />
          </div>
          {tools}
          {manyCabinets && (
            <Link className="btn btn-secondary" to="/cabinets" data-testid="my-cabinets">
              {t("shell.myCabinets")}
            </Link>
          )}
          {viewer && <NotificationBell />}
          <LangSwitch />
          <LogoutButton />
        </div>
      </header>
      {nav.length > 0 && (
        <nav className="shell-nav" aria-label={t("shell.navigation")}>
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  aria-current={item.to === current ? "page" : undefined}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main className="shell-main" id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="shell-footer">
        <div className="shell-footer-inner">
          <span>
            {name}
            {brand.phone && (
              <>
                {" · "}
                <a href={`tel:${brand.phone.replace(/[^\d+]/g, "")}`}>{brand.phone}</a>
              </>
            )}
          </span>
          {viewer && <span className="muted">{viewer.displayName || viewer.email}</span>}
          <LiveStatus />
        </div>
      </footer>
    </div>
  );
}
