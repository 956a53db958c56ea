import { useEffect, useMemo, useState } from "react";
import type { DragEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  CompleteUploadDocument,
  DeleteDriveFileDocument,
  DriveDocument,
  DriveDownloadLinkDocument,
  DriveFileVersionsDocument,
  DriveFolderFilesDocument,
  StartUploadDocument,
} from "../graphql/generated";
import type { DriveFolderFieldsFragment, DriveVersionFieldsFragment } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { CSRF_HEADER, csrfToken } from "../graphql/client";
import { useT } from "../i18n";
import { useFormat } from "../i18n/format";

async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** PUT the bytes to the signed link with XMLHttpRequest: fetch reports no upload progress. */
function putWithProgress(url: string, file: File, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    // The folder backend's links are on the API's own origin, where the browser also sends the
    // session cookie, so the CSRF check applies; an S3 link elsewhere gets no extra header
    // (it would only cost a CORS preflight).
    if (new URL(url, window.location.href).origin === window.location.origin) {
      const token = csrfToken();
      if (token) xhr.setRequestHeader(CSRF_HEADER, token);
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      // The storage's own explanation (expired link, too large...) when it gives one.
      let detail = `HTTP ${xhr.status}`;
      try {
        detail = (JSON.parse(xhr.responseText) as { error?: { message?: string } }).error?.message ?? detail;
      } catch {
        // not JSON (S3 answers XML): the status is enough
      }
      reject(new Error(detail));
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(file);
  });
}

