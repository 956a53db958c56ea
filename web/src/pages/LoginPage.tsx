import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation } from "urql";
import { LoginDocument } from "../graphql/generated";
import { AuthLayout } from "../components/AuthLayout";
import { ErrorAlert, WarnAlert } from "../components/Alert";
import { useBrand } from "../app/brand";
import { useResetClient } from "../app/client";
import { safeNext } from "../app/sessionWatch";
import { useT } from "../i18n";

export function LoginPage() {
  const t = useT();
  const brand = useBrand();
  const navigate = useNavigate();
  const resetClient = useResetClient();
  const [params] = useSearchParams();
  // Sent here because the session ended (app/sessionWatch.tsx): back to `next` afterwards.
  const ended = params.get("ended") === "1";
  const next = safeNext(params.get("next"));
  const [recovery, setRecovery] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOtp] = useState("");
  const [needOtp, setNeedOtp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, login] = useMutation(LoginDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await login({ email, password, otp: needOtp ? otp : null });
    const outcome = result.data?.login;
    if (!outcome) {
      setError(t("error.generic"));
      return;
    }
    switch (outcome.__typename) {
      case "LoginSuccess":
        resetClient();
        navigate(next ?? (brand.isPlatform ? "/cabinets" : "/"), { replace: true });
        return;
      case "TotpSetupRequired":
        // The firm requires 2FA and this person has none yet: setting it up is all they may do.
        resetClient();
        navigate("/account/security", { replace: true });
        return;
      case "OtpRequired":
        setNeedOtp(true);
        return;
      default:
        setError(outcome.message);
    }
  }

  return (
    <AuthLayout title={t("login.title")}>
      {!brand.isPlatform && !brand.cabinetEnabled && <WarnAlert>{t("login.cabinetClosed")}</WarnAlert>}
      {ended && <WarnAlert testId="session-ended">{t("login.sessionEnded")}</WarnAlert>}
      <ErrorAlert id="login-error">{error}</ErrorAlert>
      <form onSubmit={submit} noValidate={false}>
        <div className="field">
          <label htmlFor="login-email">{t("field.email")}</label>
          <input
            id="login-email"
            type="email"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "login-error" : undefined}
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t("field.password")}</label>
          <input
            id="login-password"
            type="password"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "login-error" : undefined}
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {needOtp && (
          <div className="field">
            <label htmlFor="login-otp">{recovery ? t("login.recoveryCode") : t("login.otp")}</label>
            <input
              id="login-otp"
              type="text"
              inputMode={recovery ? "text" : "numeric"}
              autoComplete="one-time-code"
              required
              autoFocus
              value={otp}
              onChange={(e) => setOtp(e.target.value)}
            />
            <span className="hint">{recovery ? t("login.recoveryHint") : t("login.otpHint")}</span>
            <button type="button" className="btn-link" onClick={() => setRecovery(!recovery)} data-testid="login-use-recovery">
              {recovery ? t("login.useApp") : t("login.useRecovery")}
            </button>
          </div>
        )}
        <button className="btn btn-primary btn-block" type="submit" disabled={fetching} data-testid="login-submit">
          {fetching ? t("login.submitting") : t("login.submit")}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t("login.forgot")}</Link>
      </p>
    </AuthLayout>
  );
}
