import { useState } from "react";
import { useMutation } from "urql";
import { ReportDocumentLinkDocument } from "../graphql/generated";
import type { ReportDocumentFieldsFragment, ReportDocumentKind } from "../graphql/generated";
import { ErrorAlert } from "./Alert";
import { formatDateTime, formatSize } from "../i18n/format";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n";

const KIND_LABEL: Record<ReportDocumentKind, MessageKey> = {
  REPORT_FILE: "reportDoc.reportFile",
  RECEIPT: "reportDoc.receipt",
  NOTICE_OF_INPUT: "reportDoc.noticeOfInput",
  REJECTION_NOTICE: "reportDoc.rejectionNotice",
  OTHER: "reportDoc.other",
};

/** A report's documents with download buttons. A client may download only once the flow is
 *  complete (`downloadable`): until then it reads why instead of meeting a broken button. */
export function ReportDocuments({
  documents,
  testId,
  explainLocked = true,
}: {
  documents: ReportDocumentFieldsFragment[];
  testId: string;
  explainLocked?: boolean;
}) {
  const { t, lang } = useI18n();
  const [, link] = useMutation(ReportDocumentLinkDocument);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function download(doc: ReportDocumentFieldsFragment) {
    setFailure(null);
    setBusy(doc.id);
    try {
      const out = (await link({ documentId: doc.id })).data?.reportDocumentLink;
      if (out?.__typename !== "ReportDocumentLink") {
        setFailure(out && "code" in out && out.code === "FLOW_INCOMPLETE" ? t("reports.downloadLater") : out?.message ?? t("error.generic"));
        return;
      }
      const a = document.createElement("a");
      a.href = out.url;
      a.download = doc.name;
      document.body.appendChild(a);
      a.click();
      a.remove();
    } finally {
      setBusy(null);
    }
  }

  if (documents.length === 0) return null;
  const locked = documents.some((d) => !d.downloadable);
  return (
    <div data-testid={testId}>
      {failure && <ErrorAlert>{failure}</ErrorAlert>}
      <ul className="report-docs">
        {documents.map((doc) => (
          <li key={doc.id} className="report-doc" data-testid="report-document" data-kind={doc.kind}>
            <span>
              <strong>{t(KIND_LABEL[doc.kind])}</strong> · {doc.name}{" "}
              <span className="muted small">
                ({formatSize(doc.size, lang)}, {formatDateTime(doc.createdAt, lang)})
              </span>
            </span>
            {doc.downloadable && (
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={busy === doc.id}
                onClick={() => void download(doc)}
                aria-label={`${t("reports.download")}: ${doc.name}`}
                data-testid="report-document-download"
              >
                {t("reports.download")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {locked && explainLocked && (
        <p className="muted small" data-testid="downloads-later">
          {t("reports.downloadLater")}
        </p>
      )}
    </div>
  );
}
