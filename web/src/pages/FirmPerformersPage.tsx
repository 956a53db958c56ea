// The firm's performers page (staff with `performers:read`): the statistics of a period
// (performers, НПД active, orders by status, the volume paid by month and by customer, agency
// documents), the risk signals of disguised employment, the agency documents (fee invoices
// and acts) per month and customer, and the contract template. Generating documents and the
// template need `performers:manage`: hidden without it (the API checks again).
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  FirmAgencyDocumentsDocument,
  FirmContractTemplateDocument,
  FirmGenerateAgencyDocumentsDocument,
  FirmPerformerCustomersDocument,
  FirmPerformerStatisticsDocument,
  FirmRiskSignalsDocument,
  SaveFirmContractTemplateDocument,
} from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { AgencyDocumentList, RiskSignalList, monthLabel } from "../components/PerformerAdminParts";
import { useSession } from "../app/session";
import { usePageTitle } from "../app/page";
import { useI18n, useT } from "../i18n";
import type { MessageKey } from "../i18n";
import { useFormat } from "../i18n/format";
import "../performerAdmin.css";

/** A local calendar date as yyyy-mm-dd. */
function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The day after a yyyy-mm-dd date (the API's `to` is exclusive, the form's inclusive). */
function nextDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return isoDay(new Date(y, m - 1, d + 1));
}

