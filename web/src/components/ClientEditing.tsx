import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AssignableStaffDocument, SetClientOrganizationManagersDocument, UpdateClientOrganizationDocument } from "../graphql/generated";
import type { ClientModule, LegalForm, TaxRegime } from "../graphql/generated";
import type { Organization } from "./OrganizationDetails";
import { ErrorAlert, OkAlert } from "./Alert";
import { GrantsChecklist } from "./GrantsChecklist";
import { fieldErrorOf } from "./fieldError";
import type { FieldError } from "./fieldError";
import { LEGAL_FORMS, LEGAL_FORM_LABEL, TAX_REGIMES, TAX_REGIME_LABEL, isIndividual } from "../labels";
import { useSession } from "../app/session";
import { primaryKeyOf } from "../graphql/ids";
import { useT } from "../i18n";
import "../clients.css";


/** The field's error (the API names the field: INN, KPP, OGRN...) under the field itself,
 *  tied to it with aria-invalid/aria-describedby. */
function FieldMessage({ id, error, field }: { id: string; error: FieldError; field: string }) {
  if (error?.field !== field) return null;
  return (
    <span className="field-error" id={id} role="alert" data-testid={`error-${field}`}>
      {error.message}
    </span>
  );
}

/** Edit an organization's name, form, numbers and tax regime; the API checks the numbers
 *  again as a whole and names the field it refuses. */
/** The employer status as the form's select holds it: "" (by the legal form), yes, no. */
function employerValue(hasEmployees: boolean | null | undefined): string {
  return hasEmployees == null ? "" : hasEmployees ? "yes" : "no";
}

