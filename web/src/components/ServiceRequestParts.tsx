// Parts of the service requests' pages shared by the client's and the firm's views: the
// status and deadline badges, a list of requests, one request's facts and its comments.
import { useState } from "react";
import type { FormEvent } from "react";
import { Link } from "react-router";
import { useMutation } from "urql";
import { AttachServiceRequestFilesDocument, CommentServiceRequestDocument } from "../graphql/generated";
import type {
  ServiceRequestFieldsFragment,
  ServiceRequestFileInput,
  ServiceRequestRowFragment,
  ServiceRequestSla,
  ServiceRequestStatus,
} from "../graphql/generated";
import { REQUEST_SIDE_LABEL, REQUEST_SLA_LABEL, REQUEST_STATUS_LABEL, REQUEST_STATUS_TONE } from "../requestLabels";
import type { RequestSla } from "../requestLabels";
import { useI18n, useT } from "../i18n";
import { useFormat } from "../i18n/format";
import { ErrorAlert } from "./Alert";
import { ChatThread } from "./ChatThread";
import "../requests.css";

export function RequestStatusBadge({ status }: { status: ServiceRequestStatus }) {
  const t = useT();
  return (
    <span className={`badge ${REQUEST_STATUS_TONE[status]}`} data-testid="request-status" data-status={status}>
      {t(REQUEST_STATUS_LABEL[status])}
    </span>
  );
}

const SLA_TONE: Record<RequestSla, string> = {
  ON_TRACK: "badge-grey",
  DUE_SOON: "sla-due-soon",
  OVERDUE: "sla-overdue",
  BREACHED: "sla-breached",
  AWAITING_CLIENT: "request-review",
  CLOSED: "badge-grey",
};

export function RequestSlaBadge({ sla }: { sla: ServiceRequestSla }) {
  const t = useT();
  return (
    <span className={`badge ${SLA_TONE[sla]}`} data-testid="request-sla" data-sla={sla}>
      {t(REQUEST_SLA_LABEL[sla])}
    </span>
  );
}

