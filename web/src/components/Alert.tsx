import type { ReactNode } from "react";

/** An error, announced at once (role=alert). `id`: for the fields it is about to name it in
 *  their `aria-describedby` (with `aria-invalid`). */
export function ErrorAlert({ children, id }: { children: ReactNode; id?: string }) {
  if (!children) return null;
  return (
    <div className="alert alert-error" role="alert" id={id}>
      {children}
    </div>
  );
}

export function OkAlert({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div className="alert alert-ok" role="status">
      {children}
    </div>
  );
}

export function WarnAlert({ children, testId }: { children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <div className="alert alert-warn" role="status" data-testid={testId}>
      {children}
    </div>
  );
}