export function OrganizationEditForm({ org, onSaved }: { org: Organization; onSaved: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(org.name);
  const [legalForm, setLegalForm] = useState<LegalForm>(org.legalForm);
  const [inn, setInn] = useState(org.inn);
  const [kpp, setKpp] = useState(org.kpp ?? "");
  const [ogrn, setOgrn] = useState(org.ogrn);
  const [taxRegime, setTaxRegime] = useState<TaxRegime>(org.taxRegime);
  const [employer, setEmployer] = useState(employerValue(org.hasEmployees));
  const [error, setError] = useState<FieldError>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, update] = useMutation(UpdateClientOrganizationDocument);
  const individual = isIndividual(legalForm);

  function reset() {
    setName(org.name);
    setLegalForm(org.legalForm);
    setInn(org.inn);
    setKpp(org.kpp ?? "");
    setOgrn(org.ogrn);
    setTaxRegime(org.taxRegime);
    setEmployer(employerValue(org.hasEmployees));
    setError(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await update({
      input: {
        id: org.id,
        name,
        legalForm,
        inn,
        kpp: individual ? null : kpp || null,
        ogrn,
        taxRegime,
        hasEmployees: employer === "" ? null : employer === "yes",
      },
    });
    const outcome = result.data?.updateClientOrganization;
    if (outcome?.__typename === "ClientOrganization") {
      setOpen(false);
      setSaved(true);
      onSaved();
      return;
    }
    // A duplicate INN/KPP is a conflict (no field in the API's answer): it is about the INN.
    setError(fieldErrorOf(outcome, t("error.generic"), { DUPLICATE_INN: "inn" }));
  }

  const invalid = (field: string) => (error?.field === field ? true : undefined);
  const describedBy = (field: string) => (error?.field === field ? `edit-${field}-error` : undefined);

  if (!open) {
    return (
      <div className="actions">
        {saved && <OkAlert>{t("clients.saved")}</OkAlert>}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            reset();
            setSaved(false);
            setOpen(true);
          }}
          aria-label={t("clients.editOf", { name: org.name })}
          data-testid="edit-client"
        >
          {t("clients.edit")}
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={submit} data-testid="edit-client-form" aria-label={t("clients.editOf", { name: org.name })}>
      {error && !error.field && <ErrorAlert>{error.message}</ErrorAlert>}
      <div className="field">
        <label htmlFor="edit-name">{t("org.name")}</label>
        <input id="edit-name" type="text" required value={name} onChange={(e) => setName(e.target.value)} aria-invalid={invalid("name")} aria-describedby={describedBy("name")} />
        <FieldMessage id="edit-name-error" error={error} field="name" />
      </div>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="edit-form">{t("org.legalForm")}</label>
          <select id="edit-form" value={legalForm} onChange={(e) => setLegalForm(e.target.value as LegalForm)} aria-invalid={invalid("legalForm")} aria-describedby={describedBy("legalForm")}>
            {LEGAL_FORMS.map((f) => (
              <option key={f} value={f}>
                {t(LEGAL_FORM_LABEL[f])}
              </option>
            ))}
          </select>
          <FieldMessage id="edit-legalForm-error" error={error} field="legalForm" />
        </div>
        <div className="field">
          <label htmlFor="edit-tax">{t("org.taxRegime")}</label>
          <select id="edit-tax" value={taxRegime} onChange={(e) => setTaxRegime(e.target.value as TaxRegime)} aria-invalid={invalid("taxRegime")} aria-describedby={describedBy("taxRegime")}>
            {TAX_REGIMES.map((r) => (
              <option key={r} value={r}>
                {t(TAX_REGIME_LABEL[r])}
              </option>
            ))}
          </select>
          <FieldMessage id="edit-taxRegime-error" error={error} field="taxRegime" />
        </div>
        <div className="field">
          <label htmlFor="edit-employer">{t("org.employer")}</label>
          <select id="edit-employer" value={employer} onChange={(e) => setEmployer(e.target.value)} aria-describedby="edit-employer-help" data-testid="edit-employer">
            <option value="">{t(individual ? "org.employerAutoIp" : "org.employerAutoOrg")}</option>
            <option value="yes">{t("org.employerYes")}</option>
            <option value="no">{t("org.employerNo")}</option>
          </select>
          <span id="edit-employer-help" className="muted">
            {t("org.employerHelp")}
          </span>
        </div>
        <div className="field">
          <label htmlFor="edit-inn">{t("org.inn")}</label>
          <input id="edit-inn" type="text" inputMode="numeric" required value={inn} onChange={(e) => setInn(e.target.value)} aria-invalid={invalid("inn")} aria-describedby={describedBy("inn")} />
          <FieldMessage id="edit-inn-error" error={error} field="inn" />
        </div>
        {!individual && (
          <div className="field">
            <label htmlFor="edit-kpp">{t("org.kpp")}</label>
            <input id="edit-kpp" type="text" inputMode="numeric" value={kpp} onChange={(e) => setKpp(e.target.value)} aria-invalid={invalid("kpp")} aria-describedby={describedBy("kpp")} />
            <FieldMessage id="edit-kpp-error" error={error} field="kpp" />
          </div>
        )}
        <div className="field">
          <label htmlFor="edit-ogrn">{individual ? t("org.ogrnip") : t("org.ogrn")}</label>
          <input id="edit-ogrn" type="text" inputMode="numeric" required value={ogrn} onChange={(e) => setOgrn(e.target.value)} aria-invalid={invalid("ogrn")} aria-describedby={describedBy("ogrn")} />
          <FieldMessage id="edit-ogrn-error" error={error} field="ogrn" />
        </div>
      </div>
      <div className="filters">
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="save-client">
          {t("common.save")}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            reset();
            setOpen(false);
          }}
        >
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

/** The firm's active staff for the manager pickers (`assignableStaff`). */
export function useAssignableStaff() {
  const [{ data }] = useQuery({ query: AssignableStaffDocument });
  return data?.assignableStaff ?? null;
}

