import { useEffect, useState } from "react";
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { BrandMark } from "./BrandMark";
import { LangSwitch } from "./LangSwitch";
import { LiveStatus } from "./LiveStatus";
import { LogoutButton } from "./LogoutButton";
import { MenuIcon } from "./Icon";
import { NotificationBell } from "./NotificationBell";
import { ShellNav } from "./ShellNav";
import type { NavItem } from "./ShellNav";
import { useBrand, useBrandName } from "../app/brand";
import { useSession } from "../app/session";
import { useT } from "../i18n";

export type { NavItem };

/** The frame of every cabinet page: the firm's header (logo, name, phone) in its color,
 *  the navigation, and a footer with the firm's contacts. On a phone the header is one line
 *  (brand, bell, a menu button): the tools and the sections open behind the button. */
export function Shell({ nav, tools, children }: { nav: NavItem[]; tools?: ReactNode; children: ReactNode }) {
  const t = useT();
  const brand = useBrand();
  const name = useBrandName();
  const { viewer } = useSession();
  const manyCabinets = (viewer?.cabinets.length ?? 0) > 1;
  const path = useLocation().pathname;
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const controls = nav.length > 0 ? "shell-tools shell-sections" : "shell-tools";
  return (
    <div className={menuOpen ? "shell menu-open" : "shell"}>
      <a className="skip-link" href="#main">
        {t("common.skipToContent")}
      </a>
      <header className="shell-header" data-testid="brand-header">
        <div className="shell-header-inner">
          <div className="shell-brand">
            <BrandMark />
          </div>
          {viewer && <NotificationBell />}
          <button
            type="button"
            className="btn btn-secondary shell-menu-button"
            aria-expanded={menuOpen}
            aria-controls={controls}
            onClick={() => setMenuOpen((open) => !open)}
            data-testid="menu-button"
          >
            <MenuIcon />
            <span className="visually-hidden">{t("shell.menu")}</span>
          </button>
          <div className="shell-tools" id="shell-tools">
            {tools}
            {manyCabinets && (
              <Link className="btn btn-secondary" to="/cabinets" data-testid="my-cabinets">
                {t("shell.myCabinets")}
              </Link>
            )}
            <LangSwitch />
            <LogoutButton />
          </div>
        </div>
      </header>
      {nav.length > 0 && <ShellNav nav={nav} id="shell-sections" />}
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
