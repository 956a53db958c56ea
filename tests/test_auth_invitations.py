"""Invitations: branded e-mail, the public preview, accepting (new and existing accounts),
expired, reused and revoked links, and other firms' invitations out of reach."""

from __future__ import annotations

import uuid
from email.utils import parseaddr
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from saas.tenants.registry import TenantRef
from tests.support.auth import create_person, login
from tests.support.mail import last_message_to, link_in, text_of

INVITE = """
mutation($email: String!, $roles: [String!]!) { inviteStaff(email: $email, roles: $roles) {
  __typename
  ... on InvitationSent { invitation { id email kind roles expiresAt acceptedAt revokedAt } }
  ... on Error { code message }
  ... on ValidationError { field }
} }
"""
PREVIEW = """
query($token: String!) { invitation(token: $token) {
  firm { name slug } email kind expired used revoked accountExists
} }
"""
ACCEPT = """
mutation($token: String!, $password: String!, $name: String) {
  acceptInvitation(token: $token, password: $password, displayName: $name) {
    __typename
    ... on InvitationAccepted { loggedIn csrfToken firm { slug } viewer { email displayName } }
    ... on InvitationUnusable { reason }
    ... on Error { code }
    ... on ValidationError { field }
  }
}
"""
REVOKE = """
mutation($id: ID!) { revokeInvitation(id: $id) {
  __typename ... on InvitationRevoked { invitation { revokedAt } } ... on Error { code }
} }
"""
PASSWORD = "Welcome-aboard-2026"


def new_email() -> str:
    return f"invitee-{uuid.uuid4().hex[:10]}@example.test"


def invite(admin_client, email: str, roles: list[str] | None = None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = admin_client.execute(INVITE, {"email": email, "roles": roles or ["manager"]})[
        "inviteStaff"
    ]
    assert result["__typename"] == "InvitationSent", result
    return dict(result["invitation"])


def token_from_mail(settings, email: str) -> str:  # type: ignore[no-untyped-def]
    link = link_in(last_message_to(settings, email), "/invite")
    return parse_qs(urlsplit(link).query)["token"][0]


def admin_of(client, firms, people, key: str = "a"):  # type: ignore[no-untyped-def]
    c = client(firms[key].host)
    login(c, people[key].admin.email, people[key].admin.password)
    return c


def test_invitation_is_mailed_previewed_accepted_once(client, firms, people, settings) -> None:
    admin = admin_of(client, firms, people)
    email = new_email()
    invitation = invite(admin, email, ["manager", "auditor"])
    assert invitation["kind"] == "STAFF" and invitation["roles"] == ["auditor", "manager"]

    message = last_message_to(settings, email)
    assert parseaddr(str(message["From"]))[0] == firms["a"].name
    assert firms["a"].name in str(message["Subject"]) and "Admin firm-a" in text_of(message)
    link = link_in(message, "/invite")
    assert link.startswith("http://firm-a.kabinet.test/invite?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]

    visitor = client(firms["a"].host)
    preview = visitor.execute(PREVIEW, {"token": token})["invitation"]
    assert preview == {
        "firm": {"name": firms["a"].name, "slug": "firm-a"},
        "email": email,
        "kind": "STAFF",
        "expired": False,
        "used": False,
        "revoked": False,
        "accountExists": False,
    }
    weak = visitor.execute(ACCEPT, {"token": token, "password": "short", "name": "New Colleague"})
    assert weak["acceptInvitation"]["code"] == "PASSWORD_TOO_SHORT"
    accepted = visitor.execute(
        ACCEPT, {"token": token, "password": PASSWORD, "name": "New Colleague"}
    )
    result = accepted["acceptInvitation"]
    assert result["__typename"] == "InvitationAccepted" and result["loggedIn"] is True
    assert result["viewer"] == {"email": email, "displayName": "New Colleague"}
    cabinets = visitor.execute("{ viewer { cabinets { key roles } } }")["viewer"]["cabinets"]
    assert cabinets == [{"key": "firm-a:staff", "roles": ["auditor", "manager"]}]

    reused = client(firms["a"].host).execute(
        ACCEPT, {"token": token, "password": PASSWORD, "name": "X"}
    )
    assert reused["acceptInvitation"] == {
        "__typename": "InvitationUnusable",
        "reason": "USED",
        "code": "INVITATION_USED",
    }
    assert client(firms["a"].host).execute(PREVIEW, {"token": token})["invitation"]["used"] is True
    assert login(client(firms["a"].host), email, PASSWORD)


def test_expired_invitation_is_refused(client, firms, people, settings, db_engine) -> None:
    admin = admin_of(client, firms, people)
    email = new_email()
    invite(admin, email)
    token = token_from_mail(settings, email)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.invitations SET expires_at = now() - interval '1 minute' "
                "WHERE email = :e"
            ),
            {"e": email},
        )
    c = client(firms["a"].host)
    assert c.execute(PREVIEW, {"token": token})["invitation"]["expired"] is True
    refused = c.execute(ACCEPT, {"token": token, "password": PASSWORD, "name": "Late"})[
        "acceptInvitation"
    ]
    assert refused["reason"] == "EXPIRED"


