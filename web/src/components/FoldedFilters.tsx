import { useState } from "react";
import type { ReactNode } from "react";
import { FilterIcon } from "./Icon";
import { useT } from "../i18n";

/** A list's filters, folded behind a "Filters" button on a phone (the CSS shows the button
 *  and hides the filters only there); on a wider screen they are always shown. `active` is
 *  how many filters are set, said on the button so a folded filter is not forgotten. */
export function FoldedFilters({ id, active = 0, children }: { id: string; active?: number; children: ReactNode }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <div className={open ? "folded-filters open" : "folded-filters"}>
      <button
        type="button"
        className="btn btn-secondary filters-toggle"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((shown) => !shown)}
        data-testid="filters-toggle"
      >
        <FilterIcon />
        {active > 0 ? t("filters.active", { count: active }) : t("filters.show")}
      </button>
      <div className="folded-filters-body" id={id}>
        {children}
      </div>
    </div>
  );
}
