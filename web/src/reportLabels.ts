// Reports in the cabinet's words: statuses, event kinds, authorities, periods and dates, in
// the language the cabinet is shown in.
import type { ReportAuthority, ReportEventKind, ReportStatus } from "./graphql/generated";
import type { Lang, MessageKey, Translate } from "./i18n";
import { primaryKeyOf } from "./graphql/ids";
import { formatDate, formatMonth } from "./i18n/format";

/** A report's address segment: its number (as notifications link to it). */
export function reportPath(id: string): string {
  return primaryKeyOf(id) ?? encodeURIComponent(id);
}

export const REPORT_STATUSES: readonly ReportStatus[] = [
  "DRAFT",
  "PREPARED",
  "SENT",
  "DELIVERED",
  "ACCEPTED",
  "REJECTED",
  "CLARIFICATION_REQUESTED",
  "PROCESSING_ERROR",
];

export const REPORT_STATUS_LABEL: Record<ReportStatus, MessageKey> = {
  DRAFT: "reportStatus.draft",
  PREPARED: "reportStatus.prepared",
  SENT: "reportStatus.sent",
  DELIVERED: "reportStatus.delivered",
  ACCEPTED: "reportStatus.accepted",
  REJECTED: "reportStatus.rejected",
  CLARIFICATION_REQUESTED: "reportStatus.clarification",
  PROCESSING_ERROR: "reportStatus.processingError",
};

/** An event's kind is the status it leads to. */
export const EVENT_KIND_LABEL: Record<ReportEventKind, MessageKey> = {
  PREPARED: "reportEvent.prepared",
  SENT: "reportEvent.sent",
  DELIVERED: "reportEvent.delivered",
  ACCEPTED: "reportEvent.accepted",
  REJECTED: "reportEvent.rejected",
  CLARIFICATION_REQUESTED: "reportEvent.clarification",
  PROCESSING_ERROR: "reportEvent.processingError",
};

/** The badge's color family (the text always says the status too). */
export function statusTone(status: ReportStatus): "ok" | "danger" | "warn" | "info" | "neutral" {
  switch (status) {
    case "ACCEPTED":
      return "ok";
    case "REJECTED":
    case "PROCESSING_ERROR":
      return "danger";
    case "CLARIFICATION_REQUESTED":
      return "warn";
    case "SENT":
    case "DELIVERED":
      return "info";
    default:
      return "neutral";
  }
}

export const AUTHORITY_LABEL: Record<ReportAuthority, MessageKey> = {
  TAX: "reportAuthority.tax",
  SOCIAL_FUND: "reportAuthority.socialFund",
  STATISTICS: "reportAuthority.statistics",
};

// Dates in the one style of the cabinet (i18n/format.ts); re-exported for the report pages.
export { formatDate, formatDateTime } from "./i18n/format";

/** "март 2026", "1 квартал 2026", "2026 год"; an event-driven form: the date it is about. */
export function formatPeriod(
  report: { periodYear: number; periodCode: string; periodStart: string },
  t: Translate,
  lang: Lang,
): string {
  const { periodYear: year, periodCode: code } = report;
  if (/^\d{2}$/.test(code)) {
    const month = formatMonth(year, Number(code), lang);
    return t("reportPeriod.month", { month, year });
  }
  if (/^Q[1-4]$/.test(code)) return t("reportPeriod.quarter", { quarter: code.slice(1), year });
  if (code === "Y") return t("reportPeriod.year", { year });
  return formatDate(report.periodStart, lang);
}

/** A form's name in the cabinet's language (the code when the catalog does not know it). */
export function formName(
  report: { formCode: string; form: { nameRu: string; nameEn: string } | null },
  pick: (ru: string | null | undefined, en: string | null | undefined) => string,
): string {
  return report.form ? pick(report.form.nameRu, report.form.nameEn) : report.formCode;
}

/** "Налоговая 7701", "Tax office 7701". */
export function authorityText(report: { authorityCode: string; form: { authority: ReportAuthority } | null }, t: Translate): string {
  return report.form ? `${t(AUTHORITY_LABEL[report.form.authority])} ${report.authorityCode}` : report.authorityCode;
}
