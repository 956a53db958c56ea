import type { ReportStatus } from "../graphql/generated";
import { REPORT_STATUS_LABEL, statusTone } from "../reportLabels";
import { useT } from "../i18n";
import { CheckIcon, CrossIcon, PencilIcon } from "./Icon";
import "../reports.css";

const ICON = { ok: <CheckIcon />, danger: <CrossIcon />, warn: "!", info: "→", neutral: "•" } as const;

/** A report's status: color, a shape and the word (never the color alone). */
export function ReportStatusBadge({ status }: { status: ReportStatus }) {
  const t = useT();
  const tone = statusTone(status);
  return (
    <span className={`badge status-badge status-${tone}`} data-testid="report-status" data-status={status}>
      <span aria-hidden="true">{ICON[tone]} </span>
      {t(REPORT_STATUS_LABEL[status])}
    </span>
  );
}

/** The firm is fixing a rejection or answering a clarification request. */
export function BeingFixedMark() {
  const t = useT();
  return (
    <span className="badge status-badge being-fixed" data-testid="being-fixed" title={t("reports.beingFixedHint")}>
      <span aria-hidden="true">
        <PencilIcon />{" "}
      </span>
      {t("reports.beingFixed")}
    </span>
  );
}

/** Staff: an open follow-up is past its due date. */
export function OverdueMark() {
  const t = useT();
  return (
    <span className="badge status-badge overdue" data-testid="overdue">
      <span aria-hidden="true">! </span>
      {t("reports.overdue")}
    </span>
  );
}
