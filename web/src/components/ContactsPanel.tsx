import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { useMutation } from "urql";
import { DeactivateContactDocument, InviteContactDocument, SetContactGrantsDocument } from "../graphql/generated";
import type { ClientModule, ContactFieldsFragment } from "../graphql/generated";
import { GrantsChecklist } from "./GrantsChecklist";
import { ErrorAlert, OkAlert } from "./Alert";
import { ContactCardEditor } from "./ContactCard";
import { useModules } from "../app/modules";
import { useSession } from "../app/session";
import { primaryKeyOf } from "../graphql/ids";
import { useT } from "../i18n";

/** The contact persons of one organization: their grants (editable), deactivation, and the
 *  invitation form. Staff and the organization's client admin see the same panel; the API
 *  decides what each may change (a client admin cannot make another client admin). */
export function ContactsPanel({
  organizationId,
  contacts,
  enabledModules,
  canInviteAdmin,
  canEditCards = false,
  onChanged,
}: {
  organizationId: string;
  contacts: ContactFieldsFragment[];
  enabledModules: ClientModule[];
  canInviteAdmin: boolean;
  /** Firm staff who may write the firm's contact cards (label, phone, note). */
  canEditCards?: boolean;
  onChanged: () => void;
}) {
  const t = useT();
  return (
    <>
      <section className="card" aria-labelledby="contacts-title">
        <h2 id="contacts-title">{t("contacts.title")}</h2>
        {contacts.length === 0 ? (
          <p className="muted">{t("contacts.none")}</p>
        ) : (
          <ul className="list" data-testid="contacts">
            {contacts.map((contact) => (
              <li key={contact.id}>
                <ContactRow contact={contact} enabledModules={enabledModules} canEditCards={canEditCards} onChanged={onChanged} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <InviteContactForm
        organizationId={organizationId}
        enabledModules={enabledModules}
        canInviteAdmin={canInviteAdmin}
        onInvited={onChanged}
      />
    </>
  );
}

function ContactRow({
  contact,
  enabledModules,
  canEditCards,
  onChanged,
}: {
  contact: ContactFieldsFragment;
  enabledModules: ClientModule[];
  canEditCards: boolean;
  onChanged: () => void;
}) {
  const t = useT();
  const { viewer } = useSession();
  const modules = useModules();
  const [editing, setEditing] = useState(false);
  const [grants, setGrants] = useState<ClientModule[]>(contact.grants);
  // What the API answered to the last save, shown until the refreshed list arrives.
  const [answered, setAnswered] = useState<ClientModule[] | null>(null);
  const shown = answered ?? contact.grants;
  useEffect(() => setAnswered(null), [contact.grants]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [{ fetching: saving }, setContactGrants] = useMutation(SetContactGrantsDocument);
  const [{ fetching: deactivating }, deactivate] = useMutation(DeactivateContactDocument);
  const person = contact.person;
  const name = person?.displayName || person?.email || "—";
  const active = contact.status === "ACTIVE";
  // The person looking at their own row: the dialog speaks to them.
  const isMe = !!viewer && !!person && primaryKeyOf(viewer.id) === primaryKeyOf(person.id);
  const idPrefix = `grants-${contact.id.replace(/[^a-zA-Z0-9]/g, "")}`;

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await setContactGrants({ contactId: contact.id, grants });
    const outcome = result.data?.setContactGrants;
    if (outcome?.__typename === "ClientContact") {
      setAnswered(outcome.grants);
      setEditing(false);
      setSaved(true);
      onChanged();
    } else {
      setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
    }
  }

  async function onDeactivate() {
    if (!window.confirm(isMe ? t("contacts.deactivateSelfConfirm") : t("contacts.deactivateConfirm", { name }))) return;
    const result = await deactivate({ contactId: contact.id });
    const outcome = result.data?.deactivateContact;
    if (outcome?.__typename === "ClientContact") onChanged();
    else setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <div className="list-item" data-testid="contact" data-email={person?.email}>
      <div className="grow">
        <div className="title">
          {name}
          {isMe && <> {t("contacts.youSuffix")}</>}
        </div>
        {person?.displayName && <div className="muted">{person.email}</div>}
        {person && (person.label || person.phone) && (
          <div className="muted contact-card-line" data-testid="contact-card">
            {[person.label, person.phone].filter(Boolean).join(" · ")}
          </div>
        )}
        {person?.note && <div className="muted contact-card-line">{person.note}</div>}
        <div>
          {contact.isClientAdmin && <span className="badge">{t("contacts.clientAdmin")}</span>}{" "}
          {!active ? (
            <span className="badge badge-grey">{t("contacts.deactivated")}</span>
          ) : !contact.invitationAccepted ? (
            <span className="badge badge-grey">{t("contacts.invited")}</span>
          ) : null}
        </div>
        {!editing && (
          <div className="muted" data-testid="contact-grants">
            {shown.length ? shown.map((g) => modules.label(g)).join(", ") : t("contacts.noGrants")}
          </div>
        )}
        {saved && !editing && <OkAlert>{t("contacts.grantsSaved")}</OkAlert>}
        <ErrorAlert>{error}</ErrorAlert>
        {editing && (
          <form onSubmit={save}>
            <GrantsChecklist
              legend={t("contacts.grantsFor", { name })}
              value={grants}
              onChange={setGrants}
              available={enabledModules}
              idPrefix={idPrefix}
            />
            <div className="filters">
              <button type="submit" className="btn btn-primary" disabled={saving}>
                {t("common.save")}
              </button>
              <button
                type="button"
                className="btn btn-secondary"
                onClick={() => {
                  setGrants(shown);
                  setEditing(false);
                }}
              >
                {t("common.cancel")}
              </button>
            </div>
          </form>
        )}
      </div>
      {active && !editing && (
        <div className="filters" style={{ margin: 0 }}>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => {
              setSaved(false);
              setGrants(shown);
              setEditing(true);
            }}
            aria-label={t("contacts.editGrantsOf", { name })}
          >
            {t("contacts.editGrants")}
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={onDeactivate}
            disabled={deactivating}
            aria-label={isMe ? t("contacts.deactivateSelfOf") : t("contacts.deactivateOf", { name })}
          >
            {t("contacts.deactivate")}
          </button>
          {canEditCards && person && <ContactCardEditor person={person} onSaved={onChanged} />}
        </div>
      )}
    </div>
  );
}

function InviteContactForm({
  organizationId,
  enabledModules,
  canInviteAdmin,
  onInvited,
}: {
  organizationId: string;
  enabledModules: ClientModule[];
  canInviteAdmin: boolean;
  onInvited: () => void;
}) {
  const t = useT();
  const [email, setEmail] = useState("");
  // Ticked in advance: the modules the API marks enabledByDefault, where the firm enabled them;
  // the person's own choice once they touch a box.
  const { available } = useModules();
  const [chosen, setGrants] = useState<ClientModule[] | null>(null);
  const grants = chosen ?? (available ?? []).filter((m) => m.enabledByDefault && enabledModules.includes(m.module)).map((m) => m.module);
  const [admin, setAdmin] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [{ fetching }, invite] = useMutation(InviteContactDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSentTo(null);
    const result = await invite({ organizationId, email, grants, isClientAdmin: admin });
    const outcome = result.data?.inviteContact;
    if (outcome?.__typename === "ClientContact") {
      setSentTo(email);
      setEmail("");
      onInvited();
    } else {
      setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
    }
  }

  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">{t("contacts.inviteTitle")}</h2>
      <form onSubmit={submit}>
        <OkAlert>{sentTo && t("contacts.inviteSent", { email: sentTo })}</OkAlert>
        <ErrorAlert>{error}</ErrorAlert>
        <div className="field">
          <label htmlFor="invite-contact-email">{t("field.email")}</label>
          <input id="invite-contact-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <GrantsChecklist legend={t("contacts.grants")} value={grants} onChange={setGrants} available={enabledModules} idPrefix="invite-grant" />
        {canInviteAdmin && (
          <div className="checkbox">
            <input id="invite-contact-admin" type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
            <label htmlFor="invite-contact-admin">{t("contacts.makeClientAdmin")}</label>
          </div>
        )}
        <p>
          <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="invite-contact-submit">
            {t("contacts.inviteSubmit")}
          </button>
        </p>
      </form>
    </section>
  );
}
