"""People for tests, created straight in the database, and logging in over GraphQL.

from tests.support.auth import login
c = client(firms["a"].host)
login(c, people["a"].admin.email, people["a"].admin.password)   # c keeps the cookies
"""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa

from saas.auth.passwords import hash_password
from tests.support.client import GraphQLClient

PASSWORD = "Correct-Horse-42"

LOGIN = """
mutation Login($email: String!, $password: String!, $otp: String) {
  login(email: $email, password: $password, otp: $otp) {
    __typename
    ... on LoginSuccess { csrfToken viewer { id email displayName totpEnabled } }
    ... on TotpSetupRequired { csrfToken viewer { id email } }
    ... on AccountLocked { retryAfterSeconds }
    ... on RateLimited { retryAfterSeconds }
    ... on Error { code message }
  }
}
"""


@dataclass(frozen=True)
class TestPerson:
    id: int
    email: str
    password: str = PASSWORD


@dataclass(frozen=True)
class FirmPeople:
    """An admin (firm_admin), a manager (manager) and a client user (client_member of
    client organization 1) of one firm."""

    admin: TestPerson
    manager: TestPerson
    client: TestPerson


@functools.cache
def _hash(password: str) -> str:
    return hash_password(password)


def create_person(
    engine: sa.Engine,
    email: str | None = None,
    *,
    password: str = PASSWORD,
    display_name: str = "",
    memberships: list[tuple[int, str, list[str], int | None]] = (),  # type: ignore[assignment]
) -> TestPerson:
    """A person with the given memberships: (tenant_id, kind, roles, client_org_id)."""
    email = email or f"person-{uuid.uuid4().hex[:10]}@example.test"
    with engine.begin() as conn:
        person_id = conn.execute(
            sa.text(
                "INSERT INTO shared.people (email, display_name, password_hash) "
                "VALUES (:email, :name, :hash) "
                "ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = excluded.password_hash "
                "RETURNING id"
            ),
            {"email": email, "name": display_name or email.split("@")[0], "hash": _hash(password)},
        ).scalar_one()
        for tenant_id, kind, roles, org_id in memberships:
            add_membership(conn, person_id, tenant_id, kind, roles, org_id)
    return TestPerson(int(person_id), email, password)


def give_totp(engine: sa.Engine, person_id: int) -> str:
    """Turns on the person's second factor as an enrollment would; returns its secret."""
    secret = pyotp.random_base32()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.people SET totp_secret = :s, totp_enabled = true, "
                "totp_last_step = NULL WHERE id = :id"
            ),
            {"s": secret, "id": person_id},
        )
    return secret


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator app's code now (or `steps_ahead` 30-second steps later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def steady_clock(margin: float = 4) -> None:
    """Waits out the last `margin` seconds of a 30-second step, so codes computed now stay
    current for the next requests."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.1)  # the point: the clock moves into the next step


def add_membership(
    conn: sa.Connection,
    person_id: int,
    tenant_id: int,
    kind: str,
    roles: list[str],
    org_id: int | None = None,
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO shared.memberships (person_id, tenant_id, kind, client_org_id, roles) "
            "VALUES (:p, :t, :k, :o, :r) "
            "ON CONFLICT (person_id, tenant_id, kind, client_org_id) "
            "DO UPDATE SET roles = excluded.roles, status = 'active'"
        ),
        {"p": person_id, "t": tenant_id, "k": kind, "o": org_id, "r": roles},
    )


def create_firm_people(engine: sa.Engine, tenant_id: int, slug: str) -> FirmPeople:
    return FirmPeople(
        admin=create_person(
            engine,
            f"admin@{slug}.test",
            display_name=f"Admin {slug}",
            memberships=[(tenant_id, "staff", ["firm_admin"], None)],
        ),
        manager=create_person(
            engine,
            f"manager@{slug}.test",
            display_name=f"Manager {slug}",
            memberships=[(tenant_id, "staff", ["manager"], None)],
        ),
        client=create_person(
            engine,
            f"client@{slug}.test",
            display_name=f"Client {slug}",
            memberships=[(tenant_id, "client", ["client_member"], 1)],
        ),
    )


def login_result(
    client: GraphQLClient, email: str, password: str, otp: str | None = None, **kw: Any
) -> dict[str, Any]:
    """The `login` result, whatever its type."""
    return client.execute(LOGIN, {"email": email, "password": password, "otp": otp}, **kw)["login"]


def login(
    client: GraphQLClient, email: str, password: str, otp: str | None = None
) -> dict[str, Any]:
    """Logs in at the client's host (the client keeps the cookies); fails unless it worked."""
    result = login_result(client, email, password, otp)
    assert result["__typename"] == "LoginSuccess", result
    return result
