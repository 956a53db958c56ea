import { useState } from "react";
import { Link, Navigate } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  NotificationPreferencesDocument,
  UpdateNotificationPreferencesDocument,
} from "../graphql/generated";
import type { NotificationKind } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { useSession } from "../app/session";
import { ToLogin } from "../app/sessionWatch";
import { useWorkspaceNav } from "./Workspace";
import { useT } from "../i18n";
import type { MessageKey } from "../i18n/ru";
import "../notifications.css";
import { usePageTitle } from "../app/page";
import { ArrowLeftIcon } from "../components/Icon";

const KIND_LABEL: Record<NotificationKind, MessageKey> = {
  REPORT_REJECTED: "notifications.kind.REPORT_REJECTED",
  CLARIFICATION_REQUESTED: "notifications.kind.CLARIFICATION_REQUESTED",
  CHAT_MESSAGE: "notifications.kind.CHAT_MESSAGE",
  CHAT_NOTICE: "notifications.kind.CHAT_NOTICE",
  CHAT_NOTICE_REMINDER: "notifications.kind.CHAT_NOTICE_REMINDER",
  REQUEST_DEADLINE_WARNING: "notifications.kind.REQUEST_DEADLINE_WARNING",
};
const KIND_HINT: Record<NotificationKind, MessageKey> = {
  REPORT_REJECTED: "notifications.kindHint.REPORT_REJECTED",
  CLARIFICATION_REQUESTED: "notifications.kindHint.CLARIFICATION_REQUESTED",
  CHAT_MESSAGE: "notifications.kindHint.CHAT_MESSAGE",
  CHAT_NOTICE: "notifications.kindHint.CHAT_NOTICE",
  CHAT_NOTICE_REMINDER: "notifications.kindHint.CHAT_NOTICE_REMINDER",
  REQUEST_DEADLINE_WARNING: "notifications.kindHint.REQUEST_DEADLINE_WARNING",
};

/** The signed-in person's own notification preferences in this firm (staff and client users
 *  alike; reached from the bell). In-app notifications always arrive; each kind can also come
 *  by e-mail or not. A toggle is saved at once. */
export function NotificationSettingsPage() {
  const t = useT();
  usePageTitle(t("notifications.settings"));
  const { viewer, staffHere } = useSession();
  const nav = useWorkspaceNav();
  if (!viewer) return <ToLogin />;
  if (viewer.mfaPending) return <Navigate to="/account/security" replace />;
  return (
    <Shell nav={nav}>
      <div className="page-title">
        <h1>{t("notifications.settings")}</h1>
        {!staffHere && (
          <Link to="/" data-testid="notification-settings-back">
            <ArrowLeftIcon /> {t("notifications.backToCabinet")}
          </Link>
        )}
      </div>
      <EmailChoices email={viewer.email} />
    </Shell>
  );
}

type Choice = { kind: NotificationKind; email: boolean };

function EmailChoices({ email }: { email: string }) {
  const t = useT();
  const [{ data, fetching, error }] = useQuery({
    query: NotificationPreferencesDocument,
    requestPolicy: "network-only",
  });
  const [{ fetching: saving }, save] = useMutation(UpdateNotificationPreferencesDocument);
  const [choices, setChoices] = useState<Choice[] | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const shown = choices ?? data?.notificationPreferences ?? [];

  async function change(kind: NotificationKind, on: boolean) {
    setNotice(null);
    const result = await save({ preferences: [{ kind, email: on }] });
    const answer = result.data?.updateNotificationPreferences;
    if (answer?.__typename === "NotificationPreferencesUpdated") {
      setChoices(answer.preferences);
      setNotice({ ok: true, text: t("notifications.saved") });
    } else {
      setNotice({ ok: false, text: answer && "message" in answer ? answer.message : t("error.generic") });
    }
  }

  return (
    <section className="card notification-settings" aria-labelledby="notification-email-title" style={{ maxWidth: "40rem" }}>
      <h2 id="notification-email-title">{t("notifications.byEmail")}</h2>
      <p className="muted">{t("notifications.settingsIntro", { email })}</p>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {fetching && !data && <p role="status">{t("common.loading")}</p>}
      {shown.length > 0 && (
        <fieldset disabled={saving}>
          <legend>{t("notifications.emailAbout")}</legend>
          {shown.map((choice) => {
            const id = `notification-email-${choice.kind}`;
            return (
              <div className="checkbox notification-choice" key={choice.kind}>
                <input
                  id={id}
                  type="checkbox"
                  checked={choice.email}
                  aria-describedby={`${id}-hint`}
                  data-testid={id}
                  onChange={(e) => change(choice.kind, e.target.checked)}
                />
                <label htmlFor={id}>
                  {t(KIND_LABEL[choice.kind])}
                  <span className="hint muted" id={`${id}-hint`}>
                    {t(KIND_HINT[choice.kind])}
                  </span>
                </label>
              </div>
            );
          })}
        </fieldset>
      )}
      {notice &&
        (notice.ok ? (
          <OkAlert>
            <span data-testid="notification-settings-saved">{notice.text}</span>
          </OkAlert>
        ) : (
          <ErrorAlert>{notice.text}</ErrorAlert>
        ))}
    </section>
  );
}
