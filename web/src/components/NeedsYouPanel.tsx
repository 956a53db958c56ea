import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { useClient, useQuery } from "urql";
import {
  ChatConversationDocument,
  ClientAwaitingNoticesDocument,
  ClientNeedsReportsDocument,
  ReportStatusChangedDocument,
} from "../graphql/generated";
import { useChatEvents } from "../chat/live";
import { ChatNoticeCard } from "./ChatNoticeCard";
import { needsClient } from "./ReportFeed";
import { ReportStatusBadge } from "./ReportStatusBadge";
import { formName, formatPeriod, reportPath } from "../reportLabels";
import { useI18n } from "../i18n";

/** What needs the client, asked as soon as the organization is known (with the organization's
 *  own query, not after it); `ready` once both answered, so the home can show its content in
 *  one go instead of the block pushing the feed down when it arrives. A refusal (the module
 *  not granted) counts as nothing waiting. */
export function useClientNeeds(organizationId: string | null) {
  const pause = organizationId === null;
  const variables = { organizationId: organizationId ?? "" };
  const [reports, refetchReports] = useQuery({ query: ClientNeedsReportsDocument, variables, pause });
  const [notices, refetchNotices] = useQuery({ query: ClientAwaitingNoticesDocument, variables, pause });
  // A notice posted while the home is open comes in live: any new entry of the organization's
  // conversation asks for the awaiting notices again (the conversation query is the chat
  // link's own, answered once for both).
  const [conversation] = useQuery({ query: ChatConversationDocument, variables, pause });
  const conversationId =
    conversation.data?.chatConversation.__typename === "ChatConversation" ? conversation.data.chatConversation.id : null;
  const again = () => refetchNotices({ requestPolicy: "network-only" });
  useChatEvents(conversationId, { onMessage: again, onResync: again }, conversationId === null);
  // A report's status changing live (the feed's own subscription: the same operation, shared
  // by the client) asks for the reports waiting for the client again.
  const client = useClient();
  const reportsAgain = useRef(refetchReports);
  reportsAgain.current = refetchReports;
  useEffect(() => {
    if (organizationId === null) return;
    const subscription = client
      .subscription(ReportStatusChangedDocument, { organizationId, since: null })
      .subscribe((result) => {
        if (result.data?.reportStatusChanged) reportsAgain.current({ requestPolicy: "network-only" });
      });
    return () => subscription.unsubscribe();
  }, [client, organizationId]);
  const settled = (r: { data?: unknown; error?: unknown }) => r.data !== undefined || r.error !== undefined;
  return {
    ready: settled(reports) && settled(notices),
    reports: (reports.data?.reports.edges ?? []).map(({ node }) => node).filter(needsClient),
    notices: (notices.data?.chatNotices.edges ?? []).map(({ node }) => node).filter((notice) => notice.awaitsViewer),
    refetch: () => {
      refetchReports({ requestPolicy: "network-only" });
      refetchNotices({ requestPolicy: "network-only" });
    },
  };
}

export type ClientNeeds = ReturnType<typeof useClientNeeds>;

/** The first thing on the client's home: what needs the client. Reports waiting for them (a
 *  clarification requested, a rejection being fixed) and the chat's notices they still have to
 *  act on (read, open the file, approve), each with its action in place and a way to the
 *  chat. The cabinet asks each module; the modules know nothing of each other. Shown only
 *  when something waits, and only what the person is granted. */
export function NeedsYouPanel({
  needs,
  cabinetPath,
  withReports,
  withChat,
}: {
  needs: ClientNeeds;
  cabinetPath: string;
  withReports: boolean;
  withChat: boolean;
}) {
  const { t, lang, pick } = useI18n();
  const reports = withReports ? needs.reports : [];
  const notices = withChat ? needs.notices : [];
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
            <ChatNoticeCard key={notice.id} notice={notice} staff={false} onChanged={needs.refetch} />
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
