// What the customer's payments page and the firm's performers page share: the risk signals of
// disguised employment (shown, never blocking).
import type { RiskSignalRowFieldsFragment } from "../graphql/generated";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";

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
