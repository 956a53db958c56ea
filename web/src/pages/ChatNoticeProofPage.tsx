// The proof of one notice: what was sent, to whom, who did what and when (address, browser,
// the file version's SHA-256), exported as CSV or PDF (a background job, then a link).
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { useClient, useMutation, useQuery } from "urql";
import { ChatNoticeProofDocument, ChatNoticeProofExportDocument, ExportChatNoticeProofDocument } from "../graphql/generated";
import type { ChatExportFormat } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert } from "../components/Alert";
import { ArrowLeftIcon } from "../components/Icon";
import { NOTICE_KIND_LABEL } from "../components/ChatNoticeCard";
import { usePageTitle } from "../app/page";
import { useI18n } from "../i18n";
import { formatDateTime } from "../i18n/format";
import "../chat.css";

function ExportButton({ noticeId, format }: { noticeId: string; format: ChatExportFormat }) {
  const { t } = useI18n();
  const client = useClient();
  const [, start] = useMutation(ExportChatNoticeProofDocument);
  const [state, setState] = useState<{ busy: boolean; url: string | null; error: string | null }>({ busy: false, url: null, error: null });
  const [exportId, setExportId] = useState<string | null>(null);

  useEffect(() => {
    if (!exportId) return;
    let stopped = false;
    const poll = async () => {
      const res = await client.query(ChatNoticeProofExportDocument, { id: exportId }, { requestPolicy: "network-only" }).toPromise();
      const out = res.data?.chatNoticeProofExport;
      if (stopped) return;
      if (out?.__typename !== "ChatNoticeProofExport") setState({ busy: false, url: null, error: t("error.generic") });
      else if (out.status === "DONE") setState({ busy: false, url: out.downloadUrl ?? null, error: null });
      else if (out.status === "FAILED") setState({ busy: false, url: null, error: out.error ?? t("error.generic") });
      else window.setTimeout(() => void poll(), 1000);
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [exportId, client, t]);

  async function run() {
    setState({ busy: true, url: null, error: null });
    const res = await start({ noticeId, format });
    const out = res.data?.exportChatNoticeProof;
    if (out?.__typename === "ChatNoticeProofExport") setExportId(out.id);
    else setState({ busy: false, url: null, error: out && "message" in out ? out.message : t("error.generic") });
  }

  return (
    <span className="chat-export">
      <button type="button" className="btn btn-secondary" disabled={state.busy} onClick={() => void run()} data-testid={`proof-export-${format}`}>
        {state.busy ? t("chat.exporting") : t("chat.exportAs", { format })}
      </button>
      {state.url && (
        <a className="btn btn-link" href={state.url} data-testid={`proof-download-${format}`}>
          {t("chat.downloadExport", { format })}
        </a>
      )}
      {state.error && <span className="chat-error">{state.error}</span>}
    </span>
  );
}

export function ChatNoticeProofPage() {
  const { t, lang } = useI18n();
  const { id = "" } = useParams();
  const [{ data, error }] = useQuery({ query: ChatNoticeProofDocument, variables: { noticeId: id }, requestPolicy: "network-only" });
  const result = data?.chatNoticeProof;
  const proof = result?.__typename === "ChatNoticeProof" ? result : null;
  usePageTitle(proof ? `${t("chat.proofTitle")}: ${proof.title}` : t("chat.proofTitle"));
  return (
    <Workspace>
      <p>
        <Link to="/chat">
          <ArrowLeftIcon /> {t("chat.backToInbox")}
        </Link>
      </p>
      <div className="page-title">
        <h1>{t("chat.proofTitle")}</h1>
      </div>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && !proof && "message" in result && <ErrorAlert>{result.message}</ErrorAlert>}
      {proof && (
        <>
          <section className="card" aria-labelledby="proof-facts">
            <h2 id="proof-facts">{proof.title}</h2>
            <dl className="chat-proof-facts">
              <dt>{t("chat.noticeKind")}</dt>
              <dd>{t(NOTICE_KIND_LABEL[proof.kind])}</dd>
              <dt>{t("chat.organization")}</dt>
              <dd>{proof.organizationName}</dd>
              <dt>{t("chat.postedAt")}</dt>
              <dd>
                {formatDateTime(proof.postedAt, lang)}, {proof.postedBy}
              </dd>
              {proof.fileName && (
                <>
                  <dt>{t("chat.noticeFile")}</dt>
                  <dd className="chat-hash">
                    {proof.fileName} (SHA-256 {proof.fileSha256})
                  </dd>
                </>
              )}
              <dt>{t("chat.recipients")}</dt>
              <dd>{proof.recipients.join(", ") || "—"}</dd>
              <dt>{t("chat.pending")}</dt>
              <dd data-testid="proof-pending">{proof.pending.join(", ") || "—"}</dd>
              <dt>{t("chat.outcome")}</dt>
              <dd data-testid="proof-outcome">
                {proof.outcome} ({t("chat.noticeProgress", { done: proof.recipientsDone, total: proof.recipientsTotal })})
              </dd>
            </dl>
            <div className="filters">
              <ExportButton noticeId={proof.noticeId} format="CSV" />
              <ExportButton noticeId={proof.noticeId} format="PDF" />
            </div>
          </section>
          <section className="card" aria-labelledby="proof-entries">
            <h2 id="proof-entries">{t("chat.proofEntries")}</h2>
            {proof.entries.length === 0 ? (
              <p className="muted">{t("chat.proofNone")}</p>
            ) : (
              <table className="table table-cards" data-testid="proof-table">
                <thead>
                  <tr>
                    <th scope="col">{t("chat.when")}</th>
                    <th scope="col">{t("chat.who")}</th>
                    <th scope="col">{t("chat.what")}</th>
                    <th scope="col">{t("chat.where")}</th>
                  </tr>
                </thead>
                <tbody>
                  {proof.entries.map((e, index) => (
                    <tr key={index} data-action={e.action}>
                      <td className="card-title">{formatDateTime(e.at, lang)}</td>
                      <td data-label={t("chat.who")}>
                        {e.personName} ({e.personEmail})
                      </td>
                      <td data-label={t("chat.what")}>
                        {e.actionLabel}
                        {e.comment ? `: ${e.comment}` : ""}
                        {e.versionSha256 ? <span className="chat-hash"> SHA-256 {e.versionSha256}</span> : null}
                      </td>
                      <td data-label={t("chat.where")} className="chat-hash">
                        {e.ip ?? "—"} {e.userAgent ?? ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </Workspace>
  );
}
