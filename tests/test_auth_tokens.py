"""API tokens for integrators: created by a firm admin, shown once, stored hashed, bound to
their firm, expiring, revocable, last use recorded."""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa

from tests.support.auth import login
from tests.support.cli import saas_cli

CREATE = """
mutation($name: String!, $role: String!, $days: Int!) {
  createApiToken(name: $name, role: $role, expiresInDays: $days) {
    __typename
    ... on ApiTokenCreated {
      token apiToken { id name role prefix createdAt expiresAt lastUsedAt revokedAt }
    }
    ... on ValidationError { code field }
  }
}
"""
REVOKE = """
mutation($id: ID!) { revokeApiToken(id: $id) {
  __typename ... on ApiTokenRevoked { apiToken { revokedAt } } ... on Error { code }
} }
"""
LIST = "{ apiTokens { id name lastUsedAt revokedAt } }"
FIRM = "{ currentFirm { slug } }"


def admin_of(client, firms, people, key: str = "a"):  # type: ignore[no-untyped-def]
    c = client(firms[key].host)
    login(c, people[key].admin.email, people[key].admin.password)
    return c


def create(admin, name: str = "1C exchange", role: str = "integrator", days: int = 30) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = admin.execute(CREATE, {"name": name, "role": role, "days": days})["createApiToken"]
    assert result["__typename"] == "ApiTokenCreated", result
    return dict(result)


def test_token_is_shown_once_stored_hashed_and_works(client, firms, people, db_engine) -> None:
    admin = admin_of(client, firms, people)
    created = create(admin)
    secret, token = created["token"], created["apiToken"]
    assert secret.startswith("kbt_") and len(secret) > 40
    assert secret.startswith(token["prefix"]) and token["prefix"] != secret
    assert token["role"] == "integrator" and token["lastUsedAt"] is None and token["expiresAt"]
    with db_engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT token_hash FROM shared.api_tokens WHERE prefix = :p"),
            {"p": token["prefix"]},
        ).scalar_one()
        audited = conn.execute(
            sa.text(
                "SELECT count(*) FROM tenant_firm_a.audit_log WHERE action = 'api_token.create' "
                "AND object_id = (SELECT id::text FROM shared.api_tokens WHERE prefix = :p)"
            ),
            {"p": token["prefix"]},
        ).scalar_one()
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert audited == 1  # this token's own entry, not any token's

    # At the firm's host, and at the platform host (the token names its firm).
    assert client(firms["a"].host, token=secret).execute(FIRM) == {
        "currentFirm": {"slug": "firm-a"}
    }
    assert client("kabinet.test", token=secret).execute(FIRM) == {"currentFirm": {"slug": "firm-a"}}
    listed = {t["id"]: t for t in admin.execute(LIST)["apiTokens"]}
    assert listed[token["id"]]["lastUsedAt"] is not None
    # Nothing in any later answer shows the secret again.
    assert secret not in str(admin.execute(LIST))


def test_token_is_refused_at_another_firms_host(client, firms, people) -> None:
    secret = create(admin_of(client, firms, people))["token"]
    response = client(firms["b"].host, token=secret).post({"query": FIRM})
    assert response.status_code == 403 and response.json()["error"]["code"] == "WRONG_TENANT"


def test_revoked_token_is_refused_at_once(client, firms, people) -> None:
    admin = admin_of(client, firms, people)
    created = create(admin)
    integrator = client(firms["a"].host, token=created["token"])
    assert integrator.execute(FIRM)
    revoked = admin.execute(REVOKE, {"id": created["apiToken"]["id"]})["revokeApiToken"]
    assert revoked["__typename"] == "ApiTokenRevoked" and revoked["apiToken"]["revokedAt"]
    response = integrator.post({"query": FIRM})
    assert response.status_code == 401 and response.json()["error"]["code"] == "INVALID_TOKEN"


def test_expired_token_is_refused(client, firms, people, db_engine) -> None:
    created = create(admin_of(client, firms, people), days=1)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.api_tokens SET expires_at = now() - interval '1 second' "
                "WHERE prefix = :p"
            ),
            {"p": created["apiToken"]["prefix"]},
        )
    response = client(firms["a"].host, token=created["token"]).post({"query": FIRM})
    assert response.status_code == 401 and response.json()["error"]["code"] == "TOKEN_EXPIRED"


def test_unknown_and_malformed_tokens_are_refused(client, firms) -> None:
    for secret in ("kbt_" + "x" * 43, "not-a-token"):
        response = client(firms["a"].host, token=secret).post({"query": FIRM})
        assert response.status_code == 401


