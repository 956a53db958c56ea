import { useEffect, useState } from "react";

/** A QR code of `value` drawn as inline SVG (crisp at any size, no canvas needed). The qrcode
 *  library is fetched when a code is first drawn (TOTP set-up), not with the cabinet. */
export function QrCode({ value, label, size = 200 }: { value: string; label: string; size?: number }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    import("qrcode")
      .then(({ default: QRCode }) => QRCode.toString(value, { type: "svg", margin: 2, errorCorrectionLevel: "M" }))
      .then((markup) => live && setSvg(markup))
      .catch(() => live && setSvg(null));
    return () => {
      live = false;
    };
  }, [value]);
  if (!svg) return null;
  return (
    <div
      className="qr-code"
      role="img"
      aria-label={label}
      data-testid="totp-qr"
      style={{ width: size, maxWidth: "100%" }}
      // The markup is generated locally by the qrcode library from the URI, never from user HTML.
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}
