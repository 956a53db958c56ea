// What the customer's payments page and the firm's performers page share: the risk signals of
// disguised employment (shown, never blocking) and the firm's agency documents.
import type { AgencyDocumentRowFieldsFragment, RiskSignalRowFieldsFragment } from "../graphql/generated";
import { useI18n, useT } from "../i18n";
import type { Lang, MessageKey } from "../i18n";
import { formatMonth, useFormat } from "../i18n/format";

/** "2026-03" as the month's name and year in the cabinet's language ("март 2026"). */
export function monthLabel(key: string, lang: Lang): string {
  const [y, m] = key.split("-").map(Number);
  if (!y || !m) return key;
  return `${formatMonth(y, m, lang)} ${y}`;
}

export function RiskSignalList({ signals }: { signals: readonly RiskSignalRowFieldsFragment[] | null }) {
  const t = useT();
  if (signals === null) return <p role="status">{t("common.loading")}</p>;
  if (signals.length === 0) return <p data-testid="no-risk-signals">{t("perfRisk.none")}</p>;
  return (
    <ul className="perf-list">
      {signals.map((s) => (
        <li
          key={`${s.kind}:${s.performerId}:${s.organizationId}:${s.months.join(",")}`}
          className="alert alert-warn perf-risk"
          data-testid="risk-signal"
          data-kind={s.kind}
        >
          <strong>{t(`perfRisk.kind.${s.kind}` as MessageKey)}</strong>
          <p>{s.message}</p>
          {s.months.length > 0 && <p>{t("perfRisk.months", { months: s.months.join(", ") })}</p>}
        </li>
      ))}
    </ul>
  );
}

/** The invoices and acts of the firm's agency fee; `names`: the customers' names by id (the
 *  firm's page lists several customers). */
export function AgencyDocumentList({ documents, names }: {
  documents: readonly AgencyDocumentRowFieldsFragment[] | null;
  names?: Map<string, string>;
}) {
  const t = useT();
  const f = useFormat();
  const { lang } = useI18n();
  if (documents === null) return <p role="status">{t("common.loading")}</p>;
  if (documents.length === 0) return <p>{t("perfAdmin.noDocuments")}</p>;
  return (
    <ul className="perf-list">
      {documents.map((d) => (
        <li key={d.id} className="card perf-card" data-testid="agency-document" data-kind={d.kind}>
          <strong>{t(d.kind === "INVOICE" ? "perfAdmin.invoice" : "perfAdmin.act", { number: d.number })}</strong> ·{" "}
          {monthLabel(d.period.slice(0, 7), lang)}
          {names?.get(d.organizationId) && ` · ${names.get(d.organizationId)}`}
          <p>{t("perfAdmin.feeLine", { volume: f.money(d.volumeKopecks), fee: f.money(d.feeKopecks) })}</p>
          <a href={d.downloadUrl} download data-testid="agency-download">
            {t("performers.download")}
          </a>
        </li>
      ))}
    </ul>
  );
}
