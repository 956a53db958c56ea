import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AssignRolesDocument, InviteStaffDocument, StaffDocument } from "../graphql/generated";
import type { MemberFieldsFragment, StaffQuery } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert } from "../components/Alert";
import { StaffTotpReset } from "../components/StaffTotpReset";
import { ContactCardEditor } from "../components/ContactCard";
import { useSession } from "../app/session";
import { useI18n, useT } from "../i18n";
import { usePageTitle } from "../app/page";

type Role = StaffQuery["roles"][number];

// Built-in roles a staff membership cannot hold (the API refuses them for staff anyway);
// custom roles are for staff only, so they all stay.
const NOT_FOR_STAFF = new Set(["client_admin", "client_member", "performer", "integrator"]);

/** The firm's staff: invite by e-mail with roles, and change the roles of those who joined. */
export function StaffPage() {
  const t = useT();
  usePageTitle(t("staff.title"));
  const [after, setAfter] = useState<string | null>(null);
  // The search lives in the URL (a bookmark or a reload keeps it) and waits for a pause in typing.
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const [typed, setTyped] = useState(search);
  useEffect(() => {
    const timer = window.setTimeout(() => {
      const value = typed.trim();
      if (value === search) return;
      const next = new URLSearchParams(params);
      if (value) next.set("q", value);
      else next.delete("q");
      setAfter(null);
      setParams(next, { replace: true });
    }, 300);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);
  const [{ data: fresh, error, fetching }, refetch] = useQuery({
    query: StaffDocument,
    variables: { after, search: search || null },
    requestPolicy: "network-only",
  });
  // While a new search loads, the last page stays (the search box keeps its focus).
  const last = useRef(fresh);
  if (fresh) last.current = fresh;
  const data = fresh ?? last.current;
  const reload = () => refetch({ requestPolicy: "network-only" });
  const staffRoles = (data?.roles ?? []).filter((r) => !(r.builtin && NOT_FOR_STAFF.has(r.name)));
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("staff.title")}</h1>
      </div>
      {error && <ErrorAlert>{error.graphQLErrors[0]?.extensions?.code === "FORBIDDEN" ? t("error.forbidden") : t("error.generic")}</ErrorAlert>}
      {!data && !error && <p role="status">{t("common.loading")}</p>}
      {data && (
        <>
          <InviteStaffForm roles={staffRoles} />
          <section className="card" aria-labelledby="members-title">
            <div className="page-title" style={{ marginBottom: "0.5rem" }}>
              <h2 id="members-title" style={{ margin: 0 }}>
                {t("staff.members")}
              </h2>
              <span className="muted" role="status">
                {t("staff.count", { count: data.members.totalCount })}
              </span>
            </div>
            <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
              <div className="field">
                <label htmlFor="staff-search">{t("clients.search")}</label>
                <input
                  id="staff-search"
                  type="search"
                  value={typed}
                  placeholder={t("staff.searchPlaceholder")}
                  onChange={(e) => setTyped(e.target.value)}
                  data-testid="staff-search"
                />
              </div>
            </form>
            <ul className="list" data-testid="staff-list">
              {data.members.edges.map(({ node }) => (
                <li key={node.id}>
                  <MemberRow member={node} roles={staffRoles} onChanged={reload} />
                </li>
              ))}
            </ul>
            {(data.members.pageInfo.hasNextPage || after) && (
              <div className="filters" style={{ marginTop: "1rem" }}>
                {after && (
                  <button type="button" className="btn btn-secondary" onClick={() => setAfter(null)}>
                    {t("clients.firstPage")}
                  </button>
                )}
                {data.members.pageInfo.hasNextPage && (
                  <button
                    type="button"
                    className="btn btn-secondary"
                    disabled={fetching}
                    onClick={() => setAfter(data.members.pageInfo.endCursor)}
                    data-testid="staff-next-page"
                  >
                    {t("clients.nextPage")}
                  </button>
                )}
              </div>
            )}
          </section>
        </>
      )}
    </Workspace>
  );
}

