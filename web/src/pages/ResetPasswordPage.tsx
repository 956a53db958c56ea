import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useMutation } from "urql";
import { ResetPasswordDocument } from "../graphql/generated";
import { AuthLayout } from "../components/AuthLayout";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { PasswordFields } from "./PasswordFields";
import { useT } from "../i18n";

export function ResetPasswordPage() {
  const t = useT();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [{ fetching }, reset] = useMutation(ResetPasswordDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (password !== repeat) {
      setError(t("field.passwordsDiffer"));
      return;
    }
    const result = await reset({ token, newPassword: password });
    const outcome = result.data?.resetPassword;
    if (!outcome) setError(t("error.generic"));
    else if (outcome.__typename === "PasswordChanged") setDone(true);
    else setError(outcome.message);
  }

  return (
    <AuthLayout title={t("reset.title")}>
      {!token ? (
        <ErrorAlert>{t("reset.noToken")}</ErrorAlert>
      ) : done ? (
        <OkAlert>{t("reset.done")}</OkAlert>
      ) : (
        <form onSubmit={submit}>
          <ErrorAlert>{error}</ErrorAlert>
          <PasswordFields idPrefix="reset" password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
          <button className="btn btn-primary btn-block" type="submit" disabled={fetching}>
            {t("reset.submit")}
          </button>
        </form>
      )}
      <p>
        <Link to="/login">{done ? t("login.submit") : t("common.backToLogin")}</Link>
      </p>
    </AuthLayout>
  );
}
