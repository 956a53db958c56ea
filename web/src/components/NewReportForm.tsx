import { useMemo, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQuery } from "urql";
import { CreateReportDocument, ReportFormsDocument, ReportOrganizationNameDocument, ReportOrganizationsDocument } from "../graphql/generated";
import type { ReportPeriodicity } from "../graphql/generated";
import { reportPath } from "../reportLabels";
import { useI18n } from "../i18n";
import type { Lang, Translate } from "../i18n";
import { formatMonth } from "../i18n/format";

/** Period codes a form accepts, with their words (the API's codes: 01-12, Q1-Q4, Y, E). */
function periodOptions(periodicity: ReportPeriodicity | undefined, year: number, t: Translate, lang: Lang): [string, string][] {
  switch (periodicity) {
    case "MONTH":
      return Array.from({ length: 12 }, (_, i) => [String(i + 1).padStart(2, "0"), formatMonth(year || 2026, i + 1, lang)]);
    case "QUARTER":
      return [1, 2, 3, 4].map((q) => [`Q${q}`, t("newReport.quarter", { n: q })]);
    case "YEAR":
      return [["Y", t("newReport.wholeYear")]];
    case "EVENT":
      return [["E", t("newReport.event")]];
    default:
      return [];
  }
}

/** A new report (`createReport`): organization, form, period, recipient's code, correction.
 *  `organizationId` fixes the organization (the feed filtered by a client, as the client's card
 *  links to it); then the report page opens. */
export function NewReportForm({ organizationId, onCancel }: { organizationId?: string; onCancel: () => void }) {
  const { t, lang, pick } = useI18n();
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const [org, setOrg] = useState(organizationId ?? "");
  const [formCode, setFormCode] = useState("");
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [period, setPeriod] = useState("");
  const [authority, setAuthority] = useState("");
  const [correction, setCorrection] = useState("0");
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null);
  const [{ data: forms }] = useQuery({ query: ReportFormsDocument });
  const [{ data: orgs }] = useQuery({
    query: ReportOrganizationsDocument,
    variables: { search: search.trim() || null },
    pause: Boolean(organizationId),
  });
  const [{ data: fixed }] = useQuery({
    query: ReportOrganizationNameDocument,
    variables: { id: organizationId ?? "" },
    pause: !organizationId,
  });
  const fixedName = fixed?.node && "name" in fixed.node ? fixed.node.name : null;
  const [{ fetching }, create] = useMutation(CreateReportDocument);
  const form = forms?.reportForms.find((f) => f.code === formCode);
  const periods = useMemo(() => periodOptions(form?.periodicity, Number(year), t, lang), [form?.periodicity, year, t, lang]);
  const organizations = orgs?.clientOrganizations.edges.map((e) => e.node) ?? [];

  const invalid = (field: string) => (error?.field === field ? true : undefined);
  const describedBy = (field: string) => (error?.field === field ? "new-report-error" : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await create({
      input: {
        organizationId: org,
        formCode,
        periodYear: Number(year),
        periodCode: period,
        authorityCode: authority.trim(),
        correction: Number(correction) || 0,
      },
    });
    const out = result.data?.createReport;
    if (out?.__typename === "Report") {
      navigate(`/reports/${reportPath(out.id)}`);
      return;
    }
    setError({
      message: out && "message" in out ? out.message : t("error.generic"),
      field: out && "field" in out ? (out.field ?? null) : null,
    });
  }

  return (
    <form className="card" onSubmit={submit} data-testid="new-report-form" aria-labelledby="new-report-title">
      <h2 id="new-report-title">{t("newReport.title")}</h2>
      {error && (
        <div className="alert alert-error" role="alert" id="new-report-error">
          {error.message}
        </div>
      )}
      {organizationId && (
        <p data-testid="new-report-organization">
          <strong>{t("reports.organization")}:</strong> {fixedName ?? ""}
        </p>
      )}
      {!organizationId && (
        <div className="grid-2">
          <div className="field">
            <label htmlFor="new-report-search">{t("newReport.findClient")}</label>
            <input id="new-report-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="new-report-org">{t("reports.organization")}</label>
            <select
              id="new-report-org"
              required
              value={org}
              onChange={(e) => setOrg(e.target.value)}
              aria-invalid={invalid("organizationId")}
              aria-describedby={describedBy("organizationId")}
            >
              <option value="">{t("newReport.chooseClient")}</option>
              {organizations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name} ({t("newReport.inn", { inn: o.inn })})
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
      <div className="grid-2">
        <div className="field">
          <label htmlFor="new-report-form-code">{t("reports.form")}</label>
          <select
            id="new-report-form-code"
            required
            value={formCode}
            onChange={(e) => {
              setFormCode(e.target.value);
              setPeriod("");
            }}
            aria-invalid={invalid("form")}
            aria-describedby={describedBy("form")}
          >
            <option value="">{t("newReport.chooseForm")}</option>
            {(forms?.reportForms ?? []).map((f) => (
              <option key={f.code} value={f.code}>
                {pick(f.nameRu, f.nameEn)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="new-report-authority">{t("newReport.authorityCode")}</label>
          <input
            id="new-report-authority"
            type="text"
            inputMode="numeric"
            required
            value={authority}
            onChange={(e) => setAuthority(e.target.value)}
            aria-invalid={invalid("authorityCode")}
            aria-describedby={describedBy("authorityCode") ?? "new-report-authority-hint"}
          />
          <span className="hint" id="new-report-authority-hint">
            {t("newReport.authorityHint")}
          </span>
        </div>
      </div>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="new-report-year">{t("newReport.year")}</label>
          <input
            id="new-report-year"
            type="number"
            min={2000}
            max={2100}
            required
            value={year}
            onChange={(e) => setYear(e.target.value)}
            aria-invalid={invalid("periodYear")}
            aria-describedby={describedBy("periodYear")}
          />
        </div>
        <div className="field">
          <label htmlFor="new-report-period">{t("newReport.period")}</label>
          <select
            id="new-report-period"
            required
            value={period}
            onChange={(e) => setPeriod(e.target.value)}
            disabled={!form}
            aria-invalid={invalid("periodCode")}
            aria-describedby={describedBy("periodCode")}
          >
            <option value="">{form ? t("newReport.choosePeriod") : t("newReport.formFirst")}</option>
            {periods.map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="new-report-correction">{t("reports.correction")}</label>
        <input
          id="new-report-correction"
          type="number"
          min={0}
          value={correction}
          onChange={(e) => setCorrection(e.target.value)}
          aria-invalid={invalid("correction")}
          aria-describedby={describedBy("correction") ?? "new-report-correction-hint"}
        />
        <span className="hint" id="new-report-correction-hint">
          {t("newReport.correctionHint")}
        </span>
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="new-report-submit">
          {t("newReport.create")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
