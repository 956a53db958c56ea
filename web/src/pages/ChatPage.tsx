// The conversation of one client organization: the client's (in its cabinet) and the firm's
// (from the inbox or the client card, with the assignee and the marks and notices forms).
// One module and chunk: both show the same thread.
import { Link, Navigate, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  AssignChatConversationDocument,
  AssignableStaffDocument,
  ChatConversationDocument,
  ChatConversationByIdDocument,
  ChatReportConversationDocument,
  ClientOrganizationDocument,
} from "../graphql/generated";
import type { ChatConversationFieldsFragment } from "../graphql/generated";
import { Shell } from "../components/Shell";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { ChatThread } from "../components/ChatThread";
import { ChatMarkForm, ChatNoticeForm } from "../components/ChatStaffForms";
import { useSession } from "../app/session";
import { usePageTitle } from "../app/page";
import { useI18n } from "../i18n";
import { formatNumber } from "../i18n/format";
import { useCabinetNav } from "../app/cabinetNav";

function useConversation(organizationId: string, pause = false) {
  const [{ data, error }] = useQuery({ query: ChatConversationDocument, variables: { organizationId }, pause });
  const result = data?.chatConversation;
  return {
    conversation: result?.__typename === "ChatConversation" ? result : null,
    refusal: result && result.__typename !== "ChatConversation" ? result.message : error ? "error" : null,
  };
}

/** A report's own conversation (`/chat/report/:reportId`), opened on first use. */
function useReportConversation(reportId: string, pause = false) {
  const [{ data, error }] = useQuery({ query: ChatReportConversationDocument, variables: { reportId }, pause });
  const result = data?.chatReportConversation;
  return {
    conversation: result?.__typename === "ChatConversation" ? result : null,
    refusal: result && result.__typename !== "ChatConversation" ? result.message : error ? "error" : null,
  };
}

/** The client's chat with the firm for one organization (contacts holding the 'chat' grant). */
export function ClientChatPage() {
  const { t } = useI18n();
  const { orgId = "", reportId = "" } = useParams();
  const { viewer, clientHere } = useSession();
  const nav = useCabinetNav(orgId);
  const cabinet = clientHere.find((c) => String(c.organizationId) === orgId);
  const [{ data }] = useQuery({ query: ClientOrganizationDocument, variables: { id: orgId }, pause: !cabinet });
  const org = data?.clientOrganization.__typename === "ClientOrganization" ? data.clientOrganization : null;
  const granted = org?.viewerGrants.includes("CHAT") ?? false;
  // The organization's conversation, or a report's own (`/cabinet/:orgId/chat/report/:reportId`).
  const ofOrganization = useConversation(orgId, !granted || !!reportId);
  const ofReport = useReportConversation(reportId, !granted || !reportId);
  const { conversation, refusal } = reportId ? ofReport : ofOrganization;
  const name = org?.name ?? cabinet?.organizationName ?? "";
  usePageTitle(name ? `${t("chat.title")}: ${name}` : t("chat.title"));
  if (!viewer) return <Navigate to="/login" replace />;
  if (!cabinet) return <Navigate to="/" replace />;
  return (
    <Shell nav={nav}>
      <p>
        {reportId ? (
          <Link to={`/cabinet/${orgId}/reports/${encodeURIComponent(reportId)}`} data-testid="chat-report-link">
            <ArrowLeftIcon /> {t("chat.theReport")}
          </Link>
        ) : (
          <Link to={`/cabinet/${orgId}`}>
            <ArrowLeftIcon /> {name || t("chat.backToCabinet")}
          </Link>
        )}
      </p>
      <div className="page-title">
        <h1>{t("chat.title")}</h1>
        {reportId && <span className="badge" data-testid="chat-about-report">{t("chat.aboutReport")}</span>}
      </div>
      {org && !granted && <ErrorAlert>{t("chat.noAccess")}</ErrorAlert>}
      {refusal && <ErrorAlert>{refusal === "error" ? t("error.generic") : refusal}</ErrorAlert>}
      {granted && !conversation && !refusal && <div className="chat-thread-pending" aria-hidden="true" />}
      {conversation && (
        <section className="card chat-card" aria-label={t("chat.title")}>
          <ChatThread conversationId={conversation.id} organizationId={conversation.organizationId} staff={false} canAttach={org?.viewerGrants.includes("CHAT") ?? false} />
        </section>
      )}
    </Shell>
  );
}

/** The organization's conversation on its client card (the firm's workspace), below the
 *  card's panels: the same thread as `/chat/<organization>`. */
export function ClientCardChat({ organizationId }: { organizationId: string }) {
  const { t } = useI18n();
  const { conversation, refusal } = useConversation(organizationId);
  return (
    <section className="card chat-card" aria-labelledby="client-chat-title" data-testid="client-card-chat">
      <h2 id="client-chat-title">{t("chat.title")}</h2>
      {refusal && <ErrorAlert>{refusal === "error" ? t("error.generic") : refusal}</ErrorAlert>}
      {conversation && <ChatThread conversationId={conversation.id} organizationId={conversation.organizationId} staff canAttach />}
    </section>
  );
}

/** How long the client has been waiting for an answer, in the firm's business hours. */
export function AwaitingAge({ conversation }: { conversation: ChatConversationFieldsFragment }) {
  const { t, lang } = useI18n();
  if (conversation.awaitingSince == null) return null;
  const hours = conversation.awaitingBusinessHours ?? 0;
  return (
    <span className="badge chat-awaiting" data-testid="chat-awaiting">
      {t("chat.awaitingFor", { hours: formatNumber(hours, lang, hours < 10 ? 1 : 0) })}
    </span>
  );
}