function Statistics() {
  const t = useT();
  const f = useFormat();
  const { lang } = useI18n();
  const today = new Date();
  const [form, setForm] = useState({ from: `${today.getFullYear()}-01-01`, to: isoDay(today) });
  const [period, setPeriod] = useState(form);
  const [{ data, error, fetching }] = useQuery({
    query: FirmPerformerStatisticsDocument,
    variables: { from: period.from, to: nextDay(period.to) },
    requestPolicy: "cache-and-network",
  });
  const stats = data?.performerStatistics;
  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (form.from && form.to) setPeriod(form);
  };
  const number = (testId: string, label: MessageKey, value: number) => (
    <div className="perf-stat">
      <dt>{t(label)}</dt>
      <dd data-testid={testId}>{f.number(value)}</dd>
    </div>
  );
  return (
    <section aria-labelledby="stats-title" data-testid="performer-statistics">
      <h2 id="stats-title">{t("perfAdmin.statistics")}</h2>
      <form className="card perf-card perf-period" onSubmit={apply}>
        <div className="field">
          <label htmlFor="stats-from">{t("perfAdmin.from")}</label>
          <input id="stats-from" type="date" required value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} data-testid="stats-from" />
        </div>
        <div className="field">
          <label htmlFor="stats-to">{t("perfAdmin.to")}</label>
          <input id="stats-to" type="date" required value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} data-testid="stats-to" />
        </div>
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="stats-apply">
          {t("perfAdmin.show")}
        </button>
      </form>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {stats && (
        <div className="perf-stats" data-testid="stats-loaded" data-from={period.from} data-to={period.to}>
          <dl className="perf-numbers">
            {number("stat-performers", "perfAdmin.performers", stats.performers)}
            {number("stat-npd-active", "perfAdmin.npdActive", stats.npdActive)}
            {number("stat-agency-documents", "perfAdmin.agencyDocumentsCount", stats.agencyDocuments)}
          </dl>
          <h3>{t("perfAdmin.ordersByStatus")}</h3>
          {stats.ordersByStatus.length === 0 && <p>{t("perfAdmin.none")}</p>}
          <ul className="perf-rows">
            {stats.ordersByStatus.map((o) => (
              <li key={o.status} data-testid="orders-by-status" data-status={o.status} data-count={o.count}>
                {t(`performers.orderStatus.${o.status.toUpperCase()}` as MessageKey)}: <strong>{f.number(o.count)}</strong>
              </li>
            ))}
          </ul>
          <h3>{t("perfAdmin.volumeByMonth")}</h3>
          {stats.volumeByMonth.length === 0 && <p>{t("perfAdmin.none")}</p>}
          <ul className="perf-rows">
            {stats.volumeByMonth.map((v) => (
              <li key={v.key} data-testid="volume-month" data-key={v.key} data-kopecks={v.kopecks}>
                {monthLabel(v.key, lang)}: <strong>{f.money(v.kopecks)}</strong>
              </li>
            ))}
          </ul>
          <h3>{t("perfAdmin.volumeByCustomer")}</h3>
          {stats.volumeByCustomer.length === 0 && <p>{t("perfAdmin.none")}</p>}
          <ul className="perf-rows">
            {stats.volumeByCustomer.map((v) => (
              <li key={v.organizationId ?? v.key} data-testid="volume-customer" data-org={v.organizationId ?? ""} data-kopecks={v.kopecks}>
                {v.key}: <strong>{f.money(v.kopecks)}</strong>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function lastMonth(): string {
  const d = new Date();
  const prev = new Date(d.getFullYear(), d.getMonth() - 1, 1);
  return `${prev.getFullYear()}-${String(prev.getMonth() + 1).padStart(2, "0")}`;
}

function AgencyDocuments({ manage }: { manage: boolean }) {
  const t = useT();
  const { can } = useSession();
  const [{ data, error }, refetch] = useQuery({ query: FirmAgencyDocumentsDocument, requestPolicy: "cache-and-network" });
  const [{ data: orgs }] = useQuery({ query: FirmPerformerCustomersDocument, pause: !manage || !can("clients:read") });
  const [{ data: made, fetching }, generate] = useMutation(FirmGenerateAgencyDocumentsDocument);
  const [org, setOrg] = useState("");
  const [month, setMonth] = useState(lastMonth());
  const [done, setDone] = useState(false);
  const customers = (orgs?.clientOrganizations.edges ?? [])
    .map((e) => e.node)
    .filter((o) => o.enabledModules.includes("PERFORMERS"));
  const outcome = made?.generatePerformerAgencyDocuments;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    if (!org || !month) return;
    const result = await generate({ organizationId: org, period: `${month}-01` });
    if (result.data?.generatePerformerAgencyDocuments.__typename === "PerformerAgencyDocuments") {
      setDone(true);
      refetch({ requestPolicy: "network-only" });
    }
  };
  const list = data?.performerAgencyDocuments ?? null;
  const names = new Map(customers.map((c) => [c.id, c.name]));
  return (
    <section aria-labelledby="agency-title" data-testid="agency-documents">
      <h2 id="agency-title">{t("perfAdmin.agencyDocuments")}</h2>
      {manage && (
        <form className="card perf-card perf-period" onSubmit={(e) => void submit(e)} data-testid="agency-generate">
          <div className="field">
            <label htmlFor="agency-org">{t("perfAdmin.customer")}</label>
            <select id="agency-org" required value={org} onChange={(e) => setOrg(e.target.value)} data-testid="agency-org">
              <option value="">{t("perfAdmin.pickCustomer")}</option>
              {customers.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="agency-month">{t("perfAdmin.month")}</label>
            <input id="agency-month" type="month" required value={month} onChange={(e) => setMonth(e.target.value)} data-testid="agency-month" />
          </div>
          <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="agency-generate-submit">
            {t("perfAdmin.generate")}
          </button>
          {outcome && outcome.__typename !== "PerformerAgencyDocuments" && <ErrorAlert>{outcome.message}</ErrorAlert>}
          {done && <OkAlert>{t("perfAdmin.generated")}</OkAlert>}
        </form>
      )}
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      <AgencyDocumentList documents={error ? [] : list} names={names} />
    </section>
  );
}

function ContractTemplate() {
  const t = useT();
  const [{ data }, refetch] = useQuery({ query: FirmContractTemplateDocument, requestPolicy: "cache-and-network" });
  const template = data?.performerContractTemplate;
  const [body, setBody] = useState<string | null>(null);
  const [{ data: saved, fetching }, save] = useMutation(SaveFirmContractTemplateDocument);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const outcome = saved?.savePerformerContractTemplate;
  const text = body ?? template?.body ?? "";
  const run = async (value: string | null) => {
    setNotice(null);
    const result = await save({ body: value });
    const answer = result.data?.savePerformerContractTemplate;
    if (answer?.__typename === "PerformerContractTemplate") {
      setBody(null);
      setNotice(value === null ? "perfAdmin.templateReset" : "perfAdmin.templateSaved");
      refetch({ requestPolicy: "network-only" });
    }
  };
  const refused = outcome && outcome.__typename !== "PerformerContractTemplate" ? outcome : null;
  return (
    <section aria-labelledby="template-title">
      <h2 id="template-title">{t("perfAdmin.template")}</h2>
      {!template && <p role="status">{t("common.loading")}</p>}
      {template && (
        <form
          className="card perf-card"
          onSubmit={(e) => {
            e.preventDefault();
            void run(text);
          }}
          data-testid="contract-template"
          data-own={template.own ? "true" : "false"}
        >
          <p>{t(template.own ? "perfAdmin.templateOwn" : "perfAdmin.templateDefault")}</p>
          <div className="field">
            <label htmlFor="template-body">{t("perfAdmin.templateBody")}</label>
            <textarea
              id="template-body"
              className="perf-template"
              rows={14}
              value={text}
              aria-invalid={refused ? true : undefined}
              aria-describedby="template-fields"
              onChange={(e) => setBody(e.target.value)}
              data-testid="template-body"
            />
          </div>
          <p id="template-fields" className="perf-hash">
            {t("perfAdmin.templateFields", { fields: template.fields.map((x) => `{${x}}`).join(" ") })}
          </p>
          {refused && (
            <div className="alert alert-error" role="alert" data-testid="template-error" data-code={refused.code}>
              {refused.message}
            </div>
          )}
          {notice && <OkAlert>{t(notice)}</OkAlert>}
          <div className="perf-actions">
            <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="template-save">
              {t("common.save")}
            </button>
            {template.own && (
              <button type="button" className="btn" disabled={fetching} onClick={() => void run(null)} data-testid="template-reset">
                {t("perfAdmin.templateBack")}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

function Risks() {
  const t = useT();
  const [{ data, error }] = useQuery({ query: FirmRiskSignalsDocument, requestPolicy: "cache-and-network" });
  return (
    <section aria-labelledby="firm-risks-title" data-testid="firm-risks">
      <h2 id="firm-risks-title">{t("perfRisk.title")}</h2>
      <p>{t("perfRisk.hint")}</p>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      <RiskSignalList signals={error ? [] : (data?.performerRiskSignals ?? null)} />
    </section>
  );
}

export function FirmPerformersPage() {
  const t = useT();
  const { can } = useSession();
  usePageTitle(t("perfAdmin.title"));
  const manage = can("performers:manage");
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("perfAdmin.title")}</h1>
      </div>
      {!can("performers:read") ? (
        <ErrorAlert>{t("error.forbidden")}</ErrorAlert>
      ) : (
        <div className="perf-page">
          <Statistics />
          <Risks />
          <AgencyDocuments manage={manage} />
          {manage && <ContractTemplate />}
        </div>
      )}
    </Workspace>
  );
}
