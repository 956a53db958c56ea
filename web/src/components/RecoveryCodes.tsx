import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { RecoveryCodesLeftDocument, RegenerateRecoveryCodesDocument } from "../graphql/generated";
import { ErrorAlert, WarnAlert } from "./Alert";
import { useT } from "../i18n";
import "../account.css";

/** Ten recovery codes, shown once (after TOTP is turned on, or after regenerating): only
 *  their hashes are kept by the API, so this is the one chance to save them. */
export function RecoveryCodesList({ codes, onSaved }: { codes: string[]; onSaved: () => void }) {
  const t = useT();
  return (
    <section className="card" aria-labelledby="recovery-new-title" data-testid="recovery-codes-new">
      <h2 id="recovery-new-title">{t("recovery.newTitle")}</h2>
      <WarnAlert>{t("recovery.shownOnce")}</WarnAlert>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-secondary" onClick={onSaved} data-testid="recovery-saved">
        {t("recovery.saved")}
      </button>
    </section>
  );
}

/** How many recovery codes are left, and a new set (confirmed with a current code). */
export function RecoveryCodesSection({ onNew }: { onNew: (codes: string[]) => void }) {
  const t = useT();
  const [{ data }] = useQuery({ query: RecoveryCodesLeftDocument, requestPolicy: "network-only" });
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, regenerate] = useMutation(RegenerateRecoveryCodesDocument);
  const left = data?.viewer?.recoveryCodesLeft;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const outcome = (await regenerate({ code: code.trim() })).data?.regenerateRecoveryCodes;
    if (outcome?.__typename === "RecoveryCodes") {
      setCode("");
      onNew(outcome.codes);
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <section className="card" aria-labelledby="recovery-title" data-testid="recovery-section">
      <h2 id="recovery-title">{t("recovery.title")}</h2>
      <p>{t("recovery.intro")}</p>
      {left !== undefined && (
        <p data-testid="recovery-left">{left === 0 ? t("recovery.none") : t("recovery.left", { n: left })}</p>
      )}
      <form onSubmit={submit}>
        <ErrorAlert id="recovery-error">{error}</ErrorAlert>
        <div className="field">
          <label htmlFor="recovery-code">{t("recovery.confirmCode")}</label>
          <input
            id="recovery-code"
            type="text"
            autoComplete="one-time-code"
            required
            value={code}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "recovery-error" : undefined}
            onChange={(e) => setCode(e.target.value)}
          />
        </div>
        <button type="submit" className="btn btn-secondary" disabled={fetching} data-testid="recovery-regenerate">
          {t("recovery.regenerate")}
        </button>
      </form>
    </section>
  );
}
