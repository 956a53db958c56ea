import { useRef, useState } from "react";
import type { DragEvent, KeyboardEvent } from "react";
import { useMutation } from "urql";
import { PostChatMessageDocument } from "../graphql/generated";
import type { ChatMessageFieldsFragment } from "../graphql/generated";
import { CrossIcon, PaperclipIcon } from "./Icon";
import { useI18n } from "../i18n";
import { formatSize } from "../i18n/format";

const MAX_TEXT = 10_000;

/** A file's bytes as base64 (the API's `ChatFileInput`). */
export function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** The message box: plain text, files from the button or dropped onto it (when the person may
 *  send files: staff, or any contact taking part: the 'chat' grant is enough, the files land in "From client"); Ctrl+Enter sends. */
export function ChatComposer({
  conversationId,
  canAttach,
  onSent,
  post: postOther,
}: {
  conversationId: string;
  canAttach: boolean;
  onSent: (message: ChatMessageFieldsFragment) => void;
  /** Sends the text another way (a service request's comment): null on success, else the refusal. */
  post?: (body: string) => Promise<string | null>;
}) {
  const { t, lang } = useI18n();
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, post] = useMutation(PostChatMessageDocument);
  const input = useRef<HTMLInputElement>(null);

  const add = (list: FileList | null) => {
    if (canAttach && list?.length) setFiles((prev) => prev.concat(Array.from(list)));
  };

  async function send() {
    if (fetching || (!text.trim() && !files.length)) return;
    setError(null);
    if (postOther) {
      const failure = await postOther(text);
      if (failure === null) setText("");
      else setError(failure);
      return;
    }
    let encoded: { filename: string; contentBase64: string }[];
    try {
      encoded = await Promise.all(files.map(async (f) => ({ filename: f.name, contentBase64: await base64Of(f) })));
    } catch {
      setError(t("chat.fileUnreadable"));
      return;
    }
    const res = await post({ input: { conversationId, body: text, files: encoded.length ? encoded : null } });
    const out = res.data?.postChatMessage;
    if (out?.__typename === "ChatMessage") {
      setText("");
      setFiles([]);
      if (input.current) input.current.value = "";
      onSent(out);
    } else setError(out && "message" in out ? out.message : t("error.generic"));
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    add(e.dataTransfer.files);
  }

  return (
    <form
      className={dragging ? "chat-composer dragging" : "chat-composer"}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => {
        if (!canAttach) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="chat-composer"
    >
      <div className="field">
        <label htmlFor="chat-text">{t("chat.yourMessage")}</label>
        <textarea
          id="chat-text"
          rows={3}
          maxLength={MAX_TEXT}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          aria-describedby="chat-text-hint"
          data-testid="chat-text"
        />
        <span className="hint" id="chat-text-hint">
          {canAttach ? t("chat.composerHint") : t("chat.composerHintNoFiles")}
        </span>
      </div>
      {files.length > 0 && (
        <ul className="chat-pending-files" aria-label={t("chat.attached")} data-testid="chat-pending-files">
          {files.map((f, index) => (
            <li key={`${f.name}-${index}`}>
              <PaperclipIcon /> {f.name} <span className="muted">({formatSize(f.size, lang)})</span>
              <button
                type="button"
                className="btn-link"
                onClick={() => setFiles((prev) => prev.filter((_, i) => i !== index))}
                aria-label={t("chat.removeFile", { name: f.name })}
              >
                <CrossIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="chat-error" role="alert" data-testid="chat-error">
          {error}
        </p>
      )}
      <div className="chat-composer-actions">
        {canAttach ? (
          <>
            <input
              ref={input}
              id="chat-file"
              type="file"
              multiple
              className="visually-hidden"
              onChange={(e) => add(e.target.files)}
              data-testid="chat-file-input"
            />
            <label htmlFor="chat-file" className="btn btn-secondary">
              <PaperclipIcon /> {t("chat.attach")}
            </label>
          </>
        ) : (
          <span />
        )}
        <button type="submit" className="btn btn-primary" disabled={fetching || (!text.trim() && !files.length)} data-testid="chat-send">
          {fetching ? t("chat.sending") : t("chat.send")}
        </button>
      </div>
    </form>
  );
}
