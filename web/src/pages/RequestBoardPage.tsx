// The firm's side of service requests: the board (open requests of a department and/or the
// viewer's own queue, overdue first) and one request with the performer's actions: review,
// accept, reject (with the comment it needs), checklist, done. Staff holding `requests:read`;
// the actions need `requests:write` (the API checks again).
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery } from "urql";
import {
  AcceptServiceRequestDocument,
  AssignableStaffDocument,
  AskServiceRequestClientDocument,
  CompleteServiceRequestDocument,
  RejectServiceRequestDocument,
  RequestDepartmentsDocument,
  ReviewServiceRequestDocument,
  ServiceCatalogDocument,
  ServiceRequestBoardDocument,
  ServiceRequestDocument,
  TickServiceRequestChecklistDocument,
} from "../graphql/generated";
import type { ServiceRequestFieldsFragment, ServiceRequestOutcomeFragment } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { AttachForm, RequestConversation, RequestFacts, RequestTable, requestPath } from "../components/ServiceRequestParts";
import { RequestTime } from "../components/RequestTime";
import { OnboardingTasks } from "../components/OnboardingTasks";
import { usePagedRows } from "../components/usePagedRows";
import { useSession } from "../app/session";
import { usePageTitle } from "../app/page";
import { globalIdOf, primaryKeyOf } from "../graphql/ids";
import { useT } from "../i18n";

