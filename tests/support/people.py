"""People, sessions and API tokens written straight into the database (the same rows the
auth module writes), for tests that need someone signed in without going through `login`
(tests/support/auth.py logs in over GraphQL).

    person = make_person(db_engine, "Анна Админова")
    add_membership(db_engine, person, firm.id, "staff", ["firm_admin"])
    c = session_client(live_server.url, firm.host, *open_session(db_engine, person, firm.id))
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from saas.auth.tokens import API_TOKEN_PREFIX, CSRF_COOKIE, SESSION_COOKIE, digest, new_secret
from tests.support import auth
from tests.support.client import GraphQLClient


def make_person(db_engine: sa.Engine, name: str = "", email_address: str | None = None) -> int:
    """A person without a password (they act through sessions and tokens made here)."""
    address = (
        email_address
        or f"{name.split()[0].lower() if name else 'p'}-{uuid.uuid4().hex[:8]}@example.test"
    )
    with db_engine.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    "INSERT INTO shared.people (email, display_name) VALUES (:e, :n) RETURNING id"
                ),
                {"e": address, "n": name},
            ).scalar_one()
        )


def email_of(db_engine: sa.Engine, person_id: int) -> str:
    with db_engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT email FROM shared.people WHERE id = :p"), {"p": person_id}
            ).scalar_one()
        )


def add_membership(
    db_engine: sa.Engine,
    person_id: int,
    tenant_id: int,
    kind: str,
    roles: list[str],
    org: int | None = None,
) -> None:
    """A membership (`kind` "staff", or "client" of organization `org`) with `roles`."""
    with db_engine.begin() as conn:
        auth.add_membership(conn, person_id, tenant_id, kind, roles, org)


def open_session(db_engine: sa.Engine, person_id: int, tenant_id: int) -> tuple[str, str]:
    """A signed-in session (second factor passed) at the firm: (cookie secret, CSRF token)."""
    secret, csrf = new_secret(32), new_secret(24)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO shared.sessions (token_hash, csrf_token, person_id, tenant_id, "
                "mfa_passed, expires_at) VALUES (:h, :c, :p, :t, true, :x)"
            ),
            {
                "h": digest(secret),
                "c": csrf,
                "p": person_id,
                "t": tenant_id,
                "x": datetime.now(UTC) + timedelta(days=1),
            },
        )
    return secret, csrf


def session_client(url: str, host: str, secret: str, csrf: str) -> GraphQLClient:
    """A client carrying a session's cookies (see `open_session`)."""
    c = GraphQLClient(url, host)
    c.cookies[SESSION_COOKIE] = secret
    c.cookies[CSRF_COOKIE] = csrf
    return c


def api_token(
    db_engine: sa.Engine,
    tenant_id: int,
    role: str = "integrator",
    *,
    created_by: int | None = None,
    name: str = "test token",
) -> str:
    """A new API token of the firm with `role`; returns its secret."""
    token = API_TOKEN_PREFIX + new_secret(24)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO shared.api_tokens (tenant_id, name, role, prefix, token_hash, "
                "created_by) VALUES (:t, :n, :r, :p, :h, :c)"
            ),
            {
                "t": tenant_id,
                "n": name,
                "r": role,
                "p": token[:12],
                "h": digest(token),
                "c": created_by,
            },
        )
    return token


def integrator_token(db_engine: sa.Engine, tenant_id: int, person_id: int) -> str:
    """The firm's e-filing software: an integrator token created by `person_id`."""
    return api_token(db_engine, tenant_id, "integrator", created_by=person_id, name="e-filing")


Login = Callable[[Any, int], GraphQLClient]


@pytest.fixture
def login(client, db_engine) -> Login:  # type: ignore[no-untyped-def]
    """login(firm, person_id) -> a GraphQL client with a fresh session of that person."""

    def make(firm: Any, person_id: int) -> GraphQLClient:
        c = client(firm.host)
        secret, csrf = open_session(db_engine, person_id, firm.id)
        c.cookies[SESSION_COOKIE] = secret
        c.cookies[CSRF_COOKIE] = csrf
        return c

    return make
