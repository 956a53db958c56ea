import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { SessionIdleTimeoutDocument, UpdateSessionIdleTimeoutDocument } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { useT } from "../i18n";

/** The firm admin's idle timeout: a session unused for longer than this many minutes ends. */
export function IdleTimeoutForm() {
  const t = useT();
  const [{ data }] = useQuery({ query: SessionIdleTimeoutDocument, requestPolicy: "network-only" });
  const [value, setValue] = useState("");
  const [saved, setSaved] = useState<number | null>(null);
  const [status, setStatus] = useState<"ok" | string | null>(null);
  const [{ fetching }, update] = useMutation(UpdateSessionIdleTimeoutDocument);

  useEffect(() => {
    if (!data) return;
    setSaved(data.securitySettings.sessionIdleMinutes);
    setValue(String(data.securitySettings.sessionIdleMinutes));
  }, [data]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setStatus(null);
    const outcome = (await update({ minutes: Number(value) })).data?.updateSessionIdleTimeout;
    if (outcome?.__typename === "SecuritySettings") {
      setSaved(outcome.sessionIdleMinutes);
      setStatus("ok");
    } else {
      setStatus(outcome && "message" in outcome ? outcome.message : t("error.generic"));
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="idle-title">
      <h2 id="idle-title">{t("firm.sessions")}</h2>
      {status === "ok" && <OkAlert>{t("firm.saved")}</OkAlert>}
      {status && status !== "ok" && <ErrorAlert>{status}</ErrorAlert>}
      <div className="field">
        <label htmlFor="idle-minutes">{t("firm.idleMinutes")}</label>
        <input
          id="idle-minutes"
          type="number"
          min={15}
          max={20160}
          step={1}
          required
          value={value}
          aria-describedby="idle-minutes-hint"
          onChange={(e) => {
            setValue(e.target.value);
            setStatus(null);
          }}
          data-testid="idle-minutes"
        />
        <span className="hint" id="idle-minutes-hint">
          {t("firm.idleHint")}
        </span>
      </div>
      <button type="submit" className="btn btn-primary" disabled={fetching || saved === null || String(saved) === value} data-testid="idle-save">
        {t("common.save")}
      </button>
    </form>
  );
}
