// What every page does for people using a screen reader (or just many tabs): the tab says
// which page this is ("Клиенты · Бухгалтерия Альфа"), and after a navigation inside the app
// the focus moves to the page's heading, so the reader announces the new page instead of
// staying on the link that was clicked (the focus would otherwise fall to <body>).
import { useEffect, useRef } from "react";
import { useLocation } from "react-router";
import { useBrandName } from "./brand";

/** The element that names the page: marked with `data-page-heading`, else the main h1. */
const HEADING = "main [data-page-heading], main h1";

let firstPage = true;

function focusHeading(): boolean {
  const heading = document.querySelector<HTMLElement>(HEADING);
  if (!heading) return false;
  if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
  heading.focus();
  return true;
}

/** Call once in each page (or in the layout that shows its title). `title`: the page's own
 *  name; empty while it is unknown (a name still loading) shows the brand alone, and the
 *  focus waits for it (the heading appears with the data). */
export function usePageTitle(title: string | null | undefined): void {
  const brand = useBrandName();
  const { key } = useLocation();
  const focusPending = useRef(false);
  useEffect(() => {
    // The first page of a visit keeps the browser's own start (the top of the document).
    if (firstPage) {
      firstPage = false;
      return;
    }
    focusPending.current = !focusHeading();
  }, [key]);
  useEffect(() => {
    document.title = title ? `${title} · ${brand}` : brand;
    if (title && focusPending.current) focusPending.current = !focusHeading();
  }, [title, brand]);
}
