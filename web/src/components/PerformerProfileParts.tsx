// Parts of the performer's profile page: the former employers (INN and until when: the tax
// service's two-year rule) and the portfolio (add and remove works).
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation } from "urql";
import { AddPortfolioItemDocument, RemovePortfolioItemDocument } from "../graphql/generated";
import type { PerformerProfileFieldsFragment } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { fieldErrorOf } from "./fieldError";
import { useT } from "../i18n";
import { useFormat } from "../i18n/format";
import "../performerMoney.css";

export type EmployerRow = { inn: string; until: string };

export function FormerEmployersEditor({ rows, onChange, error }: { rows: EmployerRow[]; onChange: (rows: EmployerRow[]) => void; error?: string | null }) {
  const t = useT();
  const update = (n: number, patch: Partial<EmployerRow>) => onChange(rows.map((row, i) => (i === n ? { ...row, ...patch } : row)));
  return (
    <fieldset className="performer-employers" data-testid="former-employers" aria-describedby={error ? "profile-formerEmployers-error" : undefined}>
      <legend>{t("performerMoney.employers")}</legend>
      <p className="hint">{t("performerMoney.employersHint")}</p>
      {rows.map((row, n) => (
        <div className="performer-employer" key={n} data-testid="former-employer">
          <div className="field">
            <label htmlFor={`employer-inn-${n}`}>{t("performerMoney.employerInn")}</label>
            <input id={`employer-inn-${n}`} type="text" inputMode="numeric" value={row.inn} onChange={(e) => update(n, { inn: e.target.value })} data-testid="employer-inn" />
          </div>
          <div className="field">
            <label htmlFor={`employer-until-${n}`}>{t("performerMoney.employerUntil")}</label>
            <input id={`employer-until-${n}`} type="date" value={row.until} onChange={(e) => update(n, { until: e.target.value })} data-testid="employer-until" />
          </div>
          <button type="button" className="btn" onClick={() => onChange(rows.filter((_, i) => i !== n))} data-testid="employer-remove">
            {t("performerMoney.remove")}
          </button>
        </div>
      ))}
      {error && (
        <p className="field-error" id="profile-formerEmployers-error" role="alert" data-testid="profile-field-error" data-field="formerEmployers">
          {error}
        </p>
      )}
      <button type="button" className="btn" onClick={() => onChange([...rows, { inn: "", until: "" }])} data-testid="employer-add">
        {t("performerMoney.employerAdd")}
      </button>
    </fieldset>
  );
}

function PortfolioForm({ onAdded }: { onAdded: () => void }) {
  const t = useT();
  const [v, setV] = useState({ title: "", description: "", url: "" });
  const [{ data, fetching }, add] = useMutation(AddPortfolioItemDocument);
  const [added, setAdded] = useState(false);
  const outcome = data?.addPortfolioItem;
  const refused = outcome && outcome.__typename !== "PortfolioItem" ? fieldErrorOf(outcome, t("error.generic")) : null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setAdded(false);
    const result = await add({ title: v.title.trim(), description: v.description.trim(), url: v.url.trim() || null });
    if (result.data?.addPortfolioItem.__typename === "PortfolioItem") {
      setV({ title: "", description: "", url: "" });
      setAdded(true);
      onAdded();
    }
  };
  const errorOf = (field: string) => (refused?.field === field ? refused.message : null);
  const field = (key: "title" | "url", label: string) => (
    <div className="field">
      <label htmlFor={`portfolio-${key}`}>{label}</label>
      <input
        id={`portfolio-${key}`}
        type="text"
        inputMode={key === "url" ? "url" : undefined}
        required={key === "title"}
        value={v[key]}
        onChange={(e) => setV({ ...v, [key]: e.target.value })}
        aria-invalid={errorOf(key) ? true : undefined}
        aria-describedby={errorOf(key) ? `portfolio-${key}-error` : undefined}
        data-testid={`portfolio-${key}`}
      />
      {errorOf(key) && (
        <p className="field-error" id={`portfolio-${key}-error`} role="alert" data-testid="portfolio-field-error" data-field={key}>
          {errorOf(key)}
        </p>
      )}
    </div>
  );
  return (
    <form className="performer-portfolio-form" onSubmit={(e) => void submit(e)} data-testid="portfolio-form">
      <h3>{t("performerMoney.portfolioAdd")}</h3>
      {field("title", t("performerMoney.portfolioTitle"))}
      <div className="field">
        <label htmlFor="portfolio-description">{t("performerMoney.portfolioDescription")}</label>
        <textarea id="portfolio-description" value={v.description} onChange={(e) => setV({ ...v, description: e.target.value })} data-testid="portfolio-description" />
      </div>
      {field("url", t("performerMoney.portfolioUrl"))}
      {refused && !["title", "url"].includes(refused.field ?? "") && <ErrorAlert>{refused.message}</ErrorAlert>}
      {added && <OkAlert>{t("performerMoney.portfolioAdded")}</OkAlert>}
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="portfolio-submit">
        {t("performerMoney.portfolioAddButton")}
      </button>
    </form>
  );
}

export function PortfolioPanel({ items, onChange }: { items: PerformerProfileFieldsFragment["portfolio"]; onChange: () => void }) {
  const t = useT();
  const f = useFormat();
  const [{ data, fetching }, remove] = useMutation(RemovePortfolioItemDocument);
  const outcome = data?.removePortfolioItem;
  return (
    <section className="card performer-portfolio" data-testid="portfolio" aria-labelledby="portfolio-heading">
      <h2 id="portfolio-heading">{t("performerMoney.portfolio")}</h2>
      <p className="hint">{t("performerMoney.portfolioHint", { count: f.number(items.length) })}</p>
      {items.length === 0 && <p>{t("performerMoney.portfolioEmpty")}</p>}
      {items.length > 0 && (
        <ul className="performer-portfolio-items">
          {items.map((item) => (
            <li key={item.id} data-testid="portfolio-item" data-item-id={item.id}>
              <strong>{item.title}</strong>
              {item.description && <p>{item.description}</p>}
              {item.url && (
                <p>
                  <a href={item.url} target="_blank" rel="noopener noreferrer">
                    {item.url}
                  </a>
                </p>
              )}
              <button
                type="button"
                className="btn"
                disabled={fetching}
                aria-label={t("performerMoney.portfolioRemoveNamed", { title: item.title })}
                onClick={() => void remove({ itemId: item.id }).then((r) => r.data?.removePortfolioItem.__typename === "PortfolioItem" && onChange())}
                data-testid="portfolio-remove"
              >
                {t("performerMoney.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {outcome && outcome.__typename !== "PortfolioItem" && <ErrorAlert>{outcome.message}</ErrorAlert>}
      <PortfolioForm onAdded={onChange} />
    </section>
  );
}