/** Requests as a table (cards on a phone): each row opens the request at `hrefOf(row)`. */
export function RequestTable({
  rows,
  hrefOf,
  staff,
  testId,
}: {
  rows: readonly ServiceRequestRowFragment[];
  hrefOf: (row: ServiceRequestRowFragment) => string;
  staff: boolean;
  testId: string;
}) {
  const t = useT();
  const f = useFormat();
  return (
    <table className="table table-cards" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t("requests.colTitle")}</th>
          {staff && <th scope="col">{t("requests.colOrganization")}</th>}
          <th scope="col">{t("requests.colStatus")}</th>
          <th scope="col">{t("requests.colDue")}</th>
          <th scope="col">{t("requests.colSla")}</th>
          {staff && <th scope="col">{t("requests.colPerformer")}</th>}
          {!staff && <th scope="col">{t("requests.colCreated")}</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid="request-row" data-request-id={r.id}>
            <td className="card-title">
              <Link to={hrefOf(r)}>{r.title}</Link>
              {r.waiting && <span className="muted"> ({t("requests.waiting")})</span>}
            </td>
            {staff && <td data-label={t("requests.colOrganization")}>{r.organizationName}</td>}
            <td data-label={t("requests.colStatus")}>
              <RequestStatusBadge status={r.status} />
            </td>
            <td data-label={t("requests.colDue")}>{f.date(r.dueDate)}</td>
            <td data-label={t("requests.colSla")}>
              <RequestSlaBadge sla={r.sla} />
            </td>
            {staff && <td data-label={t("requests.colPerformer")}>{r.performer?.displayName ?? "—"}</td>}
            {!staff && <td data-label={t("requests.colCreated")}>{f.dateTime(r.createdAt)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The request's facts: status, due dates, performer, who launched it, the description. */
export function RequestFacts({ request }: { request: ServiceRequestFieldsFragment }) {
  const t = useT();
  const f = useFormat();
  return (
    <>
      <ul className="request-meta">
        <li>
          <RequestStatusBadge status={request.status} />
        </li>
        <li>
          <RequestSlaBadge sla={request.sla} />
        </li>
        <li data-testid="request-due">
          {t("requests.colDue")}: {f.date(request.dueDate)}
        </li>
        <li>{t("requests.hardDue", { date: f.date(request.hardDueDate) })}</li>
        <li data-testid="request-performer">
          {request.performer ? t("requests.performer", { name: request.performer.displayName }) : t("requests.noPerformer")}
        </li>
        {request.createdBy && <li>{t("requests.launchedBy", { name: request.createdBy.displayName })}</li>}
        {request.fileIds.length > 0 && <li>{t("requests.attachedFiles", { count: request.fileIds.length })}</li>}
        {request.waiting && <li>{t("requests.waiting")}</li>}
        {request.awaitingClientSince && (
          <li data-testid="request-awaiting">{t("requests.awaitingClient", { date: f.dateTime(request.awaitingClientSince) })}</li>
        )}
      </ul>
      {request.doneReason && <p>{t("requests.doneReason", { reason: request.doneReason })}</p>}
    </>
  );
}

/** The request's thread, oldest first, and the form to add a comment. */
export function RequestComments({ request, onChanged }: { request: ServiceRequestFieldsFragment; onChanged: () => void }) {
  const t = useT();
  const f = useFormat();
  const [body, setBody] = useState("");
  const [{ fetching, data }, send] = useMutation(CommentServiceRequestDocument);
  const result = data?.commentServiceRequest;
  const failure = result && result.__typename !== "ServiceRequestComment" ? result.message : null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const sent = await send({ id: request.id, body });
    if (sent.data?.commentServiceRequest.__typename === "ServiceRequestComment") {
      setBody("");
      onChanged();
    }
  };
  const fieldId = `request-comment-${request.id}`;
  return (
    <section className="card" aria-labelledby="request-comments-title">
      <h2 id="request-comments-title">{t("requests.comments")}</h2>
      {request.comments.length === 0 && <p className="muted">{t("requests.noComments")}</p>}
      <ul className="request-comments" data-testid="request-comments">
        {request.comments.map((c) => (
          <li key={c.id} className="request-comment" data-testid="request-comment" data-side={c.side}>
            <div className="request-comment-head">
              {c.side === "SYSTEM" ? t(REQUEST_SIDE_LABEL[c.side]) : `${c.author?.displayName ?? ""} (${t(REQUEST_SIDE_LABEL[c.side])})`}
              {", "}
              {f.dateTime(c.createdAt)}
            </div>
            <p>{c.body}</p>
          </li>
        ))}
      </ul>
      <form className="request-comment-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={fieldId}>{t("requests.commentLabel")}</label>
          <textarea id={fieldId} required maxLength={10000} value={body} onChange={(e) => setBody(e.target.value)} data-testid="request-comment-body" />
        </div>
        <button type="submit" className="btn btn-primary" disabled={fetching || !body.trim()} data-testid="request-comment-send">
          {t("requests.send")}
        </button>
      </form>
      {failure && <ErrorAlert>{failure}</ErrorAlert>}
    </section>
  );
}

/** The request's conversation with the chat's thread and composer (comments go through the
 *  request, so a client's answer resumes its clock); before its first entry, the plain form. */
export function RequestConversation({ request, staff, onChanged }: { request: ServiceRequestFieldsFragment; staff: boolean; onChanged: () => void }) {
  const t = useT();
  const [, send] = useMutation(CommentServiceRequestDocument);
  if (!request.conversationId) return <RequestComments request={request} onChanged={onChanged} />;
  const post = async (body: string): Promise<string | null> => {
    const sent = await send({ id: request.id, body });
    const out = sent.data?.commentServiceRequest;
    if (out?.__typename === "ServiceRequestComment") {
      onChanged();
      return null;
    }
    return out && "message" in out ? out.message : t("error.generic");
  };
  return (
    <section className="card" aria-labelledby="request-comments-title" data-testid="request-conversation">
      <h2 id="request-comments-title">{t("requests.comments")}</h2>
      <ChatThread conversationId={request.conversationId} organizationId={request.organizationId} staff={staff} canAttach={false} post={post} />
    </section>
  );
}

/** Files picked in an <input type="file"> as the API's base64 inputs. */
export async function filesAsInputs(files: FileList | null): Promise<ServiceRequestFileInput[]> {
  if (!files) return [];
  return Promise.all(
    Array.from(files).map(
      (file) =>
        new Promise<ServiceRequestFileInput>((resolve, reject) => {
          const reader = new FileReader();
          reader.onload = () => {
            const url = String(reader.result);
            resolve({ filename: file.name, contentBase64: url.slice(url.indexOf(",") + 1) });
          };
          reader.onerror = () => reject(reader.error ?? new Error("read"));
          reader.readAsDataURL(file);
        }),
    ),
  );
}

/** The language's pick for an API message is already done by the API; this names the
 *  business-day count of a catalog service in both languages. */
export function useDaysText() {
  const { t } = useI18n();
  return (planned: number, hard: number) => [t("requests.plannedDays", { count: planned }), t("requests.hardDays", { count: hard })];
}

/** A request's global id in a cabinet path. */
export function requestPath(id: string): string {
  return encodeURIComponent(id);
}

/** Files added to a request in any status. */
export function AttachForm({ requestId, onDone }: { requestId: string; onDone: () => void }) {
  const t = useT();
  const [files, setFiles] = useState<FileList | null>(null);
  const [{ fetching, data }, attach] = useMutation(AttachServiceRequestFilesDocument);
  const outcome = data?.attachServiceRequestFiles;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await attach({ id: requestId, files: await filesAsInputs(files) });
    if (result.data?.attachServiceRequestFiles.__typename === "ServiceRequest") {
      (event.target as HTMLFormElement).reset();
      setFiles(null);
      onDone();
    }
  };
  return (
    <form className="request-form" onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor={`attach-${requestId}`}>{t("requests.attach")}</label>
        <input id={`attach-${requestId}`} type="file" multiple required onChange={(e) => setFiles(e.target.files)} />
      </div>
      {outcome && outcome.__typename !== "ServiceRequest" && <ErrorAlert>{outcome.message}</ErrorAlert>}
      <button type="submit" className="btn" disabled={fetching || !files?.length}>
        {t("requests.attach")}
      </button>
    </form>
  );
}

