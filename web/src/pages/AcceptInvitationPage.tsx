import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQuery } from "urql";
import { AcceptInvitationDocument, InvitationPreviewDocument } from "../graphql/generated";
import { AuthLayout } from "../components/AuthLayout";
import { ErrorAlert } from "../components/Alert";
import { PasswordFields } from "./PasswordFields";
import { useResetClient } from "../app/client";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n";

export function AcceptInvitationPage() {
  const t = useT();
  const navigate = useNavigate();
  const resetClient = useResetClient();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [{ data, fetching: loading }] = useQuery({
    query: InvitationPreviewDocument,
    variables: { token },
    pause: !token,
    requestPolicy: "network-only",
  });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, accept] = useMutation(AcceptInvitationDocument);
  const invitation = data?.invitation ?? null;

  let problem: MessageKey | null = null;
  if (!token || (!loading && data && !invitation)) problem = "invite.unknown";
  else if (invitation?.revoked) problem = "invite.revoked";
  else if (invitation?.used) problem = "invite.used";
  else if (invitation?.expired) problem = "invite.expired";

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!invitation) return;
    if (!invitation.accountExists && password !== repeat) {
      setError(t("field.passwordsDiffer"));
      return;
    }
    const result = await accept({
      token,
      password,
      displayName: invitation.accountExists ? null : name,
    });
    const outcome = result.data?.acceptInvitation;
    if (!outcome) {
      setError(t("error.generic"));
      return;
    }
    if (outcome.__typename === "InvitationAccepted") {
      resetClient();
      navigate(outcome.loggedIn ? "/" : "/login", { replace: true });
      return;
    }
    setError(outcome.message);
  }

  return (
    <AuthLayout title={t("invite.title")}>
      {problem ? (
        <>
          <ErrorAlert>{t(problem)}</ErrorAlert>
          <p>
            <Link to="/login">{t("common.backToLogin")}</Link>
          </p>
        </>
      ) : !invitation ? (
        <p role="status">{t("common.loading")}</p>
      ) : (
        <form onSubmit={submit}>
          <p>
            {t(invitation.kind === "STAFF" ? "invite.introStaff" : "invite.introClient", {
              firm: invitation.firm.name,
            })}
          </p>
          <ErrorAlert>{error}</ErrorAlert>
          <div className="field">
            <label htmlFor="invite-email">{t("field.email")}</label>
            <input id="invite-email" type="email" autoComplete="username" value={invitation.email} readOnly />
          </div>
          {invitation.accountExists ? (
            <>
              <p className="muted">{t("invite.accountExists")}</p>
              <div className="field">
                <label htmlFor="invite-current">{t("field.password")}</label>
                <input
                  id="invite-current"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </div>
            </>
          ) : (
            <>
              <div className="field">
                <label htmlFor="invite-name">{t("field.displayName")}</label>
                <input id="invite-name" type="text" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
              </div>
              <PasswordFields idPrefix="invite" password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
            </>
          )}
          <button className="btn btn-primary btn-block" type="submit" disabled={fetching} data-testid="invite-submit">
            {invitation.accountExists ? t("invite.join") : t("invite.submit")}
          </button>
        </form>
      )}
    </AuthLayout>
  );
}
