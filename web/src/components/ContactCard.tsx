import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation } from "urql";
import { SetContactCardDocument } from "../graphql/generated";
import { ErrorAlert, OkAlert } from "./Alert";
import { fieldErrorOf } from "./fieldError";
import type { FieldError } from "./fieldError";
import { useT } from "../i18n";
import "../clients.css";

export type CardPerson = {
  id: string;
  displayName: string;
  email: string;
  label: string;
  phone: string;
  note?: string | null;
};

/** The firm's own contact card for a person (position, phone, internal note): shown only
 *  inside this firm; the person's own name is theirs. A button opens the form in place. */
export function ContactCardEditor({ person, onSaved }: { person: CardPerson; onSaved: () => void }) {
  const t = useT();
  const name = person.displayName || person.email;
  const prefix = `card-${person.id.replace(/[^a-zA-Z0-9]/g, "")}`;
  const [open, setOpen] = useState(false);
  const [label, setLabel] = useState(person.label);
  const [phone, setPhone] = useState(person.phone);
  const [note, setNote] = useState(person.note ?? "");
  const [error, setError] = useState<FieldError>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching }, save] = useMutation(SetContactCardDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await save({ personId: person.id, label, phone, note });
    const outcome = result.data?.setContactCard;
    if (outcome?.__typename === "PersonCard") {
      setOpen(false);
      setSaved(true);
      onSaved();
      return;
    }
    setError(fieldErrorOf(outcome, t("error.generic")));
  }

  const invalid = (field: string) => (error?.field === field ? true : undefined);
  const describedBy = (field: string) => (error?.field === field ? `${prefix}-error` : undefined);

  if (!open) {
    return (
      <>
        {saved && <OkAlert>{t("card.saved")}</OkAlert>}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            setSaved(false);
            setLabel(person.label);
            setPhone(person.phone);
            setNote(person.note ?? "");
            setOpen(true);
          }}
          aria-label={t("card.editOf", { name })}
          data-testid="edit-contact-card"
        >
          {t("card.edit")}
        </button>
      </>
    );
  }
  return (
    <form onSubmit={submit} className="contact-card-form" aria-label={t("card.editOf", { name })} data-testid="contact-card-form">
      <p className="hint">{t("card.hint")}</p>
      <ErrorAlert id={`${prefix}-error`}>{error?.message}</ErrorAlert>
      <div className="field">
        <label htmlFor={`${prefix}-label`}>{t("card.label")}</label>
        <input id={`${prefix}-label`} type="text" value={label} onChange={(e) => setLabel(e.target.value)} aria-invalid={invalid("label")} aria-describedby={describedBy("label")} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-phone`}>{t("card.phone")}</label>
        <input id={`${prefix}-phone`} type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} aria-invalid={invalid("phone")} aria-describedby={describedBy("phone")} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-note`}>{t("card.note")}</label>
        <textarea id={`${prefix}-note`} rows={2} value={note} onChange={(e) => setNote(e.target.value)} aria-invalid={invalid("note")} aria-describedby={describedBy("note")} />
      </div>
      <div className="filters">
        <button type="submit" className="btn btn-primary" disabled={fetching}>
          {t("common.save")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

/** The responsible manager on the client's home: name, position, phone and e-mail (the
 *  firm's contact card), so a clarification request has someone to call. */
export function ManagerCard({ manager }: { manager: CardPerson | null | undefined }) {
  const t = useT();
  return (
    <section className="card manager-card" aria-labelledby="manager-title" data-testid="manager-card">
      <h2 id="manager-title">{t("manager.title")}</h2>
      {manager ? (
        <>
          <p className="title" data-testid="manager-name">
            {manager.displayName || manager.email}
          </p>
          {manager.label && (
            <p className="muted" data-testid="manager-label">
              {manager.label}
            </p>
          )}
          <ul className="manager-contacts">
            {manager.phone && (
              <li>
                <a href={`tel:${manager.phone.replace(/[^0-9+]/g, "")}`} aria-label={t("manager.call", { phone: manager.phone })} data-testid="manager-phone">
                  {manager.phone}
                </a>
              </li>
            )}
            <li>
              <a href={`mailto:${manager.email}`} aria-label={t("manager.write", { email: manager.email })} data-testid="manager-email">
                {manager.email}
              </a>
            </li>
          </ul>
          <p className="hint">{t("manager.hint")}</p>
        </>
      ) : (
        <p className="muted">{t("manager.none")}</p>
      )}
    </section>
  );
}
