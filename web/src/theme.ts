// The firm's theme as CSS custom properties, and a preview of the theme for a color the admin
// is still choosing. The API derives the real theme (saas/modules/branding/service/theme.py); previewTheme()
// follows the same rules so the branding page can react to every keystroke, and what is saved
// (and the contrast message shown) is always what the API returns.

export interface ThemeTokens {
  primary: string;
  onPrimary: string;
  primaryHover: string;
  primaryActive: string;
  primaryMuted: string;
  onPrimaryMuted: string;
  focusRing: string;
  link: string;
  linkHover: string;
}

const CSS_NAMES: Record<keyof ThemeTokens, string> = {
  primary: "--kb-primary",
  onPrimary: "--kb-on-primary",
  primaryHover: "--kb-primary-hover",
  primaryActive: "--kb-primary-active",
  primaryMuted: "--kb-primary-muted",
  onPrimaryMuted: "--kb-on-primary-muted",
  focusRing: "--kb-focus-ring",
  link: "--kb-link",
  linkHover: "--kb-link-hover",
};

export function cssVariables(theme: ThemeTokens): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(CSS_NAMES) as (keyof ThemeTokens)[]) {
    out[CSS_NAMES[key]] = theme[key];
  }
  return out;
}

export function applyTheme(theme: ThemeTokens, element: HTMLElement = document.documentElement): void {
  for (const [name, value] of Object.entries(cssVariables(theme))) {
    element.style.setProperty(name, value);
  }
}

// --- preview: WCAG 2.x contrast and the same shade search as the API ---

const AA_TEXT = 4.5;
const WHITE = "#FFFFFF";
const NEAR_BLACK = "#111827";
const STEP = 0.001;
const HEX = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export function parseHex(value: string): string | null {
  const match = HEX.exec(value.trim());
  if (!match) return null;
  let digits = match[1].toUpperCase();
  if (digits.length === 3) digits = digits.split("").map((d) => d + d).join("");
  return `#${digits}`;
}

type Rgb = [number, number, number];

function rgb(color: string): Rgb {
  const c = parseHex(color) ?? "#000000";
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** Python's round(): halves go to the even neighbour. */
function pyRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's float %: the result takes the sign of the divisor. */
function pyMod1(x: number): number {
  const m = x % 1;
  return m < 0 ? m + 1 : m;
}

function toHex(r: number, g: number, b: number): string {
  const channel = (v: number) => Math.max(0, Math.min(255, pyRound(v * 255))).toString(16).padStart(2, "0");
  return `#${channel(r)}${channel(g)}${channel(b)}`.toUpperCase();
}

export function luminance(color: string): number {
  const linear = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = rgb(color).map(linear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function textOn(background: string): string {
  return contrastRatio(WHITE, background) >= contrastRatio(NEAR_BLACK, background) ? WHITE : NEAR_BLACK;
}

function primaryContrast(color: string): number {
  return Math.min(contrastRatio(textOn(color), color), contrastRatio(color, WHITE));
}

// colorsys.rgb_to_hls / hls_to_rgb, operation for operation as Python has them, so the
// preview lands on the same shade as the API to the last bit.
function rgbToHls(r: number, g: number, b: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  const l = (minc + maxc) / 2;
  if (minc === maxc) return [0, l, 0];
  const s = l <= 0.5 ? (maxc - minc) / (maxc + minc) : (maxc - minc) / (2 - maxc - minc);
  const rc = (maxc - r) / (maxc - minc);
  const gc = (maxc - g) / (maxc - minc);
  const bc = (maxc - b) / (maxc - minc);
  let h = r === maxc ? bc - gc : g === maxc ? 2 + rc - bc : 4 + gc - rc;
  h = pyMod1(h / 6);
  return [h, l, s];
}

function hlsToRgb(h: number, l: number, s: number): Rgb {
  if (s === 0) return [l, l, l];
  const m2 = l <= 0.5 ? l * (1 + s) : l + s - l * s;
  const m1 = 2 * l - m2;
  const v = (hue: number) => {
    hue = pyMod1(hue);
    if (hue < 1 / 6) return m1 + (m2 - m1) * hue * 6;
    if (hue < 0.5) return m2;
    if (hue < 2 / 3) return m1 + (m2 - m1) * (2 / 3 - hue) * 6;
    return m1;
  };
  return [v(h + 1 / 3), v(h), v(h - 1 / 3)];
}

function hls(color: string): [number, number, number] {
  const [r, g, b] = rgb(color).map((v) => v / 255);
  return rgbToHls(r, g, b);
}

function withLightness(color: string, lightness: number): string {
  const [h, , s] = hls(color);
  return toHex(...hlsToRgb(h, Math.max(0, Math.min(1, lightness)), s));
}

function darkenUntil(color: string, ok: (c: string) => boolean): string {
  if (ok(color)) return color;
  const lightness = hls(color)[1];
  const steps = Math.ceil(lightness / STEP);
  for (let i = 1; i <= steps; i++) {
    const candidate = withLightness(color, lightness - i * STEP);
    if (ok(candidate)) return candidate;
  }
  return "#000000";
}

function shift(color: string, delta: number): string {
  return withLightness(color, hls(color)[1] + delta);
}

function mixWithWhite(color: string, share: number): string {
  const [r, g, b] = rgb(color).map((v) => v / 255);
  return toHex(1 - share * (1 - r), 1 - share * (1 - g), 1 - share * (1 - b));
}

function stateShade(primary: string, onPrimary: string, delta: number): string {
  const shade = shift(primary, hls(primary)[1] >= 0.15 ? -delta : delta);
  if (contrastRatio(onPrimary, shade) >= AA_TEXT && contrastRatio(shade, WHITE) >= AA_TEXT) return shade;
  return shift(primary, -delta);
}

export interface ThemePreview extends ThemeTokens {
  requested: string;
  adjusted: boolean;
  contrast: number;
}

// What links are drawn on besides the primary's tint (styles.css): --kb-bg (the page),
// --kb-surface (cards), --kb-danger-bg, --kb-ok-bg, --kb-warn-bg (alerts); the same list as
// the API's LINK_BACKGROUNDS (saas/modules/branding/service/theme.py).
const LINK_BACKGROUNDS = ["#F5F6F8", "#FFFFFF", "#FEF3F2", "#ECFDF3", "#FFFAEB"];

/** The theme the API will derive for `color`, or null while the input is not a color yet. */
export function previewTheme(color: string): ThemePreview | null {
  const requested = parseHex(color);
  if (!requested) return null;
  const primary = darkenUntil(requested, (c) => primaryContrast(c) >= AA_TEXT);
  const onPrimary = textOn(primary);
  const hover = stateShade(primary, onPrimary, 0.08);
  const muted = mixWithWhite(primary, 0.1);
  const linkBackgrounds = [...LINK_BACKGROUNDS, muted];
  const link = darkenUntil(primary, (c) =>
    linkBackgrounds.every((bg) => contrastRatio(c, bg) >= AA_TEXT),
  );
  return {
    requested,
    adjusted: primary !== requested,
    contrast: primaryContrast(primary),
    primary,
    onPrimary,
    primaryHover: hover,
    primaryActive: stateShade(primary, onPrimary, 0.14),
    primaryMuted: muted,
    onPrimaryMuted: darkenUntil(primary, (c) => contrastRatio(c, muted) >= AA_TEXT),
    focusRing: primary,
    link,
    linkHover: link === primary ? hover : shift(link, -0.08),
  };
}