def test_revoked_invitation_is_refused_and_a_new_one_replaces_the_old(
    client, firms, people, settings
) -> None:
    admin = admin_of(client, firms, people)
    email = new_email()
    first = invite(admin, email)
    first_token = token_from_mail(settings, email)
    second = invite(admin, email)
    second_token = token_from_mail(settings, email)
    assert first["id"] != second["id"]
    c = client(firms["a"].host)
    old = c.execute(ACCEPT, {"token": first_token, "password": PASSWORD, "name": "Old"})[
        "acceptInvitation"
    ]
    assert old["reason"] == "REVOKED"
    revoked = admin.execute(REVOKE, {"id": second["id"]})["revokeInvitation"]
    assert revoked["__typename"] == "InvitationRevoked" and revoked["invitation"]["revokedAt"]
    refused = c.execute(ACCEPT, {"token": second_token, "password": PASSWORD, "name": "New"})[
        "acceptInvitation"
    ]
    assert refused["reason"] == "REVOKED"


def test_existing_account_must_prove_its_password(
    client, firms, people, settings, db_engine
) -> None:  # type: ignore[no-untyped-def]
    admin = admin_of(client, firms, people)
    # A fresh person of firm b (the shared `people` stay members of their own firm only).
    existing = create_person(db_engine, memberships=[(firms["b"].id, "staff", ["manager"], None)])
    invite(admin, existing.email, ["staff"])
    token = token_from_mail(settings, existing.email)
    c = client(firms["a"].host)
    assert c.execute(PREVIEW, {"token": token})["invitation"]["accountExists"] is True
    wrong = c.execute(ACCEPT, {"token": token, "password": "not-my-password"})["acceptInvitation"]
    assert wrong == {"__typename": "InvalidCredentials", "code": "EXISTING_ACCOUNT_PASSWORD"}
    accepted = c.execute(ACCEPT, {"token": token, "password": existing.password})[
        "acceptInvitation"
    ]
    assert (
        accepted["__typename"] == "InvitationAccepted"
        and accepted["viewer"]["email"] == existing.email
    )
    keys = {
        cab["key"] for cab in c.execute("{ viewer { cabinets { key } } }")["viewer"]["cabinets"]
    }
    assert {"firm-a:staff", "firm-b:staff"} <= keys


def test_invitations_of_firm_a_are_out_of_reach_at_firm_b(client, firms, people, settings) -> None:
    admin_a = admin_of(client, firms, people, "a")
    email = new_email()
    invitation = invite(admin_a, email)
    token = token_from_mail(settings, email)
    b = client(firms["b"].host)
    assert b.execute(PREVIEW, {"token": token}) == {"invitation": None}
    refused = b.execute(ACCEPT, {"token": token, "password": PASSWORD, "name": "Sneaky"})[
        "acceptInvitation"
    ]
    assert refused["reason"] == "UNKNOWN"
    admin_b = admin_of(client, firms, people, "b")
    assert (
        admin_b.execute(REVOKE, {"id": invitation["id"]})["revokeInvitation"]["code"] == "NOT_FOUND"
    )
    node = admin_b.execute("query($id: ID!) { node(id: $id) { id } }", {"id": invitation["id"]})
    assert node == {"node": None}
    # Still usable at its own firm.
    accepted = client(firms["a"].host).execute(
        ACCEPT, {"token": token, "password": PASSWORD, "name": "Fine"}
    )
    assert accepted["acceptInvitation"]["__typename"] == "InvitationAccepted"


def test_only_member_managers_invite_and_roles_are_checked(client, firms, people) -> None:
    manager = client(firms["a"].host)
    login(manager, people["a"].manager.email, people["a"].manager.password)
    denied = manager.raw(INVITE, {"email": new_email(), "roles": ["staff"]})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = client(firms["a"].host).raw(INVITE, {"email": new_email(), "roles": ["staff"]})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    admin = admin_of(client, firms, people)
    for email, roles, code in (
        ("not-an-email", ["staff"], "INVALID_EMAIL"),
        (new_email(), [], "INVALID_ROLES"),
        (new_email(), ["client_member"], "INVALID_ROLE"),
        (new_email(), ["platform_admin"], "INVALID_ROLE"),
        (people["a"].manager.email, ["staff"], "ALREADY_MEMBER"),
    ):
        result = admin.execute(INVITE, {"email": email, "roles": roles})["inviteStaff"]
        assert result["code"] == code, (email, roles, result)


async def test_client_contacts_are_invited_through_the_same_service(
    client, firms, people, settings, database_url
) -> None:  # type: ignore[no-untyped-def]
    """The contract the clients module uses: create_invitation(kind="client") + send_invitation."""
    from saas.auth.service.invitations import create_invitation, send_invitation
    from saas.db.session import shared_session
    from saas.services import Services

    services = Services.build(settings, database_url)
    email = new_email()
    try:
        tenant = await services.registry.by_id(firms["b"].id)
        assert isinstance(tenant, TenantRef)
        async with shared_session(services.engine) as session:
            issued = await create_invitation(
                session,
                tenant,
                people["b"].manager.id,
                email,
                "client",
                ["client_admin"],
                client_org_id=42,
            )
            await session.commit()
        await send_invitation(services, tenant, issued, inviter_name="Мария Иванова", lang="ru")
    finally:
        await services.engine.dispose()
    message = last_message_to(settings, email)
    assert "Мария Иванова" in text_of(message) and firms["b"].name in str(message["Subject"])
    token = token_from_mail(settings, email)
    c = client(firms["b"].host)
    accepted = c.execute(ACCEPT, {"token": token, "password": PASSWORD, "name": "ООО Ромашка"})
    assert accepted["acceptInvitation"]["loggedIn"] is True
    cabinets = c.execute("{ viewer { cabinets { key kind organizationId roles } } }")["viewer"][
        "cabinets"
    ]
    assert cabinets == [
        {
            "key": "firm-b:client:42",
            "kind": "CLIENT",
            "organizationId": 42,
            "roles": ["client_admin"],
        }
    ]
