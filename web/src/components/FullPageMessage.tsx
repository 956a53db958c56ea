import type { ReactNode } from "react";

/** A whole-page state (loading, unreachable, not found), announced to screen readers. */
export function FullPageMessage({ title, busy, children }: { title: string; busy?: boolean; children?: ReactNode }) {
  return (
    <main className="auth-page" aria-busy={busy || undefined}>
      <div className="auth-card">
        <div className="auth-card-body" role="status">
          <p>{title}</p>
          {children}
        </div>
      </div>
    </main>
  );
}
