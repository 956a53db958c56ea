import { Link } from "react-router";
import { useQuery } from "urql";
import { ClientNeedsDocument } from "../graphql/generated";
import { ChatNoticeCard } from "./ChatNoticeCard";
import { needsClient } from "./ReportFeed";
import { ReportStatusBadge } from "./ReportStatusBadge";
import { formName, formatPeriod, reportPath } from "../reportLabels";
import { useI18n } from "../i18n";

/** The first thing on the client's home: what needs the client. Reports waiting for them (a
 *  clarification requested, a rejection being fixed) and the chat's notices they still have to
 *  act on (read, open the file, approve), each with its action in place and a way to the
 *  chat. One query for both; the cabinet asks each module, the modules know nothing of each
 *  other. Shown only when something waits. */
export function NeedsYouPanel({
  organizationId,
  cabinetPath,
  withReports,
  withChat,
}: {
  organizationId: string;
  cabinetPath: string;
  withReports: boolean;
  withChat: boolean;
}) {
  const { t, lang, pick } = useI18n();
  const [{ data }, refetch] = useQuery({
    query: ClientNeedsDocument,
    variables: { organizationId, withReports, withChat },
    pause: !withReports && !withChat,
    requestPolicy: "cache-and-network",
  });
  const reports = (data?.reports?.edges ?? []).map(({ node }) => node).filter(needsClient);
  const notices = (data?.chatNotices?.edges ?? []).map(({ node }) => node).filter((notice) => notice.awaitsViewer);
  if (reports.length === 0 && notices.length === 0) return null;
  return (
    <section className="card needs-you-panel" aria-labelledby="needs-you-title" data-testid="needs-you-panel">
      <h2 id="needs-you-title">{t("reports.needsYou")}</h2>
      <p className="hint">{t("home.needsYouHint")}</p>
      {reports.length > 0 && (
        <ul className="needs-you-reports" data-testid="needs-you-reports">
          {reports.map((report) => (
            <li key={report.id} data-report-id={report.id}>
              <Link to={`${cabinetPath}/reports/${reportPath(report.id)}`}>
                {formName(report, pick)}, {formatPeriod(report, t, lang)}
              </Link>{" "}
              <ReportStatusBadge status={report.status} />
            </li>
          ))}
        </ul>
      )}
      {notices.length > 0 && (
        <div className="needs-you-notices" data-testid="needs-you-notices">
          {notices.map((notice) => (
            <ChatNoticeCard key={notice.id} notice={notice} staff={false} onChanged={() => refetch({ requestPolicy: "network-only" })} />
          ))}
          <p>
            <Link to={`${cabinetPath}/chat`} data-testid="needs-you-chat">
              {t("home.openChat")}
            </Link>
          </p>
        </div>
      )}
    </section>
  );
}