/** Folders in tree order with their depth (the API lists system folders first, parents by id). */
function treeOrder(folders: DriveFolderFieldsFragment[]): { folder: DriveFolderFieldsFragment; depth: number }[] {
  const children = new Map<string | null, DriveFolderFieldsFragment[]>();
  for (const f of folders) {
    const key = f.parentId ?? null;
    children.set(key, [...(children.get(key) ?? []), f]);
  }
  const out: { folder: DriveFolderFieldsFragment; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const f of children.get(parent) ?? []) {
      out.push({ folder: f, depth });
      walk(f.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

type Preview = { url: string; name: string; kind: "image" | "pdf" };

/** A client organization's document drive: folders, files with versions, upload (where the
 *  direction rule allows it: the API's `canUpload`), download, preview; delete for staff. */
export function DriveBrowser({ organizationId, staff }: { organizationId: string; staff: boolean }) {
  const t = useT();
  const [{ data, error, fetching }] = useQuery({ query: DriveDocument, variables: { organizationId } });
  const result = data?.drive;
  const folders = useMemo(() => (result?.__typename === "Drive" ? treeOrder(result.folders) : []), [result]);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    if (!selected && folders.length) setSelected(folders[0].folder.id);
  }, [folders, selected]);

  return (
    <section className="card drive" aria-labelledby="drive-title" data-testid="drive">
      <h2 id="drive-title">{t("drive.title")}</h2>
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {result && result.__typename !== "Drive" && <ErrorAlert>{result.message}</ErrorAlert>}
      {fetching && !result && <p role="status">{t("common.loading")}</p>}
      {folders.length > 0 && (
        <div className="drive-body">
          <nav aria-label={t("drive.folders")} className="drive-folders">
            <ul>
              {folders.map(({ folder, depth }) => (
                <li key={folder.id} style={{ paddingLeft: `${depth * 1.2}rem` }}>
                  <button
                    type="button"
                    className={folder.id === selected ? "drive-folder active" : "drive-folder"}
                    aria-current={folder.id === selected ? "true" : undefined}
                    onClick={() => setSelected(folder.id)}
                    data-testid="drive-folder"
                  >
                    {folder.name}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          {selected && <FolderView key={selected} folderId={selected} staff={staff} />}
        </div>
      )}
    </section>
  );
}

function FolderView({ folderId, staff }: { folderId: string; staff: boolean }) {
  const t = useT();
  const format = useFormat();
  const [{ data, error }, refetch] = useQuery({
    query: DriveFolderFilesDocument,
    variables: { id: folderId, first: 50 },
    requestPolicy: "cache-and-network",
  });
  const [, startUpload] = useMutation(StartUploadDocument);
  const [, completeUpload] = useMutation(CompleteUploadDocument);
  const [, downloadLink] = useMutation(DriveDownloadLinkDocument);
  const [, deleteFile] = useMutation(DeleteDriveFileDocument);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [dragging, setDragging] = useState(false);
  const folder = data?.driveFolder?.__typename === "DriveFolder" ? data.driveFolder : null;
  const reload = () => refetch({ requestPolicy: "network-only" });

  async function upload(file: File) {
    setFailure(null);
    setMessage(null);
    setUploading(file.name);
    setProgress(0);
    try {
      const sha256 = await sha256Hex(file);
      const started = await startUpload({ folderId, filename: file.name, size: file.size, sha256 });
      const ticket = started.data?.startUpload;
      if (ticket?.__typename !== "UploadTicket") {
        setFailure(ticket && "message" in ticket ? ticket.message : t("error.generic"));
        return;
      }
      await putWithProgress(ticket.url, file, setProgress);
      setProgress(100);
      const done = await completeUpload({ uploadId: ticket.uploadId });
      const outcome = done.data?.completeUpload;
      if (outcome?.__typename !== "DriveFile") {
        setFailure(outcome && "message" in outcome ? outcome.message : t("error.generic"));
        return;
      }
      setMessage(t("drive.uploaded", { name: outcome.name }));
      reload();
    } catch (e) {
      setFailure(`${t("drive.uploadFailed")} (${e instanceof Error ? e.message : String(e)})`);
    } finally {
      setUploading(null);
    }
  }

  async function link(fileId: string, versionId: string | null, action: "VIEW" | "DOWNLOAD") {
    setFailure(null);
    const res = await downloadLink({ fileId, versionId, action });
    const out = res.data?.downloadLink;
    if (out?.__typename !== "DownloadLink") {
      setFailure(out && "message" in out ? out.message : t("error.generic"));
      return null;
    }
    return out;
  }

  async function download(fileId: string, versionId: string | null, name: string) {
    const out = await link(fileId, versionId, "DOWNLOAD");
    if (!out) return;
    const a = document.createElement("a");
    a.href = out.url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  async function view(fileId: string, name: string, contentType: string) {
    const out = await link(fileId, null, "VIEW");
    if (!out) return;
    if (contentType.startsWith("image/")) setPreview({ url: out.url, name, kind: "image" });
    else if (contentType === "application/pdf") setPreview({ url: out.url, name, kind: "pdf" });
    else window.open(out.url, "_blank", "noopener");
  }

  async function remove(fileId: string, name: string) {
    if (!window.confirm(t("drive.deleteConfirm", { name }))) return;
    const res = await deleteFile({ fileId });
    const out = res.data?.deleteFile;
    if (out?.__typename !== "DriveFile") {
      setFailure(out && "message" in out ? out.message : t("error.generic"));
      return;
    }
    setMessage(t("drive.deleted", { name }));
    reload();
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file && folder?.canUpload && !uploading) void upload(file);
  }

  const files = folder?.files.edges.map((e) => e.node) ?? [];
  return (
    <div
      className={dragging ? "drive-files dragging" : "drive-files"}
      data-testid="drive-files"
      onDragOver={(e) => {
        if (!folder?.canUpload) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {error && <ErrorAlert>{t("error.generic")}</ErrorAlert>}
      {data?.driveFolder && data.driveFolder.__typename !== "DriveFolder" && <ErrorAlert>{data.driveFolder.message}</ErrorAlert>}
      {folder && (
        <>
          <h3 data-testid="drive-folder-name">{folder.name}</h3>
          {folder.canUpload ? (
            <div className="drive-upload" data-testid="drive-upload">
              <input
                id={`drive-input-${folderId}`}
                type="file"
                className="visually-hidden"
                disabled={!!uploading}
                data-testid="drive-file-input"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = "";
                  if (file) void upload(file);
                }}
              />
              <label className="btn btn-secondary" htmlFor={`drive-input-${folderId}`}>
                {t("drive.upload")}
              </label>
              <span className="muted">{t("drive.dropHint")}</span>
            </div>
          ) : (
            <p className="muted" data-testid="drive-readonly">
              {t(staff ? "drive.readOnlyStaff" : "drive.readOnlyClient")}
            </p>
          )}
          {progress !== null && (
            <div className="drive-progress" data-testid="upload-progress-box">
              <progress max={100} value={progress} aria-label={t("drive.progress", { name: uploading ?? "" })} data-testid="upload-progress" />
              <span data-testid="upload-percent">{progress}%</span>
            </div>
          )}
          <OkAlert>{message}</OkAlert>
          <ErrorAlert>{failure}</ErrorAlert>
          {files.length === 0 ? (
            <p className="muted" data-testid="drive-empty">{t("drive.empty")}</p>
          ) : (
            <table className="table drive-table table-cards">
              <thead>
                <tr>
                  <th>{t("drive.name")}</th>
                  <th>{t("drive.size")}</th>
                  <th>{t("drive.uploadedBy")}</th>
                  <th>{t("drive.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {files.map((file) => {
                  const current = file.currentVersion;
                  const previewable = !!current && (current.contentType.startsWith("image/") || current.contentType === "application/pdf");
                  return (
                    <tr key={file.id} data-testid="drive-file" data-name={file.name}>
                      <td className="card-title">
                        {file.name}
                        {file.origin && (
                          <span className="muted small drive-origin" data-testid="drive-origin">
                            {" "}
                            {file.origin.description}, {format.dateTime(file.origin.at)}
                          </span>
                        )}
                        {file.currentVersionNo > 1 && (
                          <Versions fileId={file.id} count={file.currentVersionNo} onDownload={(v) => void download(file.id, v.id, file.name)} />
                        )}
                      </td>
                      <td data-label={t("drive.size")}>{current ? format.size(current.size) : ""}</td>
                      <td data-label={t("drive.uploadedBy")} className={current?.uploadedBy ? undefined : "empty"}>
                        {current?.uploadedBy?.displayName || current?.uploadedBy?.email || ""}
                      </td>
                      <td className="actions">
                        <button type="button" className="btn btn-secondary" onClick={() => void download(file.id, null, file.name)} aria-label={`${t("drive.download")}: ${file.name}`} data-testid="drive-download">
                          {t("drive.download")}
                        </button>
                        {current && (
                          <button type="button" className="btn btn-secondary" onClick={() => void view(file.id, file.name, current.contentType)} aria-label={`${previewable ? t("drive.preview") : t("drive.open")}: ${file.name}`} data-testid="drive-view">
                            {previewable ? t("drive.preview") : t("drive.open")}
                          </button>
                        )}
                        {staff && (
                          <button type="button" className="btn btn-secondary btn-danger" onClick={() => void remove(file.id, file.name)} aria-label={`${t("drive.delete")}: ${file.name}`} data-testid="drive-delete">
                            {t("drive.delete")}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {preview && (
            <figure className="drive-preview" data-testid="drive-preview">
              <figcaption>
                {preview.name}{" "}
                <button type="button" className="btn btn-secondary" onClick={() => setPreview(null)}>
                  {t("drive.closePreview")}
                </button>
              </figcaption>
              {preview.kind === "image" ? (
                <img src={preview.url} alt={preview.name} style={{ maxWidth: "100%" }} />
              ) : (
                <iframe src={preview.url} title={preview.name} style={{ width: "100%", height: "32rem", border: 0 }} />
              )}
            </figure>
          )}
        </>
      )}
    </div>
  );
}

/** Earlier versions, loaded when the person opens the list (they are rarely needed). */
function Versions({ fileId, count, onDownload }: { fileId: string; count: number; onDownload: (v: DriveVersionFieldsFragment) => void }) {
  const t = useT();
  const format = useFormat();
  const [open, setOpen] = useState(false);
  const [{ data }] = useQuery({ query: DriveFileVersionsDocument, variables: { id: fileId }, pause: !open });
  const versions = data?.node?.__typename === "DriveFile" ? data.node.versions : [];
  return (
    <details className="drive-versions" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{t("drive.versions", { count })}</summary>
      {open && !data && <p role="status">{t("common.loading")}</p>}
      <ul>
        {versions.map((v) => (
          <li key={v.id}>
            {t("drive.version", { no: v.versionNo })} · {format.dateTime(v.uploadedAt)} · {format.size(v.size)}{" "}
            <button type="button" className="btn-link" onClick={() => onDownload(v)}>
              {t("drive.download")}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