def test_only_token_managers_create_list_and_revoke(client, firms, people) -> None:
    created = create(admin_of(client, firms, people))
    manager = client(firms["a"].host)
    login(manager, people["a"].manager.email, people["a"].manager.password)
    integrator = client(firms["a"].host, token=created["token"])
    for c, code in (
        (manager, "FORBIDDEN"),
        (integrator, "FORBIDDEN"),
        (client(firms["a"].host), "UNAUTHENTICATED"),
    ):
        for query, variables in (
            (CREATE, {"name": "x", "role": "integrator", "days": 1}),
            (LIST, {}),
            (REVOKE, {"id": created["apiToken"]["id"]}),
        ):
            errors = c.raw(query, variables)["errors"]
            assert errors[0]["extensions"]["code"] == code, (query, errors)


def test_token_input_is_validated(client, firms, people) -> None:
    admin = admin_of(client, firms, people)
    for name, role, days, code in (
        ("", "integrator", 30, "INVALID_NAME"),
        ("admin key", "firm_admin", 30, "INVALID_ROLE"),
        ("client key", "client_member", 30, "INVALID_ROLE"),
        ("forever", "integrator", 0, "INVALID_EXPIRY"),
        ("forever", "integrator", 100_000, "INVALID_EXPIRY"),
    ):
        result = admin.execute(CREATE, {"name": name, "role": role, "days": days})["createApiToken"]
        assert result["__typename"] == "ValidationError" and result["code"] == code, result


def test_tokens_of_firm_a_are_out_of_reach_of_firm_b(client, firms, people) -> None:
    created = create(admin_of(client, firms, people, "a"))
    token_id = created["apiToken"]["id"]
    admin_b = admin_of(client, firms, people, "b")
    assert token_id not in {t["id"] for t in admin_b.execute(LIST)["apiTokens"]}
    assert admin_b.execute(REVOKE, {"id": token_id})["revokeApiToken"]["code"] == "NOT_FOUND"
    assert admin_b.execute("query($id: ID!) { node(id: $id) { id } }", {"id": token_id}) == {
        "node": None
    }
    # Still alive at its own firm.
    assert client(firms["a"].host, token=created["token"]).execute(FIRM)
    admin_a = admin_of(client, firms, people, "a")
    node = admin_a.execute(
        "query($id: ID!) { node(id: $id) { ... on ApiToken { name } } }", {"id": token_id}
    )
    assert node == {"node": {"name": "1C exchange"}}


def test_the_operator_creates_a_token_with_the_cli(
    client, firms, people, db_engine, database_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`saas token create` prints only the token on stdout (TOKEN=$(...)), the token works at
    its firm and only there, the firm's admin sees it listed, and the audit log names the CLI."""
    name = f"cli {uuid.uuid4().hex[:6]}"
    made = saas_cli(
        database_url, tmp_path, "token", "create", "--firm", firms["a"].slug, "--name", name
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("kbt_") and "\n" not in secret and "shown once" in made.stderr
    assert client(firms["a"].host, token=secret).execute(FIRM) == {
        "currentFirm": {"slug": "firm-a"}
    }
    refused = client(firms["b"].host, token=secret).post({"query": FIRM})
    assert refused.status_code == 403, refused.text
    listed = [t for t in admin_of(client, firms, people).execute(LIST)["apiTokens"]]
    assert name in [t["name"] for t in listed]
    with db_engine.connect() as conn:
        actor, data = conn.execute(
            sa.text(
                "SELECT actor, data FROM tenant_firm_a.audit_log "
                "WHERE action = 'api_token.create' AND data->>'name' = :n"
            ),
            {"n": name},
        ).one()
    assert actor == "operator:cli" and data["role"] == "integrator"
    assert data["prefix"] == secret[: len(data["prefix"])]


def test_the_cli_refuses_unknown_firms_and_roles(database_url, firms, tmp_path) -> None:  # type: ignore[no-untyped-def]
    unknown = saas_cli(database_url, tmp_path, "token", "create", "--firm", "no-such-firm")
    assert unknown.returncode == 1 and "no such firm" in unknown.stderr and not unknown.stdout
    admin_role = saas_cli(
        database_url, tmp_path, "token", "create", "--firm", firms["a"].slug, "--role", "firm_admin"
    )
    assert admin_role.returncode == 2 and "firm_admin" in admin_role.stderr
    assert not admin_role.stdout
