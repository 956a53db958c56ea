import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { useMutation } from "urql";
import { RequestPasswordResetDocument } from "../graphql/generated";
import { AuthLayout } from "../components/AuthLayout";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { useT } from "../i18n";

export function ForgotPasswordPage() {
  const t = useT();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, request] = useMutation(RequestPasswordResetDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await request({ email });
    if (result.error) setError(t("error.generic"));
    else setSent(true);
  }

  return (
    <AuthLayout title={t("forgot.title")}>
      <ErrorAlert>{error}</ErrorAlert>
      {sent ? (
        <OkAlert>{t("forgot.sent", { email })}</OkAlert>
      ) : (
        <form onSubmit={submit}>
          <p className="muted">{t("forgot.intro")}</p>
          <div className="field">
            <label htmlFor="forgot-email">{t("field.email")}</label>
            <input id="forgot-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <button className="btn btn-primary btn-block" type="submit" disabled={fetching}>
            {t("forgot.submit")}
          </button>
        </form>
      )}
      <p>
        <Link to="/login">{t("common.backToLogin")}</Link>
      </p>
    </AuthLayout>
  );
}
