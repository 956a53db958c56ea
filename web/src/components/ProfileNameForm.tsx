import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation } from "urql";
import { UpdateDisplayNameDocument } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { useSession } from "../app/session";
import { useT } from "../i18n";

/** The person's own name, the same in every firm and client cabinet (a firm's own words for
 *  them are its contact card, which they do not edit). */
export function ProfileNameForm() {
  const t = useT();
  const { viewer, refresh } = useSession();
  const [name, setName] = useState(viewer?.displayName ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, update] = useMutation(UpdateDisplayNameDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const result = await update({ displayName: name });
    const outcome = result.data?.updateDisplayName;
    if (outcome?.__typename === "Viewer") {
      setName(outcome.displayName);
      setSaved(true);
      refresh();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <section className="card" aria-labelledby="profile-title" style={{ maxWidth: "40rem" }}>
      <h2 id="profile-title">{t("account.profile")}</h2>
      <form onSubmit={submit}>
        {saved && <OkAlert>{t("account.nameSaved")}</OkAlert>}
        <ErrorAlert id="profile-name-error">{error}</ErrorAlert>
        <div className="field">
          <label htmlFor="profile-name">{t("account.name")}</label>
          <input
            id="profile-name"
            type="text"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "profile-name-error profile-name-hint" : "profile-name-hint"}
          />
          <span className="hint" id="profile-name-hint">
            {t("account.nameHint")}
          </span>
        </div>
        <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="save-name">
          {t("common.save")}
        </button>
      </form>
    </section>
  );
}
