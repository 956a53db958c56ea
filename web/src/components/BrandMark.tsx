import { useBrand, useBrandName } from "../app/brand";
import { useT } from "../i18n";

/** Logo (if any), the firm's name and its phone: the same block on every page. */
export function BrandMark({ as: Heading = "div" }: { as?: "h1" | "div" }) {
  const brand = useBrand();
  const name = useBrandName();
  const t = useT();
  return (
    <>
      {brand.logoUrl && <img className="brand-logo" src={brand.logoUrl} alt={t("brand.logoAlt", { name })} />}
      <div>
        <Heading className="firm-name" data-testid="firm-name">
          {name}
        </Heading>
        {brand.phone && (
          <a className="phone" href={`tel:${brand.phone.replace(/[^\d+]/g, "")}`} data-testid="firm-phone">
            {brand.phone}
          </a>
        )}
      </div>
    </>
  );
}