export function RequestBoardPage() {
  const t = useT();
  const { viewer, can } = useSession();
  const [departmentId, setDepartment] = useState("");
  const [mine, setMineOnly] = useState(false);
  const [performerId, setPerformer] = useState("");
  const [after, setAfter] = useState<string | null>(null);
  // A change of filters starts from the first page again.
  const refilter =
    <V,>(set: (value: V) => void) =>
    (value: V) => {
      setAfter(null);
      set(value);
    };
  const setDepartmentId = refilter(setDepartment);
  const setMine = refilter(setMineOnly);
  const setPerformerId = refilter(setPerformer);
  const me = viewer ? primaryKeyOf(viewer.id) : null;
  const allowed = can("requests:read");
  const [{ data: departments }] = useQuery({ query: RequestDepartmentsDocument, pause: !allowed });
  // Another performer's queue: the firm's staff, for those who may list them.
  const [{ data: staff }] = useQuery({ query: AssignableStaffDocument, pause: !allowed || !(can("clients:write") || can("clients:manage")) });
  const performer = mine && me ? globalIdOf("Person", me) : performerId || null;
  const [{ data, error, fetching }] = useQuery({
    query: ServiceRequestBoardDocument,
    variables: { departmentId: departmentId || null, performerId: performer, first: 50, after },
    pause: !allowed,
    requestPolicy: "network-only",
  });
  usePageTitle(t("requests.boardTitle"));
  const connection = data?.serviceRequestBoardConnection;
  const rows = usePagedRows(connection?.edges, after);
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("requests.boardTitle")}</h1>
      </div>
      {!allowed && <ErrorAlert>{t("error.forbidden")}</ErrorAlert>}
      {allowed && (
        <>
          <OnboardingTasks />
          <p>{t("requests.boardHelp")}</p>
          <div className="filters">
            <div className="field">
              <label htmlFor="board-department">{t("requests.department")}</label>
              <select id="board-department" value={departmentId} onChange={(e) => setDepartmentId(e.target.value)} data-testid="board-department">
                <option value="">{t("requests.allDepartments")}</option>
                {(departments?.requestDepartments ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </div>
            {staff && staff.assignableStaff.length > 0 && (
              <div className="field">
                <label htmlFor="board-performer">{t("requests.colPerformer")}</label>
                <select id="board-performer" value={performerId} disabled={mine} onChange={(e) => setPerformerId(e.target.value)} data-testid="board-performer">
                  <option value="">{t("requests.anyPerformer")}</option>
                  {staff.assignableStaff.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.displayName || p.email}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <label className="checkbox">
              <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} data-testid="board-mine" /> {t("requests.myQueue")}
            </label>
          </div>
          {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
          {!rows && !error && <p role="status">{t("common.loading")}</p>}
          {rows && rows.length === 0 && <p data-testid="board-empty">{t("requests.boardEmpty")}</p>}
          {connection && rows && rows.length > 0 && (
            <>
              <p className="muted" role="status" data-testid="board-count">
                {t("requests.boardCount", { count: connection.totalCount })}
              </p>
              <RequestTable rows={rows} staff testId="request-board" hrefOf={(r) => `/requests/${requestPath(r.id)}`} />
            </>
          )}
          {connection?.pageInfo.hasNextPage && (
            <div className="report-more">
              <button type="button" className="btn btn-secondary" disabled={fetching} onClick={() => setAfter(connection.pageInfo.endCursor)} data-testid="board-more">
                {fetching ? t("common.loading") : t("requests.more")}
              </button>
            </div>
          )}
        </>
      )}
    </Workspace>
  );
}

type Outcome = ServiceRequestOutcomeFragment | null | undefined;

function failureOf(outcome: Outcome): string | null {
  return outcome && outcome.__typename !== "ServiceRequest" ? outcome.message : null;
}

/** The performer's buttons for the request's status. */
function PerformerActions({ request, onChanged }: { request: ServiceRequestFieldsFragment; onChanged: () => void }) {
  const t = useT();
  const [{ fetching: reviewing, data: reviewed }, review] = useMutation(ReviewServiceRequestDocument);
  const [{ fetching: accepting, data: accepted }, accept] = useMutation(AcceptServiceRequestDocument);
  const [{ fetching: rejecting, data: rejected }, reject] = useMutation(RejectServiceRequestDocument);
  const [{ fetching: completing, data: completed }, complete] = useMutation(CompleteServiceRequestDocument);
  const [{ fetching: asking, data: asked }, ask] = useMutation(AskServiceRequestClientDocument);
  const [rejectOpen, setRejectOpen] = useState(false);
  const [comment, setComment] = useState("");
  const [askOpen, setAskOpen] = useState(false);
  const [question, setQuestion] = useState("");
  const [reason, setReason] = useState("");
  const busy = reviewing || accepting || rejecting || completing || asking;
  const canAsk = (request.status === "UNDER_REVIEW" || request.status === "ACCEPTED") && !request.awaitingClientSince;
  const open = request.status === "NEW" || request.status === "UNDER_REVIEW";
  const failure =
    failureOf(reviewed?.reviewServiceRequest) ??
    failureOf(accepted?.acceptServiceRequest) ??
    failureOf(rejected?.rejectServiceRequest) ??
    failureOf(completed?.completeServiceRequest) ??
    failureOf(asked?.askServiceRequestClient);
  const after = (p: Promise<unknown>) => void p.then(onChanged);
  const submitReject = (event: FormEvent) => {
    event.preventDefault();
    after(reject({ id: request.id, comment }).then((r) => r.data?.rejectServiceRequest.__typename === "ServiceRequest" && setRejectOpen(false)));
  };
  const submitAsk = (event: FormEvent) => {
    event.preventDefault();
    after(
      ask({ id: request.id, comment: question }).then((r) => {
        if (r.data?.askServiceRequestClient.__typename === "ServiceRequest") {
          setAskOpen(false);
          setQuestion("");
        }
      }),
    );
  };
  const submitComplete = (event: FormEvent) => {
    event.preventDefault();
    after(complete({ id: request.id, reason: reason.trim() || null }));
  };
  if (!open && request.status !== "ACCEPTED") return null;
  return (
    <section className="card" aria-labelledby="request-actions-title">
      <h2 id="request-actions-title">{t("requests.actions")}</h2>
      <div className="request-actions">
        {request.status === "NEW" && (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => after(review({ id: request.id }))} data-testid="request-review">
            {t("requests.review")}
          </button>
        )}
        {request.status === "UNDER_REVIEW" && (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => after(accept({ id: request.id }))} data-testid="request-accept">
            {t("requests.accept")}
          </button>
        )}
        {canAsk && !askOpen && (
          <button type="button" className="btn" disabled={busy} onClick={() => setAskOpen(true)} data-testid="request-ask">
            {t("requests.askClient")}
          </button>
        )}
        {open && !rejectOpen && (
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => setRejectOpen(true)} data-testid="request-reject">
            {t("requests.reject")}
          </button>
        )}
      </div>
      {open && rejectOpen && (
        <form className="request-form" onSubmit={submitReject} data-testid="reject-form">
          <div className="field">
            <label htmlFor="reject-comment">{t("requests.rejectComment")}</label>
            <textarea id="reject-comment" required maxLength={10000} value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
          <div className="request-form-actions">
            <button type="submit" className="btn btn-danger" disabled={busy} data-testid="reject-submit">
              {t("requests.rejectConfirm")}
            </button>
            <button type="button" className="btn" onClick={() => setRejectOpen(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      )}
      {canAsk && askOpen && (
        <form className="request-form" onSubmit={submitAsk} data-testid="ask-form">
          <div className="field">
            <label htmlFor="ask-comment">{t("requests.askClientQuestion")}</label>
            <textarea id="ask-comment" required maxLength={10000} value={question} onChange={(e) => setQuestion(e.target.value)} />
          </div>
          <div className="request-form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="ask-submit">
              {t("requests.askClientSend")}
            </button>
            <button type="button" className="btn" onClick={() => setAskOpen(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      )}
      {request.status === "ACCEPTED" && (
        <form className="request-form" onSubmit={submitComplete} data-testid="complete-form">
          {request.checklist.some((i) => !i.done) && (
            <div className="field">
              <label htmlFor="complete-reason">{t("requests.completeReason")}</label>
              <input id="complete-reason" type="text" maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
          )}
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="request-complete">
            {t("requests.complete")}
          </button>
        </form>
      )}
      {failure && <ErrorAlert>{failure}</ErrorAlert>}
    </section>
  );
}

/** The checklist: ticked by the performer while the request is under review or accepted. */
function Checklist({ request, onChanged }: { request: ServiceRequestFieldsFragment; onChanged: () => void }) {
  const t = useT();
  const [{ fetching, data }, tick] = useMutation(TickServiceRequestChecklistDocument);
  const editable = request.status === "UNDER_REVIEW" || request.status === "ACCEPTED";
  if (request.checklist.length === 0) return null;
  const failure = failureOf(data?.tickServiceRequestChecklist);
  return (
    <section className="card" aria-labelledby="request-checklist-title">
      <h2 id="request-checklist-title">{t("requests.checklist")}</h2>
      <ul className="request-checklist" data-testid="request-checklist">
        {request.checklist.map((item, index) => (
          <li key={index}>
            <label>
              <input
                type="checkbox"
                checked={item.done}
                disabled={!editable || fetching}
                onChange={(e) => void tick({ id: request.id, index, done: e.target.checked }).then(onChanged)}
                data-testid="checklist-item"
              />{" "}
              {item.text}
            </label>
          </li>
        ))}
      </ul>
      {failure && <ErrorAlert>{failure}</ErrorAlert>}
    </section>
  );
}

export function StaffRequestPage() {
  const t = useT();
  const { id = "" } = useParams();
  const { can } = useSession();
  const [{ data, error }, refetch] = useQuery({ query: ServiceRequestDocument, variables: { id }, requestPolicy: "cache-and-network", pause: !can("requests:read") });
  const result = data?.serviceRequest;
  const request = result?.__typename === "ServiceRequest" ? result : null;
  usePageTitle(request?.title ?? t("requests.boardTitle"));
  const refresh = () => refetch({ requestPolicy: "network-only" });
  const writes = can("requests:write");
  // Whether the service is priced per piece (its quantity is then set here).
  const [{ data: catalog }] = useQuery({ query: ServiceCatalogDocument, variables: { organizationId: request?.organizationId ?? "" }, pause: !request || !writes });
  const perPiece = catalog?.serviceCatalog.find((s) => s.id === request?.serviceId)?.priceKind === "PIECE";
  return (
    <Workspace>
      <p>
        <Link to="/requests" data-testid="back-to-board">
          <ArrowLeftIcon /> {t("requests.backToBoard")}
        </Link>
      </p>
      <div className="page-title">
        <h1>{request?.title ?? t("requests.boardTitle")}</h1>
      </div>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && !request && "message" in result && <ErrorAlert>{result.message}</ErrorAlert>}
      {!result && !error && <p role="status">{t("common.loading")}</p>}
      {request && (
        <>
          <section className="card" data-testid="request-details">
            <p>
              <strong>{request.organizationName}</strong>
            </p>
            <RequestFacts request={request} />
            <p className="request-description" data-testid="request-description">
              {request.description}
            </p>
          </section>
          {writes && <PerformerActions request={request} onChanged={refresh} />}
          <Checklist request={request} onChanged={refresh} />
          {writes && <RequestTime requestId={request.id} perPiece={perPiece} />}
          {writes && (
            <section className="card">
              <AttachForm requestId={request.id} onDone={refresh} />
            </section>
          )}
          <RequestConversation request={request} staff onChanged={refresh} />
        </>
      )}
    </Workspace>
  );
}
