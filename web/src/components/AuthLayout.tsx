import type { ReactNode } from "react";
import { BrandMark } from "./BrandMark";
import { LangSwitch } from "./LangSwitch";
import { usePageTitle } from "../app/page";

/** The centered card of the pages before the cabinet: login, invitation, password reset,
 *  the cabinet picker. Its header is painted in the firm's primary color. */
export function AuthLayout({ title, wide, children }: { title: string; wide?: boolean; children: ReactNode }) {
  usePageTitle(title);
  return (
    <main className="auth-page" id="main">
      <div className={wide ? "auth-card wide" : "auth-card"}>
        <header className="auth-card-header" data-testid="brand-header">
          <BrandMark as="h1" />
        </header>
        <div className="auth-card-body">
          <h2 data-page-heading>{title}</h2>
          {children}
        </div>
      </div>
      <footer className="auth-footer">
        <LangSwitch />
      </footer>
    </main>
  );
}
