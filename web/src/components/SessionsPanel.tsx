import { useEffect, useState } from "react";
import { useMutation, useQuery } from "urql";
import { ActiveSessionsDocument, EndOtherSessionsDocument, EndSessionDocument } from "../graphql/generated";
import type { SessionFieldsFragment } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { formatDateTime } from "../reportLabels";
import { useI18n } from "../i18n";

type Outcome = { __typename: string; ended?: number; sessions?: SessionFieldsFragment[]; message?: string };

/** The viewer's working sessions at this address: device, address, opening and last use, this
 *  one marked; "End" per other session and "End all others". */
export function SessionsPanel() {
  const { t } = useI18n();
  const [{ data, error: loadError }] = useQuery({ query: ActiveSessionsDocument, requestPolicy: "network-only" });
  const [sessions, setSessions] = useState<SessionFieldsFragment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [{ fetching: ending }, endOne] = useMutation(EndSessionDocument);
  const [{ fetching: endingOthers }, endOthers] = useMutation(EndOtherSessionsDocument);

  useEffect(() => {
    if (data) setSessions(data.activeSessions);
  }, [data]);

  function settle(outcome: Outcome | undefined) {
    if (outcome?.__typename === "SessionsEnded" && outcome.sessions) {
      setSessions(outcome.sessions);
      setNotice(t("sessions.ended", { count: String(outcome.ended ?? 0) }));
    } else {
      setError(outcome?.message ?? t("error.generic"));
    }
  }

  async function onEnd(session: SessionFieldsFragment) {
    setError(null);
    setNotice(null);
    settle((await endOne({ id: session.id })).data?.endSession);
  }

  async function onEndOthers() {
    if (!window.confirm(t("sessions.endOthersConfirm"))) return;
    setError(null);
    setNotice(null);
    settle((await endOthers({})).data?.endOtherSessions);
  }

  const others = (sessions ?? []).filter((s) => !s.current).length;
  return (
    <section className="card" aria-labelledby="sessions-title" style={{ maxWidth: "40rem" }} data-testid="sessions">
      <h2 id="sessions-title">{t("sessions.title")}</h2>
      <p className="muted">{t("sessions.intro")}</p>
      {loadError && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {!sessions && !loadError && <p role="status">{t("common.loading")}</p>}
      {notice && <OkAlert>{notice}</OkAlert>}
      <ErrorAlert>{error}</ErrorAlert>
      {sessions && (
        <ul className="list" aria-label={t("sessions.title")}>
          {sessions.map((session) => (
            <SessionRow key={session.id} session={session} disabled={ending} onEnd={() => onEnd(session)} />
          ))}
        </ul>
      )}
      {others > 0 && (
        <button type="button" className="btn btn-secondary" style={{ marginTop: "1rem" }} disabled={endingOthers} onClick={onEndOthers} data-testid="sessions-end-others">
          {t("sessions.endOthers")}
        </button>
      )}
    </section>
  );
}

function SessionRow({ session, disabled, onEnd }: { session: SessionFieldsFragment; disabled: boolean; onEnd: () => void }) {
  const { t, lang } = useI18n();
  const device = session.device ?? t("sessions.unknownDevice");
  return (
    <li className="list-item" data-testid="session" data-current={session.current ? "true" : "false"}>
      <div className="grow">
        <div className="title" title={session.userAgent ?? undefined}>
          {device} {session.current && <span className="badge" data-testid="session-current">{t("sessions.thisOne")}</span>}
        </div>
        <div className="muted">
          {t("sessions.details", {
            address: session.address ?? t("sessions.unknownAddress"),
            created: formatDateTime(session.createdAt, lang),
            used: formatDateTime(session.lastUsedAt, lang),
          })}
        </div>
      </div>
      {!session.current && (
        <button
          type="button"
          className="btn btn-secondary"
          disabled={disabled}
          aria-label={`${t("sessions.end")}: ${device}`}
          onClick={onEnd}
          data-testid="session-end"
        >
          {t("sessions.end")}
        </button>
      )}
    </li>
  );
}
