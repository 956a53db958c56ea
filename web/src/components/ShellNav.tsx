import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router";
import { ChevronDownIcon } from "./Icon";
import { useT } from "../i18n";
import { useDismiss } from "./useDismiss";

export interface NavItem {
  to: string;
  label: string;
  /** A count beside the label (the chat's unread messages); its words for screen readers. */
  badge?: { count: number; label: string } | null;
}

/** The nav item the current path belongs to: the longest `to` that is the path or a parent of
 *  it (so /reports/import marks "Import", and /reports/42 still marks "Reports"). */
function currentItem(nav: NavItem[], path: string): string | undefined {
  const owners = nav.filter((item) => path === item.to || path.startsWith(item.to + "/"));
  return owners.sort((a, b) => b.to.length - a.to.length)[0]?.to;
}

/** How many of the row's items fit beside the "more" button (all of them when the row is a
 *  column: the phone's menu). Every item stays laid out (the hidden ones invisibly), so each
 *  one's width is known whatever is shown now. */
function fitting(list: HTMLUListElement): number {
  const items = Array.from(list.querySelectorAll<HTMLElement>(":scope > [data-nav-item]"));
  const more = list.querySelector<HTMLElement>(":scope > .nav-more");
  const style = getComputedStyle(list);
  if (!more || style.flexDirection === "column" || list.clientWidth === 0) return items.length;
  const gap = parseFloat(style.columnGap) || 0;
  const room = list.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const widths = items.map((item) => item.getBoundingClientRect().width);
  const all = widths.reduce((sum, width) => sum + width, 0) + gap * Math.max(widths.length - 1, 0);
  if (all <= room + 0.5) return items.length;
  const moreWidth = more.getBoundingClientRect().width + gap;
  let used = 0;
  let count = 0;
  for (const width of widths) {
    const next = used + (count ? gap : 0) + width;
    if (next + moreWidth > room) break;
    used = next;
    count += 1;
  }
  return count;
}

/** The section links in one row that never cuts an item: those that do not fit the width
 *  (a long menu, English, a narrow window) move into a "more" menu at the row's end. On a
 *  phone the row is a column inside the header's menu and shows every item. */
export function ShellNav({ nav, id }: { nav: NavItem[]; id: string }) {
  const t = useT();
  const path = useLocation().pathname;
  const current = currentItem(nav, path);
  const list = useRef<HTMLUListElement>(null);
  const moreRoot = useRef<HTMLLIElement>(null);
  const [fit, setFit] = useState(nav.length);
  const [moreOpen, setMoreOpen] = useState(false);
  const labels = nav.map((item) => `${item.label}${item.badge?.count ? ` ${item.badge.count}` : ""}`).join("\n");

  useLayoutEffect(() => {
    const row = list.current;
    if (!row) return;
    const measure = () => setFit(fitting(row));
    measure(); // before the first paint: nothing moves once shown
    const observer = new ResizeObserver(measure);
    observer.observe(row);
    return () => observer.disconnect();
  }, [labels]);

  useEffect(() => setMoreOpen(false), [path]);
  useDismiss(moreOpen, moreRoot, setMoreOpen);

  const overflow = nav.slice(fit);
  // In the row and again in "more" (the row's copy stays laid out, invisible): ids per place.
  const link = (item: NavItem, place = "") => (
    <Link to={item.to} aria-current={item.to === current ? "page" : undefined} aria-describedby={item.badge?.count ? `nav-badge-${item.to.slice(1)}${place}` : undefined}>
      {item.label}
      {item.badge?.count ? (
        <span className="badge nav-badge" aria-hidden="true" data-testid={`nav-badge-${item.to.slice(1)}`}>
          {item.badge.count}
        </span>
      ) : null}
      {item.badge?.count ? (
        <span hidden id={`nav-badge-${item.to.slice(1)}${place}`}>
          {item.badge.label}
        </span>
      ) : null}
    </Link>
  );
  return (
    <nav className="shell-nav" id={id} aria-label={t("shell.navigation")} data-testid="shell-nav">
      <ul ref={list}>
        {nav.map((item, index) => (
          <li key={item.to} data-nav-item className={index < fit ? undefined : "nav-overflowed"}>
            {link(item)}
          </li>
        ))}
        <li className={overflow.length ? "nav-more" : "nav-more nav-overflowed"} ref={moreRoot}>
          <button
            type="button"
            className={overflow.some((item) => item.to === current) ? "nav-more-button current" : "nav-more-button"}
            aria-expanded={moreOpen}
            aria-controls={moreOpen ? `${id}-more` : undefined}
            onClick={() => setMoreOpen((open) => !open)}
            data-testid="nav-more"
            tabIndex={overflow.length ? undefined : -1}
          >
            {t("shell.more")} <ChevronDownIcon />
          </button>
          {moreOpen && overflow.length > 0 && (
            <ul className="nav-more-list" id={`${id}-more`} data-testid="nav-more-list">
              {overflow.map((item) => (
                <li key={item.to}>{link(item, "-more")}</li>
              ))}
            </ul>
          )}
        </li>
      </ul>
    </nav>
  );
}
