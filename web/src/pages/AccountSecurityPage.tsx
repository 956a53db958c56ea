import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { useMutation } from "urql";
import { ConfirmTotpDocument, DisableTotpDocument, StartTotpEnrollmentDocument } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { ErrorAlert, OkAlert, WarnAlert } from "../components/Alert";
import { QrCode } from "../components/QrCode";
import { SessionsPanel } from "../components/SessionsPanel";
import { ProfileNameForm } from "../components/ProfileNameForm";
import { RecoveryCodesList, RecoveryCodesSection } from "../components/RecoveryCodes";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { useWorkspaceNav } from "./Workspace";
import { useT } from "../i18n";
import { usePageTitle } from "../app/page";

/** The person's own login security: set up or turn off a TOTP second factor, its recovery
 *  codes (shown once, regenerable), see and end the sessions at this address (SessionsPanel).
 *  Reachable while
 *  the firm's 2FA rule still holds the session back (mfaPending), which is all it may do then. */
export function AccountSecurityPage() {
  const t = useT();
  usePageTitle(t("totp.title"));
  const { viewer } = useSession();
  const nav = useWorkspaceNav();
  const [notice, setNotice] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  if (!viewer) return <ToLogin />;
  return (
    <Shell nav={nav}>
      <div className="page-title">
        <h1>{t("totp.title")}</h1>
      </div>
      {viewer.mfaPending && <WarnAlert testId="totp-required">{t("totp.required")}</WarnAlert>}
      {notice && <OkAlert>{notice}</OkAlert>}
      <section className="card" aria-labelledby="totp-title" style={{ maxWidth: "40rem" }}>
        <h2 id="totp-title">{t("totp.sectionTitle")}</h2>
        <p data-testid="totp-state">{viewer.totpEnabled ? t("totp.enabled") : t("totp.disabled")}</p>
        {viewer.totpEnabled ? (
          <DisableTotp onDone={() => setNotice(t("totp.disabledNow"))} />
        ) : (
          <EnrollTotp
            onDone={(recovery) => {
              setNotice(t("totp.confirmed"));
              setCodes(recovery);
            }}
          />
        )}
        {viewer.totpEnabled && notice && (
          <p>
            <Link to="/">{t("totp.continue")}</Link>
          </p>
        )}
      </section>
      {codes && codes.length > 0 && <RecoveryCodesList codes={codes} onSaved={() => setCodes(null)} />}
      {viewer.totpEnabled && !codes && <RecoveryCodesSection onNew={setCodes} />}
      {!viewer.mfaPending && <ProfileNameForm />}
      <SessionsPanel />
    </Shell>
  );
}

function CodeField({
  id,
  value,
  onChange,
  recovery,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** A recovery code is accepted too (letters and a dash). */
  recovery?: boolean;
}) {
  const t = useT();
  return (
    <div className="field">
      <label htmlFor={id}>{t("totp.code")}</label>
      <input
        id={id}
        type="text"
        inputMode={recovery ? "text" : "numeric"}
        autoComplete="one-time-code"
        pattern={recovery ? undefined : "[0-9 ]{6,8}"}
        required
        value={value}
        aria-describedby={`${id}-hint`}
        onChange={(e) => onChange(e.target.value)}
      />
      <span className="hint" id={`${id}-hint`}>
        {recovery ? t("totp.codeOrRecoveryHint") : t("totp.codeHint")}
      </span>
    </div>
  );
}

function EnrollTotp({ onDone }: { onDone: (recoveryCodes: string[]) => void }) {
  const t = useT();
  const { refresh } = useSession();
  const [enrollment, setEnrollment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [{ fetching: starting }, start] = useMutation(StartTotpEnrollmentDocument);
  const [{ fetching: confirming }, confirm] = useMutation(ConfirmTotpDocument);

  async function begin() {
    setError(null);
    const outcome = (await start({})).data?.startTotpEnrollment;
    if (outcome?.__typename === "TotpEnrollment") setEnrollment(outcome);
    else setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const outcome = (await confirm({ code: code.replace(/\s/g, "") })).data?.confirmTotp;
    if (outcome?.__typename === "TotpChanged") {
      onDone(outcome.recoveryCodes);
      refresh();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  if (!enrollment) {
    return (
      <>
        <ErrorAlert>{error}</ErrorAlert>
        <button type="button" className="btn btn-primary" disabled={starting} onClick={begin} data-testid="totp-start">
          {t("totp.start")}
        </button>
      </>
    );
  }
  return (
    <form onSubmit={submit}>
      <p>{t("totp.scan")}</p>
      <QrCode value={enrollment.otpauthUri} label={t("totp.qrAlt")} />
      <div className="field">
        <span className="label" id="totp-secret-label">
          {t("totp.secret")}
        </span>
        <p className="secret" aria-labelledby="totp-secret-label" data-testid="totp-secret">
          {enrollment.secret}
        </p>
      </div>
      <div className="field">
        <span className="label" id="totp-uri-label">
          {t("totp.uri")}
        </span>
        <p className="secret" aria-labelledby="totp-uri-label" data-testid="totp-uri">
          {enrollment.otpauthUri}
        </p>
      </div>
      <ErrorAlert>{error}</ErrorAlert>
      <CodeField id="totp-code" value={code} onChange={setCode} />
      <button type="submit" className="btn btn-primary" disabled={confirming} data-testid="totp-confirm">
        {t("totp.confirm")}
      </button>
    </form>
  );
}

function DisableTotp({ onDone }: { onDone: () => void }) {
  const t = useT();
  const { refresh } = useSession();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, disable] = useMutation(DisableTotpDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const outcome = (await disable({ code: code.trim() })).data?.disableTotp;
    if (outcome?.__typename === "TotpChanged") {
      onDone();
      refresh();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <form onSubmit={submit}>
      <p className="muted">{t("totp.disableIntro")}</p>
      <ErrorAlert>{error}</ErrorAlert>
      <CodeField id="totp-disable-code" value={code} onChange={setCode} recovery />
      <button type="submit" className="btn btn-secondary" disabled={fetching} data-testid="totp-disable">
        {t("totp.disable")}
      </button>
    </form>
  );
}