/** Who answers the conversation: any active staff member, or nobody. */
export function AssigneePicker({ conversation, id }: { conversation: ChatConversationFieldsFragment; id: string }) {
  const { t } = useI18n();
  const [{ data }] = useQuery({ query: AssignableStaffDocument });
  const [{ fetching, data: assigned }, assign] = useMutation(AssignChatConversationDocument);
  const failure = assigned?.assignChatConversation.__typename !== "ChatConversation" ? assigned?.assignChatConversation : null;
  const staff = data?.assignableStaff ?? [];
  const current = conversation.assignee?.id ?? "";
  return (
    <div className="field chat-assignee">
      <label htmlFor={id}>{t("chat.assignee")}</label>
      <select
        id={id}
        value={current}
        disabled={fetching}
        onChange={(e) => void assign({ conversationId: conversation.id, assigneeId: e.target.value || null })}
        data-testid="chat-assignee"
      >
        <option value="">{t("chat.nobody")}</option>
        {conversation.assignee && !staff.some((p) => p.id === current) && (
          <option value={current}>{conversation.assignee.displayName || conversation.assignee.email}</option>
        )}
        {staff.map((p) => (
          <option key={p.id} value={p.id}>
            {p.displayName || p.email}
          </option>
        ))}
      </select>
      {failure && "message" in failure && <span className="chat-error">{failure.message}</span>}
    </div>
  );
}

/** Any conversation the viewer sees by its id (`/chat/conversation/:conversationId`: a
 *  performer order's, from the inbox). */
function useConversationById(id: string, pause = false) {
  const { t } = useI18n();
  const [{ data, error }] = useQuery({ query: ChatConversationByIdDocument, variables: { id }, pause });
  const node = data?.node;
  const found = node?.__typename === "ChatConversation" ? node : null;
  return { conversation: found, refusal: error ? "error" : data && !found ? t("chat.notFound") : null };
}

/** The firm's side of one organization's conversation (`/chat/:orgId`), of a report's own
 *  (`/chat/report/:reportId`, linked from the report's page), or of any conversation by its
 *  id (`/chat/conversation/:conversationId`: a performer order's). */
export function StaffChatPage() {
  const { t } = useI18n();
  const { orgId = "", reportId = "", conversationId = "" } = useParams();
  const { can } = useSession();
  const ofOrganization = useConversation(orgId, !orgId);
  const ofReport = useReportConversation(reportId, !reportId);
  const ofId = useConversationById(conversationId, !conversationId);
  const { conversation, refusal } = conversationId ? ofId : reportId ? ofReport : ofOrganization;
  usePageTitle(conversation ? `${t("chat.title")}: ${conversation.organizationName}` : t("chat.title"));
  return (
    <Workspace>
      <p>
        <Link to="/chat">
          <ArrowLeftIcon /> {t("chat.backToInbox")}
        </Link>
      </p>
      <div className="page-title">
        <h1 data-testid="chat-organization">{conversation?.organizationName ?? t("chat.title")}</h1>
        {conversation?.reportId && <span className="badge" data-testid="chat-about-report">{t("chat.aboutReport")}</span>}
        {conversation?.performerOrderId && (
          <span className="badge" data-testid="chat-about-order">
            {t("chat.aboutOrder", { name: conversation.performer?.displayName || conversation.performer?.email || "" })}
          </span>
        )}
        {conversation && <AwaitingAge conversation={conversation} />}
      </div>
      {refusal && <ErrorAlert>{refusal === "error" ? t("error.generic") : refusal}</ErrorAlert>}
      {!conversation && !refusal && <div className="chat-thread-pending" aria-hidden="true" />}
      {conversation && (
        <>
          <nav aria-label={t("clients.goTo")}>
            <ul className="client-links">
              <li>
                <Link to={`/clients/${encodeURIComponent(conversation.organizationId)}`}>{t("chat.clientCard")}</Link>
              </li>
              {conversation.reportId && (
                <li>
                  <Link to={`/reports/${encodeURIComponent(conversation.reportId)}`} data-testid="chat-report-link">
                    {t("chat.theReport")}
                  </Link>
                </li>
              )}
            </ul>
          </nav>
          <div className="chat-layout">
            <section className="card chat-card" aria-label={t("chat.title")}>
              <ChatThread conversationId={conversation.id} organizationId={conversation.organizationId} staff canAttach />
            </section>
            <div className="chat-side">
              {can("chat:write") && (
                <section className="card" aria-labelledby="chat-assign-title">
                  <h2 id="chat-assign-title">{t("chat.answering")}</h2>
                  <p className="muted small">
                    {t("chat.responsibleManager")}: {conversation.responsibleManager?.displayName || conversation.responsibleManager?.email || "—"}
                  </p>
                  <AssigneePicker conversation={conversation} id="chat-assignee" />
                </section>
              )}
              {can("chat:write") && (
                <details className="card chat-details">
                  <summary>{t("chat.markTitle")}</summary>
                  <ChatMarkForm organizationId={conversation.organizationId} />
                </details>
              )}
              {can("chat:write") && (
                <details className="card chat-details" data-testid="notice-details">
                  <summary>{t("chat.noticeFormTitle")}</summary>
                  <ChatNoticeForm organizationId={conversation.organizationId} />
                </details>
              )}
            </div>
          </div>
        </>
      )}
    </Workspace>
  );
}
