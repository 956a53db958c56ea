// The rows of a Relay connection shown so far: the first page, then each page "Show more"
// asked for (`after` its cursor) appended; a page fetched again (after a change) replaces the
// rows it holds. Whoever changes the list's filters sets `after` back to null.
import { useEffect, useState } from "react";

export function usePagedRows<T extends { id: string }>(edges: readonly { node: T }[] | undefined, after: string | null): T[] | null {
  const [rows, setRows] = useState<T[] | null>(null);
  useEffect(() => {
    if (!edges) return;
    const page = edges.map((e) => e.node);
    setRows((prev) => {
      if (!after || !prev) return page;
      const fresh = new Map(page.map((r) => [r.id, r]));
      const known = new Set(prev.map((r) => r.id));
      return prev.map((r) => fresh.get(r.id) ?? r).concat(page.filter((r) => !known.has(r.id)));
    });
  }, [edges, after]);
  return rows;
}
