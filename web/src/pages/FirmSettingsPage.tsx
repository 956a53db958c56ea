import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { FirmSettingsDocument, UpdateCabinetAccessDocument, UpdateSecuritySettingsDocument } from "../graphql/generated";
import type { FirmSettingsQuery } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { useRefreshBrand } from "../app/brand";
import { IdleTimeoutForm } from "../components/IdleTimeoutForm";
import { useI18n, useT } from "../i18n";
import { formatDateTime } from "../i18n/format";
import { usePageTitle } from "../app/page";

type CabinetState = FirmSettingsQuery["brandingSettings"];

/** The firm admin's switches: staff 2FA, the client cabinet (with its storage consent) and the
 *  sessions' idle timeout. */
export function FirmSettingsPage() {
  const t = useT();
  usePageTitle(t("firm.title"));
  const [{ data, error }] = useQuery({ query: FirmSettingsDocument, requestPolicy: "network-only" });
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("firm.title")}</h1>
      </div>
      {error && <ErrorAlert>{error.graphQLErrors[0]?.extensions?.code === "FORBIDDEN" ? t("error.forbidden") : t("error.generic")}</ErrorAlert>}
      {!data && !error && <p role="status">{t("common.loading")}</p>}
      {data && (
        <div className="grid-2">
          <SecurityForm requireStaffTotp={data.securitySettings.requireStaffTotp} />
          <CabinetForm initial={data.brandingSettings} />
          <IdleTimeoutForm />
        </div>
      )}
    </Workspace>
  );
}

function SecurityForm({ requireStaffTotp }: { requireStaffTotp: boolean }) {
  const t = useT();
  const [value, setValue] = useState(requireStaffTotp);
  const [saved, setSaved] = useState(requireStaffTotp);
  const [status, setStatus] = useState<"ok" | "error" | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [{ fetching }, update] = useMutation(UpdateSecuritySettingsDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setStatus(null);
    const answer = await update({ requireStaffTotp: value });
    const result = answer.data?.updateSecuritySettings;
    if (!result) {
      // The API's refusal is written for the reader (e.g. "enable it for yourself first").
      setRefusal(answer.error?.graphQLErrors[0]?.message ?? null);
      return setStatus("error");
    }
    setSaved(result.requireStaffTotp);
    setValue(result.requireStaffTotp);
    setStatus("ok");
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="security-title">
      <h2 id="security-title">{t("firm.security")}</h2>
      {status === "ok" && <OkAlert>{t("firm.saved")}</OkAlert>}
      {status === "error" && <ErrorAlert>{refusal ?? t("error.generic")}</ErrorAlert>}
      <div className="field">
        <div className="checkbox">
          <input
            id="require-totp"
            type="checkbox"
            checked={value}
            aria-describedby="require-totp-hint"
            onChange={(e) => {
              setValue(e.target.checked);
              setStatus(null);
            }}
          />
          <label htmlFor="require-totp">{t("firm.requireTotp")}</label>
        </div>
        <span className="hint" id="require-totp-hint">
          {t("firm.requireTotpHint")}
        </span>
      </div>
      <button type="submit" className="btn btn-primary" disabled={fetching || value === saved} data-testid="security-save">
        {t("common.save")}
      </button>
    </form>
  );
}

function CabinetForm({ initial }: { initial: CabinetState }) {
  const { t, lang } = useI18n();
  const refreshBrand = useRefreshBrand();
  const [enabled, setEnabled] = useState(initial.cabinetEnabled);
  const [consent, setConsent] = useState(initial.decryptedStorageConsent);
  const [saved, setSaved] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState(false);
  const [{ fetching }, update] = useMutation(UpdateCabinetAccessDocument);
  const dirty = enabled !== saved.cabinetEnabled || consent !== saved.decryptedStorageConsent;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setOk(false);
    const outcome = (await update({ enabled, decryptedStorageConsent: consent })).data?.updateCabinetAccess;
    if (outcome?.__typename === "CabinetAccess") {
      setSaved({
        ...saved,
        cabinetEnabled: outcome.enabled,
        decryptedStorageConsent: outcome.decryptedStorageConsent,
        decryptedStorageConsentAt: outcome.decryptedStorageConsentAt,
      });
      setEnabled(outcome.enabled);
      setConsent(outcome.decryptedStorageConsent);
      setOk(true);
      refreshBrand();
      return;
    }
    // ConsentRequiredError: the API's own words, in the cabinet's language.
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="cabinet-title">
      <h2 id="cabinet-title">{t("firm.cabinet")}</h2>
      {ok && <OkAlert>{t("firm.saved")}</OkAlert>}
      <ErrorAlert>{error}</ErrorAlert>
      <div className="field">
        <div className="checkbox">
          <input
            id="cabinet-enabled"
            type="checkbox"
            checked={enabled}
            aria-describedby="cabinet-enabled-hint"
            onChange={(e) => setEnabled(e.target.checked)}
          />
          <label htmlFor="cabinet-enabled">{t("firm.cabinetOn")}</label>
        </div>
        <span className="hint" id="cabinet-enabled-hint">
          {t("firm.cabinetHint")}
        </span>
      </div>
      <div className="field">
        <div className="checkbox">
          <input
            id="cabinet-consent"
            type="checkbox"
            checked={consent}
            aria-describedby="cabinet-consent-hint"
            onChange={(e) => setConsent(e.target.checked)}
          />
          <label htmlFor="cabinet-consent">{t("firm.consent")}</label>
        </div>
        <span className="hint" id="cabinet-consent-hint">
          {t("firm.consentHint")}
        </span>
        {saved.decryptedStorageConsent && saved.decryptedStorageConsentAt && (
          <span className="hint" data-testid="consent-at">
            {t("firm.consentAt", { at: formatDateTime(saved.decryptedStorageConsentAt, lang) })}
          </span>
        )}
      </div>
      <button type="submit" className="btn btn-primary" disabled={fetching || !dirty} data-testid="cabinet-save">
        {t("common.save")}
      </button>
    </form>
  );
}