function RoleCheckboxes({
  idPrefix,
  roles,
  value,
  onChange,
}: {
  idPrefix: string;
  roles: Role[];
  value: string[];
  onChange: (value: string[]) => void;
}) {
  const t = useT();
  return (
    <fieldset>
      <legend>{t("staff.roles")}</legend>
      <div className="checkbox-grid">
        {roles.map((role) => {
          const id = `${idPrefix}-${role.name}`;
          return (
            <div className="checkbox" key={role.name}>
              <input
                id={id}
                type="checkbox"
                value={role.name}
                checked={value.includes(role.name)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, role.name] : value.filter((r) => r !== role.name))
                }
              />
              <label htmlFor={id} title={role.name}>
                {role.description || role.name}
              </label>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

function InviteStaffForm({ roles }: { roles: Role[] }) {
  const { t, lang } = useI18n();
  const [email, setEmail] = useState("");
  const [picked, setPicked] = useState<string[]>(["staff"].filter((r) => roles.some((x) => x.name === r)));
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [{ fetching }, invite] = useMutation(InviteStaffDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSent(null);
    if (picked.length === 0) return setError(t("staff.pickRole"));
    const outcome = (await invite({ email: email.trim(), roles: picked, locale: lang })).data?.inviteStaff;
    if (outcome?.__typename === "InvitationSent") {
      setSent(outcome.invitation.email);
      setEmail("");
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="invite-staff-title">
      <h2 id="invite-staff-title">{t("staff.invite")}</h2>
      {sent && <OkAlert>{t("staff.invited", { email: sent })}</OkAlert>}
      <ErrorAlert>{error}</ErrorAlert>
      <div className="field">
        <label htmlFor="invite-staff-email">{t("field.email")}</label>
        <input id="invite-staff-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <RoleCheckboxes idPrefix="invite-role" roles={roles} value={picked} onChange={setPicked} />
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="invite-staff-submit">
        {t("staff.inviteSubmit")}
      </button>
    </form>
  );
}

function MemberRow({ member, roles, onChanged }: { member: MemberFieldsFragment; roles: Role[]; onChanged: () => void }) {
  const t = useT();
  const { can } = useSession();
  const [editing, setEditing] = useState(false);
  const [picked, setPicked] = useState<string[]>(member.roles);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, assign] = useMutation(AssignRolesDocument);
  const name = member.name || member.email;
  const describe = (role: string) => roles.find((r) => r.name === role)?.description || role;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const outcome = (await assign({ membershipId: member.id, roles: picked })).data?.assignRoles;
    if (outcome?.__typename === "Member") {
      setEditing(false);
      onChanged();
      return;
    }
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <div className="list-item" data-testid="staff-member" data-email={member.email} data-id={member.id}>
      <div className="grow">
        <div className="title">{name}</div>
        {member.name && <div className="muted">{member.email}</div>}
        {(member.label || member.phone) && (
          <div className="muted" data-testid="staff-card">
            {[member.label, member.phone].filter(Boolean).join(" · ")}
          </div>
        )}
        {member.note && <div className="muted">{member.note}</div>}
        <div className="muted" data-testid="staff-roles">
          {member.roles.map(describe).join(", ")}
        </div>
        {member.status !== "active" && <span className="badge badge-grey">{t("staff.inactive")}</span>}
        <StaffTotpReset member={member} onChanged={onChanged} />
        {can("members:manage") && (
          <ContactCardEditor
            person={{ id: member.personId, displayName: member.name, email: member.email, label: member.label, phone: member.phone, note: member.note }}
            onSaved={onChanged}
          />
        )}
      </div>
      {!editing && member.status === "active" && (
        <button
          type="button"
          className="btn btn-secondary"
          aria-label={`${t("staff.editRoles")}: ${name}`}
          onClick={() => {
            setPicked(member.roles);
            setEditing(true);
          }}
        >
          {t("staff.editRoles")}
        </button>
      )}
      {editing && (
        <form onSubmit={submit} style={{ flexBasis: "100%" }} aria-label={t("staff.rolesOf", { name })}>
          <ErrorAlert>{error}</ErrorAlert>
          <RoleCheckboxes idPrefix={`roles-${member.id}`} roles={roles} value={picked} onChange={setPicked} />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={fetching || picked.length === 0}>
              {t("common.save")}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => setEditing(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
