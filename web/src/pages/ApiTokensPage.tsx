import { useRef, useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { ApiTokensDocument, CreateApiTokenDocument, RevokeApiTokenDocument } from "../graphql/generated";
import type { ApiTokenFieldsFragment } from "../graphql/generated";
import { Workspace } from "./Workspace";
import { ErrorAlert, OkAlert, WarnAlert } from "../components/Alert";
import { useI18n, useT } from "../i18n";
import { formatDate } from "../i18n/format";
import { usePageTitle } from "../app/page";

/** Integrators' API tokens: create one (its secret is shown here once), list and revoke. */
export function ApiTokensPage() {
  const t = useT();
  usePageTitle(t("tokens.title"));
  const [{ data, error }, refetch] = useQuery({ query: ApiTokensDocument, requestPolicy: "network-only" });
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const reload = () => refetch({ requestPolicy: "network-only" });
  return (
    <Workspace>
      <div className="page-title">
        <h1>{t("tokens.title")}</h1>
      </div>
      {error && <ErrorAlert>{error.graphQLErrors[0]?.extensions?.code === "FORBIDDEN" ? t("error.forbidden") : t("error.generic")}</ErrorAlert>}
      {!data && !error && <p role="status">{t("common.loading")}</p>}
      {created && <NewSecret token={created.token} name={created.name} onDone={() => setCreated(null)} />}
      {data && (
        <div className="grid-2">
          <CreateTokenForm
            roles={data.roles.map((r) => ({ name: r.name, description: r.description }))}
            onCreated={(token, name) => {
              setCreated({ token, name });
              reload();
            }}
          />
          <section className="card" aria-labelledby="tokens-list-title">
            <h2 id="tokens-list-title">{t("tokens.list")}</h2>
            {data.apiTokens.length === 0 ? (
              <p className="muted">{t("tokens.none")}</p>
            ) : (
              <ul className="list" data-testid="token-list">
                {data.apiTokens.map((token) => (
                  <li key={token.id}>
                    <TokenRow token={token} onChanged={reload} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </Workspace>
  );
}

/** The secret, once: with a copy button and the warning that it will not be shown again. */
function NewSecret({ token, name, onDone }: { token: string; name: string; onDone: () => void }) {
  const t = useT();
  const [copied, setCopied] = useState<"ok" | "failed" | null>(null);
  const secretRef = useRef<HTMLElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("ok");
    } catch {
      // No clipboard (plain http, denied permission): select the text for a manual copy.
      const node = secretRef.current;
      if (node) window.getSelection()?.selectAllChildren(node);
      setCopied("failed");
    }
  }

  return (
    <section className="card" aria-labelledby="new-token-title" data-testid="new-token">
      <h2 id="new-token-title">{t("tokens.secretTitle", { name })}</h2>
      <WarnAlert>{t("tokens.secretWarning")}</WarnAlert>
      <div className="field">
        <span className="label" id="new-token-label">
          {t("tokens.secretLabel")}
        </span>
        <code className="secret" ref={secretRef} aria-labelledby="new-token-label" data-testid="token-secret" style={{ display: "block" }}>
          {token}
        </code>
      </div>
      {copied === "ok" && <OkAlert>{t("tokens.copied")}</OkAlert>}
      {copied === "failed" && <ErrorAlert>{t("tokens.copyFailed")}</ErrorAlert>}
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={copy} data-testid="token-copy">
          {t("tokens.copy")}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onDone} data-testid="token-done">
          {t("tokens.done")}
        </button>
      </div>
    </section>
  );
}

function CreateTokenForm({
  roles,
  onCreated,
}: {
  roles: { name: string; description: string }[];
  onCreated: (token: string, name: string) => void;
}) {
  const t = useT();
  const [name, setName] = useState("");
  const [role, setRole] = useState(roles.some((r) => r.name === "integrator") ? "integrator" : (roles[0]?.name ?? ""));
  const [days, setDays] = useState("365");
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreateApiTokenDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setInvalid(null);
    const outcome = (await create({ name: name.trim(), role, expiresInDays: Number(days) })).data?.createApiToken;
    if (outcome?.__typename === "ApiTokenCreated") {
      onCreated(outcome.token, outcome.apiToken.name);
      setName("");
      return;
    }
    if (outcome?.__typename === "ValidationError") setInvalid(outcome.field ?? null);
    setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="create-token-title">
      <h2 id="create-token-title">{t("tokens.create")}</h2>
      <ErrorAlert>{error}</ErrorAlert>
      <div className="field">
        <label htmlFor="token-name">{t("tokens.name")}</label>
        <input
          id="token-name"
          type="text"
          required
          maxLength={200}
          value={name}
          aria-invalid={invalid === "name" || undefined}
          aria-describedby="token-name-hint"
          onChange={(e) => setName(e.target.value)}
        />
        <span className="hint" id="token-name-hint">
          {t("tokens.nameHint")}
        </span>
      </div>
      <div className="field">
        <label htmlFor="token-role">{t("tokens.role")}</label>
        <select id="token-role" value={role} aria-invalid={invalid === "role" || undefined} onChange={(e) => setRole(e.target.value)}>
          {roles.map((r) => (
            <option key={r.name} value={r.name}>
              {r.description ? `${r.description} (${r.name})` : r.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="token-days">{t("tokens.days")}</label>
        <input
          id="token-days"
          type="number"
          inputMode="numeric"
          min={1}
          max={3650}
          required
          value={days}
          aria-invalid={invalid === "expiresInDays" || undefined}
          onChange={(e) => setDays(e.target.value)}
        />
      </div>
      <button type="submit" className="btn btn-primary" disabled={fetching} data-testid="token-create">
        {t("tokens.submit")}
      </button>
    </form>
  );
}

function TokenRow({ token, onChanged }: { token: ApiTokenFieldsFragment; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, revoke] = useMutation(RevokeApiTokenDocument);
  const date = (value: string) => formatDate(value, lang);

  async function onRevoke() {
    if (!window.confirm(t("tokens.revokeConfirm", { name: token.name }))) return;
    setError(null);
    const outcome = (await revoke({ id: token.id })).data?.revokeApiToken;
    if (outcome?.__typename === "ApiTokenRevoked") onChanged();
    else setError(outcome && "message" in outcome ? outcome.message : t("error.generic"));
  }

  return (
    <div className="list-item" data-testid="api-token" data-name={token.name}>
      <div className="grow">
        <div className="title">{token.name}</div>
        <div className="muted">
          {t("tokens.details", { role: token.role, prefix: token.prefix, created: date(token.createdAt) })}
          {token.expiresAt && ` · ${t("tokens.expires", { date: date(token.expiresAt) })}`}
          {token.lastUsedAt && ` · ${t("tokens.lastUsed", { date: date(token.lastUsedAt) })}`}
        </div>
        <ErrorAlert>{error}</ErrorAlert>
      </div>
      {token.revokedAt ? (
        <span className="badge badge-grey" data-testid="token-revoked">
          {t("tokens.revoked")}
        </span>
      ) : (
        <button
          type="button"
          className="btn btn-secondary"
          disabled={fetching}
          aria-label={`${t("tokens.revoke")}: ${token.name}`}
          onClick={onRevoke}
          data-testid="token-revoke"
        >
          {t("tokens.revoke")}
        </button>
      )}
    </div>
  );
}