/** A select of the firm's staff; the viewer marked "(you)". */
export function StaffSelect({
  id,
  value,
  onChange,
  allowNone,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  allowNone: boolean;
}) {
  const t = useT();
  const staff = useAssignableStaff();
  const { viewer } = useSession();
  const me = viewer ? primaryKeyOf(viewer.id) : null;
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid={id}>
      {allowNone && <option value="">{t("clients.noManagerOption")}</option>}
      {(staff ?? []).map((p) => {
        const name = p.displayName || p.email;
        return (
          <option key={p.id} value={p.id}>
            {primaryKeyOf(p.id) === me ? t("clients.you", { name }) : name}
          </option>
        );
      })}
    </select>
  );
}

/** Set the responsible manager and the moderators (`setClientOrganizationManagers`). */
export function ManagersEditor({ org, onSaved }: { org: Organization; onSaved: () => void }) {
  const t = useT();
  const staff = useAssignableStaff();
  const [open, setOpen] = useState(false);
  const [manager, setManager] = useState(org.responsibleManager?.id ?? "");
  const [moderators, setModerators] = useState<string[]>(org.moderators.map((m) => m.id));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, save] = useMutation(SetClientOrganizationManagersDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await save({ id: org.id, responsibleManagerId: manager || null, moderatorIds: moderators });
    const outcome = result.data?.setClientOrganizationManagers;
    if (outcome?.__typename === "ClientOrganization") {
      setOpen(false);
      setSaved(true);
      onSaved();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  if (!open) {
    return (
      <div className="actions">
        {saved && <OkAlert>{t("clients.managersSaved")}</OkAlert>}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setManager(org.responsibleManager?.id ?? "");
            setModerators(org.moderators.map((m) => m.id));
            setSaved(false);
            setOpen(true);
          }}
          data-testid="edit-managers"
        >
          {t("clients.managersEdit")}
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={submit} data-testid="managers-form" aria-label={t("clients.managersEdit")}>
      <ErrorAlert>{error}</ErrorAlert>
      <div className="field">
        <label htmlFor="managers-responsible">{t("clients.managerField")}</label>
        <StaffSelect id="managers-responsible" value={manager} onChange={setManager} allowNone />
      </div>
      <fieldset className="checklist">
        <legend>{t("org.moderators")}</legend>
        {(staff ?? []).map((p) => {
          const boxId = `moderator-${p.id.replace(/[^a-zA-Z0-9]/g, "")}`;
          return (
            <div className="checkbox" key={p.id}>
              <input
                id={boxId}
                type="checkbox"
                checked={moderators.includes(p.id)}
                onChange={(e) => setModerators(e.target.checked ? [...moderators, p.id] : moderators.filter((m) => m !== p.id))}
              />
              <label htmlFor={boxId}>{p.displayName || p.email}</label>
            </div>
          );
        })}
      </fieldset>
      <div className="filters">
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="save-managers">
          {t("common.save")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

/** The sections of the client cabinet the firm offers this organization (`enabledModules`);
 *  a section switched off leaves every contact's access at once. */
export function ModulesEditor({ org, onSaved }: { org: Organization; onSaved: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [modules, setModules] = useState<ClientModule[]>(org.enabledModules);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, update] = useMutation(UpdateClientOrganizationDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await update({ input: { id: org.id, enabledModules: modules } });
    const outcome = result.data?.updateClientOrganization;
    if (outcome?.__typename === "ClientOrganization") {
      setOpen(false);
      setSaved(true);
      onSaved();
      return;
    }
    setError(fieldErrorOf(outcome, t("error.generic"))?.message ?? null);
  }

  if (!open) {
    return (
      <div className="actions">
        {saved && <OkAlert>{t("clients.modulesSaved")}</OkAlert>}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setModules(org.enabledModules);
            setSaved(false);
            setOpen(true);
          }}
          data-testid="edit-modules"
        >
          {t("clients.modulesEdit")}
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={submit} data-testid="modules-form" aria-label={t("clients.modulesEdit")}>
      <ErrorAlert>{error}</ErrorAlert>
      <GrantsChecklist legend={t("clients.enabledModules")} value={modules} onChange={setModules} idPrefix="org-module" />
      <p className="hint">{t("clients.modulesHint")}</p>
      <div className="filters">
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="save-modules">
          {t("common.save")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
