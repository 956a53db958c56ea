// Dates, times, numbers and file sizes in the cabinet's language (the one chosen in the
// header), never the browser's: one module, so the feed, the bell, the logs and the drive
// write them alike. Dates are numeric ("04.12.2026, 10:15" / "04/12/2026, 10:15"): one style
// everywhere, and no abbreviation whose period doubles at the end of a sentence ("дек. г..").
import { useMemo } from "react";
import { useI18n } from "./index";
import type { Lang } from "./index";

/** The Intl locale of a cabinet language. */
export function locale(lang: Lang): string {
  return lang === "ru" ? "ru-RU" : "en-GB";
}

const DAY: Intl.DateTimeFormatOptions = { day: "2-digit", month: "2-digit", year: "numeric" };
const MOMENT: Intl.DateTimeFormatOptions = { ...DAY, hour: "2-digit", minute: "2-digit" };
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(lang: Lang, kind: "day" | "moment" | "month"): Intl.DateTimeFormat {
  const key = `${lang}:${kind}`;
  let found = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!found) {
    const options: Intl.DateTimeFormatOptions = kind === "day" ? DAY : kind === "moment" ? MOMENT : { month: "long" };
    found = new Intl.DateTimeFormat(locale(lang), options);
    cache.set(key, found);
  }
  return found;
}

function numberFormat(lang: Lang, digits: number): Intl.NumberFormat {
  const key = `${lang}:n${digits}`;
  let found = cache.get(key) as Intl.NumberFormat | undefined;
  if (!found) {
    found = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: digits });
    cache.set(key, found);
  }
  return found;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A moment (an ISO timestamp) as date and time in the viewer's time zone. */
export function formatDateTime(value: string | Date, lang: Lang): string {
  return dateFormat(lang, "moment").format(typeof value === "string" ? new Date(value) : value);
}

/** A date: a calendar date (yyyy-mm-dd) is that day whatever the viewer's time zone; a
 *  timestamp is its day in the viewer's zone. */
export function formatDate(value: string | Date, lang: Lang): string {
  if (typeof value === "string") {
    const day = CALENDAR_DATE.exec(value);
    value = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value);
  }
  return dateFormat(lang, "day").format(value);
}

/** A month's name, "март" / "March" (for periods: "март 2026"). */
export function formatMonth(year: number, month: number, lang: Lang): string {
  return dateFormat(lang, "month").format(new Date(year, month - 1, 1));
}

/** A number with the language's separators ("12 345", "12,345"). */
export function formatNumber(value: number, lang: Lang, fractionDigits = 0): string {
  return numberFormat(lang, fractionDigits).format(value);
}

/** Kopecks as rubles in the language's currency format ("12 345,50 ₽", "RUB 12,345.50"). */
export function formatMoney(kopecks: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang), { style: "currency", currency: "RUB" }).format(kopecks / 100);
}

const UNITS: Record<Lang, readonly string[]> = {
  ru: ["Б", "КБ", "МБ", "ГБ", "ТБ"],
  en: ["B", "KB", "MB", "GB", "TB"],
};

/** Bytes as a person reads them: "602 Б", "1,5 КБ", "12 МБ" (a no-break space before the unit). */
export function formatSize(bytes: number, lang: Lang): string {
  const units = UNITS[lang];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${formatNumber(value, lang, digits)}\u00a0${units[unit]}`;
}

export interface Formatters {
  dateTime: (value: string | Date) => string;
  date: (value: string | Date) => string;
  number: (value: number, fractionDigits?: number) => string;
  size: (bytes: number) => string;
  money: (kopecks: number) => string;
}

/** The formatters of the cabinet's current language. */
export function useFormat(): Formatters {
  const { lang } = useI18n();
  return useMemo(
    () => ({
      dateTime: (value) => formatDateTime(value, lang),
      date: (value) => formatDate(value, lang),
      number: (value, fractionDigits) => formatNumber(value, lang, fractionDigits),
      size: (bytes) => formatSize(bytes, lang),
      money: (kopecks) => formatMoney(kopecks, lang),
    }),
    [lang],
  );
}
