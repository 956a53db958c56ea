"""Password reset by e-mail link: branded mail in the outbox, single use, sessions ended."""

from __future__ import annotations

import uuid
from email.utils import parseaddr
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from tests.support.auth import create_person, login, login_result
from tests.support.mail import html_of, last_message_to, link_in, messages_to, text_of

REQUEST = "mutation($email: String!) { requestPasswordReset(email: $email) }"
RESET = """
mutation($token: String!, $password: String!) {
  resetPassword(token: $token, newPassword: $password) {
    __typename
    ... on PasswordChanged { ok }
    ... on ValidationError { code field message }
  }
}
"""
NEW_PASSWORD = "Brand-new-secret-77"


@pytest.fixture
def member(db_engine, firms):  # type: ignore[no-untyped-def]
    return create_person(db_engine, memberships=[(firms["a"].id, "client", ["client_member"], 1)])


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def test_reset_mail_is_branded_and_its_link_works_once(client, firms, member, settings) -> None:
    old_session = client(firms["a"].host)
    login(old_session, member.email, member.password)

    c = client(firms["a"].host)
    assert c.execute(REQUEST, {"email": member.email.upper()}) == {"requestPasswordReset": True}
    message = last_message_to(settings, member.email)
    firm = firms["a"].name
    assert parseaddr(str(message["From"]))[0] == firm
    assert firm in str(message["Subject"])
    assert firm in text_of(message) and firm in html_of(message)
    for body in (text_of(message), html_of(message), str(message["From"]), str(message["Subject"])):
        assert "Kabinet" not in body
    link = link_in(message, "/reset-password")
    assert link.startswith("http://firm-a.kabinet.test/reset-password?token=")

    weak = c.execute(RESET, {"token": token_of(link), "password": "short"})["resetPassword"]
    assert weak == {
        "__typename": "ValidationError",
        "code": "PASSWORD_TOO_SHORT",
        "field": "newPassword",
        "message": weak["message"],
    }
    # A refused password does not spend the link.
    done = c.execute(RESET, {"token": token_of(link), "password": NEW_PASSWORD})["resetPassword"]
    assert done == {"__typename": "PasswordChanged", "ok": True}
    again = c.execute(RESET, {"token": token_of(link), "password": NEW_PASSWORD + "x"})[
        "resetPassword"
    ]
    assert again["__typename"] == "ValidationError" and again["code"] == "INVALID_RESET_TOKEN"

    # Every earlier session is over; the new password works, the old one does not.
    assert old_session.execute("{ viewer { email } }") == {"viewer": None}
    assert (
        login_result(client(firms["a"].host), member.email, member.password)["code"]
        == "INVALID_CREDENTIALS"
    )
    login(client(firms["a"].host), member.email, NEW_PASSWORD)


def test_unknown_address_gets_the_same_answer_and_no_mail(client, firms, settings) -> None:
    email = f"nobody-{uuid.uuid4().hex}@example.test"
    assert client(firms["a"].host).execute(REQUEST, {"email": email}) == {
        "requestPasswordReset": True
    }
    assert messages_to(settings, email) == []


def test_no_mail_from_a_firm_the_person_does_not_belong_to(client, firms, member, settings) -> None:
    assert client(firms["b"].host).execute(REQUEST, {"email": member.email}) == {
        "requestPasswordReset": True
    }
    assert messages_to(settings, member.email) == []


def test_link_of_firm_a_does_not_work_at_firm_b(client, firms, member, settings) -> None:
    client(firms["a"].host).execute(REQUEST, {"email": member.email})
    token = token_of(link_in(last_message_to(settings, member.email), "/reset-password"))
    refused = client(firms["b"].host).execute(RESET, {"token": token, "password": NEW_PASSWORD})
    assert refused["resetPassword"]["code"] == "INVALID_RESET_TOKEN"
    accepted = client(firms["a"].host).execute(RESET, {"token": token, "password": NEW_PASSWORD})
    assert accepted["resetPassword"]["__typename"] == "PasswordChanged"


def test_english_speakers_get_english_mail(client, firms, db_engine, settings) -> None:
    person = create_person(db_engine, memberships=[(firms["b"].id, "staff", ["staff"], None)])
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared.people SET locale = 'en' WHERE id = :id"), {"id": person.id}
        )
    client(firms["b"].host).execute(REQUEST, {"email": person.email})
    message = last_message_to(settings, person.email)
    assert str(message["Subject"]) == f"Reset your password — {firms['b'].name}"
    assert "valid for 60 minutes" in text_of(message)


def test_reset_requests_are_throttled(client, firms, member, settings) -> None:
    c = client(firms["a"].host)
    for _ in range(5):
        assert c.execute(REQUEST, {"email": member.email}) == {"requestPasswordReset": True}
    assert len(messages_to(settings, member.email)) == 3


def test_reset_at_the_platform_host(client, member, settings) -> None:
    c = client("kabinet.test")
    c.execute(REQUEST, {"email": member.email})
    link = link_in(last_message_to(settings, member.email), "/reset-password")
    assert link.startswith("http://kabinet.test/reset-password?token=")
    done = c.execute(RESET, {"token": token_of(link), "password": NEW_PASSWORD})["resetPassword"]
    assert done["__typename"] == "PasswordChanged"
