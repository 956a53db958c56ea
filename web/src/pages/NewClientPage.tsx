import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation } from "urql";
import { CreateClientOrganizationDocument } from "../graphql/generated";
import type { LegalForm, TaxRegime } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { LEGAL_FORMS, LEGAL_FORM_LABEL, TAX_REGIMES, TAX_REGIME_LABEL, isIndividual } from "../labels";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";
import { useSession } from "../app/session";
import { primaryKeyOf } from "../graphql/ids";
import { StaffSelect, useAssignableStaff } from "../components/ClientEditing";

/** Onboard a client organization; the API checks INN, KPP and OGRN and names the field. */
export function NewClientPage() {
  const t = useT();
  usePageTitle(t("clients.new"));
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [legalForm, setLegalForm] = useState<LegalForm>("OOO");
  const [inn, setInn] = useState("");
  const [kpp, setKpp] = useState("");
  const [ogrn, setOgrn] = useState("");
  const [taxRegime, setTaxRegime] = useState<TaxRegime>("USN_INCOME");
  // The responsible manager: the person creating the client unless they choose another.
  const { viewer } = useSession();
  const staff = useAssignableStaff();
  const me = staff?.find((p) => viewer && primaryKeyOf(p.id) === primaryKeyOf(viewer.id))?.id ?? "";
  const [chosenManager, setManager] = useState<string | null>(null);
  const manager = chosenManager ?? me;
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null);
  const [{ fetching }, create] = useMutation(CreateClientOrganizationDocument);
  const individual = isIndividual(legalForm);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await create({
      input: { name, legalForm, inn, kpp: individual ? null : kpp || null, ogrn, taxRegime, responsibleManagerId: manager || null },
    });
    const outcome = result.data?.createClientOrganization;
    if (outcome?.__typename === "ClientOrganization") {
      navigate(`/clients/${encodeURIComponent(outcome.id)}`);
      return;
    }
    setError({
      message: outcome && "message" in outcome ? outcome.message : t("error.generic"),
      field: outcome?.__typename === "ValidationError" ? outcome.field : null,
    });
  }

  const invalid = (field: string) => (error?.field === field ? true : undefined);
  const describedBy = (field: string) => (error?.field === field ? "new-client-error" : undefined);

  return (
    <Workspace>
      <p>
        <Link to="/clients">← {t("clients.backToList")}</Link>
      </p>
      <div className="page-title">
        <h1>{t("clients.new")}</h1>
      </div>
      <form className="card" onSubmit={submit}>
        {error && (
          <div className="alert alert-error" role="alert" id="new-client-error">
            {error.message}
          </div>
        )}
        <div className="field">
          <label htmlFor="new-name">{t("org.name")}</label>
          <input id="new-name" type="text" required value={name} onChange={(e) => setName(e.target.value)} aria-invalid={invalid("name")} aria-describedby={describedBy("name")} />
        </div>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="new-form">{t("org.legalForm")}</label>
            <select id="new-form" value={legalForm} onChange={(e) => setLegalForm(e.target.value as LegalForm)}>
              {LEGAL_FORMS.map((f) => (
                <option key={f} value={f}>
                  {t(LEGAL_FORM_LABEL[f])}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="new-tax">{t("org.taxRegime")}</label>
            <select id="new-tax" value={taxRegime} onChange={(e) => setTaxRegime(e.target.value as TaxRegime)}>
              {TAX_REGIMES.map((r) => (
                <option key={r} value={r}>
                  {t(TAX_REGIME_LABEL[r])}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="new-inn">{t("org.inn")}</label>
            <input id="new-inn" type="text" inputMode="numeric" required value={inn} onChange={(e) => setInn(e.target.value)} aria-invalid={invalid("inn")} aria-describedby={describedBy("inn")} />
            <span className="hint">{individual ? t("org.innHintIndividual") : t("org.innHintEntity")}</span>
          </div>
          {!individual && (
            <div className="field">
              <label htmlFor="new-kpp">{t("org.kpp")}</label>
              <input id="new-kpp" type="text" inputMode="numeric" value={kpp} onChange={(e) => setKpp(e.target.value)} aria-invalid={invalid("kpp")} aria-describedby={describedBy("kpp")} />
            </div>
          )}
          <div className="field">
            <label htmlFor="new-ogrn">{individual ? t("org.ogrnip") : t("org.ogrn")}</label>
            <input id="new-ogrn" type="text" inputMode="numeric" required value={ogrn} onChange={(e) => setOgrn(e.target.value)} aria-invalid={invalid("ogrn")} aria-describedby={describedBy("ogrn")} />
          </div>
        </div>
        {staff ? (
          <div className="field">
            <label htmlFor="new-manager">{t("clients.managerField")}</label>
            <StaffSelect id="new-manager" value={manager} onChange={setManager} allowNone={false} />
            <span className="hint">{t("clients.managerDefaultHint")}</span>
          </div>
        ) : (
          // Without the staff list (still loading) the API names the creator anyway.
          <p className="hint" data-testid="new-client-manager">
            {t("clients.managerIsYou")}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={fetching}>
          {t("clients.create")}
        </button>
      </form>
    </Workspace>
  );
}
