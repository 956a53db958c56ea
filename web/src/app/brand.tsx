// The brand of the host the page was opened at (public `branding` query): the firm's name,
// phone, logo and theme, or the platform's neutral brand. Applied to the whole document as
// CSS custom properties, so every page and component is painted in the firm's colors.
import { createContext, useContext, useEffect } from "react";
import type { ReactNode } from "react";
import { useQuery } from "urql";
import { BrandingDocument } from "../graphql/generated";
import type { BrandingQuery } from "../graphql/generated";
import { applyTheme } from "../theme";
import { useT } from "../i18n";
import { FullPageMessage } from "../components/FullPageMessage";

export type Brand = BrandingQuery["branding"];

const BrandContext = createContext<Brand | null>(null);
const RefreshContext = createContext<() => void>(() => {});

function setFavicon(url: string | null) {
  let link = document.querySelector<HTMLLinkElement>("link[rel='icon']");
  if (!url) {
    link?.remove();
    return;
  }
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    document.head.appendChild(link);
  }
  link.href = url;
}

export function BrandProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const [{ data, error }, refetch] = useQuery({ query: BrandingDocument, requestPolicy: "cache-first" });
  const brand = data?.branding ?? null;
  useEffect(() => {
    if (!brand) return;
    applyTheme(brand.theme);
    setFavicon(brand.faviconUrl);
  }, [brand]);
  if (error && !brand) return <FullPageMessage title={t("error.unreachable")} />;
  if (!brand) return <FullPageMessage title={t("common.loading")} busy />;
  return (
    <RefreshContext.Provider value={() => refetch({ requestPolicy: "network-only" })}>
      <BrandContext.Provider value={brand}>{children}</BrandContext.Provider>
    </RefreshContext.Provider>
  );
}

export function useBrand(): Brand {
  const brand = useContext(BrandContext);
  if (!brand) throw new Error("useBrand outside BrandProvider");
  return brand;
}

/** The name shown for the brand: the firm's, or the platform's in the current language. */
export function useBrandName(): string {
  const brand = useBrand();
  const t = useT();
  return brand.isPlatform ? t("brand.platformName") : brand.displayName;
}

/** Re-reads the brand, e.g. after the firm admin saved new colors. */
export function useRefreshBrand(): () => void {
  return useContext(RefreshContext);
}
