"""TOTP second factor: enrollment, login with a code, replay refused, and a firm that requires
it for its staff."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from saas.tenants.provisioning import provision_tenant
from tests.support.auth import create_person, login, login_result, steady_clock, totp_code

START = """mutation { startTotpEnrollment {
  __typename ... on TotpEnrollment { secret otpauthUri } ... on Error { code }
} }"""
CONFIRM = """mutation($code: String!) { confirmTotp(code: $code) {
  __typename ... on TotpChanged { viewer { totpEnabled } } ... on Error { code }
} }"""
DISABLE = """mutation($code: String!) { disableTotp(code: $code) {
  __typename ... on TotpChanged { viewer { totpEnabled } } ... on Error { code }
} }"""
SECURITY = """mutation($on: Boolean!) {
  updateSecuritySettings(requireStaffTotp: $on) { requireStaffTotp }
}"""
MFA_HOST = "firm-mfa.kabinet.test"


def enroll(c) -> str:  # type: ignore[no-untyped-def]
    started = c.execute(START)["startTotpEnrollment"]
    assert started["__typename"] == "TotpEnrollment"
    confirmed = c.execute(CONFIRM, {"code": totp_code(started["secret"])})["confirmTotp"]
    assert confirmed == {"__typename": "TotpChanged", "viewer": {"totpEnabled": True}}
    return str(started["secret"])


@pytest.fixture(scope="module")
def mfa_firm(db_engine) -> int:  # type: ignore[no-untyped-def]
    return provision_tenant(db_engine, "firm-mfa", "Strict Ledger")


def test_enrollment_and_login_with_a_one_time_code(client, firms, db_engine) -> None:
    steady_clock()
    person = create_person(db_engine, memberships=[(firms["a"].id, "staff", ["manager"], None)])
    c = client(firms["a"].host)
    login(c, person.email, person.password)
    started = c.execute(START)["startTotpEnrollment"]
    uri = unquote(started["otpauthUri"])
    assert uri.startswith("otpauth://totp/") and firms["a"].name in uri and person.email in uri
    wrong = c.execute(
        CONFIRM, {"code": "000000" if totp_code(started["secret"]) != "000000" else "111111"}
    )
    assert wrong["confirmTotp"] == {"__typename": "ValidationError", "code": "INVALID_OTP"}
    confirmed = c.execute(CONFIRM, {"code": totp_code(started["secret"])})["confirmTotp"]
    assert confirmed["viewer"] == {"totpEnabled": True}
    assert c.execute(START)["startTotpEnrollment"] == {
        "__typename": "ConflictError",
        "code": "TOTP_ALREADY_ENABLED",
    }
    secret = started["secret"]

    fresh = client(firms["a"].host)
    assert login_result(fresh, person.email, person.password)["__typename"] == "OtpRequired"
    assert "kabinet_session" not in fresh.cookies
    bad = login_result(fresh, person.email, person.password, otp="12345x")
    assert bad["__typename"] == "InvalidCredentials" and bad["code"] == "INVALID_OTP"
    next_code = totp_code(secret, 1)
    login(fresh, person.email, person.password, otp=next_code)
    # The same code twice is a replay.
    replay = login_result(client(firms["a"].host), person.email, person.password, otp=next_code)
    assert replay["code"] == "OTP_ALREADY_USED"


def test_wrong_codes_count_towards_the_lock(client, firms, db_engine) -> None:
    steady_clock()
    person = create_person(db_engine, memberships=[(firms["b"].id, "staff", ["staff"], None)])
    c = client(firms["b"].host)
    login(c, person.email, person.password)
    enroll(c)
    results = [
        login_result(client(firms["b"].host), person.email, person.password, otp="000000")[
            "__typename"
        ]
        for _ in range(5)
    ]
    assert results[-1] == "AccountLocked"


def test_disable_needs_a_current_code(client, firms, db_engine) -> None:
    steady_clock()
    person = create_person(db_engine, memberships=[(firms["b"].id, "staff", ["staff"], None)])
    c = client(firms["b"].host)
    login(c, person.email, person.password)
    secret = enroll(c)
    assert c.execute(DISABLE, {"code": "000000"})["disableTotp"]["__typename"] == "ValidationError"
    off = c.execute(DISABLE, {"code": totp_code(secret, 1)})["disableTotp"]
    assert off == {"__typename": "TotpChanged", "viewer": {"totpEnabled": False}}
    assert login(client(firms["b"].host), person.email, person.password)


def test_enrollment_needs_a_login(client, firms) -> None:
    result = client(firms["a"].host).raw(START)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_firm_can_require_totp_for_its_staff(client, db_engine, mfa_firm, live_server) -> None:
    steady_clock()
    admin = create_person(db_engine, memberships=[(mfa_firm, "staff", ["firm_admin"], None)])
    manager = create_person(db_engine, memberships=[(mfa_firm, "staff", ["manager"], None)])
    contact = create_person(db_engine, memberships=[(mfa_firm, "client", ["client_member"], 5)])

    m = client(MFA_HOST)
    login(m, manager.email, manager.password)
    forbidden = m.raw(SECURITY, {"on": True})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    a = client(MFA_HOST)
    login(a, admin.email, admin.password)
    # An admin without a second factor may not require it: it would lock them out too.
    refused = a.raw(SECURITY, {"on": True}, headers={"accept-language": "en"})
    assert refused["errors"][0]["extensions"] == {"code": "TOTP_ENROLL_FIRST"}
    assert "for yourself first" in refused["errors"][0]["message"]
    assert a.execute("{ securitySettings { requireStaffTotp } }") == {
        "securitySettings": {"requireStaffTotp": False}
    }
    admin_secret = enroll(a)
    assert a.execute(SECURITY, {"on": True}) == {
        "updateSecuritySettings": {"requireStaffTotp": True}
    }
    # The admin, enrolled, keeps working.
    assert a.execute("{ securitySettings { requireStaffTotp } }") == {
        "securitySettings": {"requireStaffTotp": True}
    }

    try:
        # The rule reaches sessions already open: the manager (without TOTP) may only enroll.
        assert m.execute("{ viewer { mfaPending } }") == {"viewer": {"mfaPending": True}}
        assert m.raw("{ apiTokens { id } }")["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # A staff member without TOTP gets a session that can only enroll.
        s = client(MFA_HOST)
        pending = login_result(s, manager.email, manager.password)
        assert pending["__typename"] == "TotpSetupRequired"
        assert s.execute("{ viewer { mfaPending } }") == {"viewer": {"mfaPending": True}}
        assert s.raw("{ clientOrganizations(first: 1) { totalCount } }")["errors"][0]["extensions"][
            "code"
        ] in ("FORBIDDEN", "UNAUTHENTICATED")
        secret = enroll(s)
        assert s.execute("{ viewer { mfaPending } }") == {"viewer": {"mfaPending": False}}
        assert s.execute("{ clientOrganizations(first: 1) { totalCount } }")
        # Switching it off is refused while the firm requires it.
        refused = s.execute(DISABLE, {"code": totp_code(secret, 1)})["disableTotp"]
        assert refused == {"__typename": "ConflictError", "code": "TOTP_REQUIRED_BY_FIRM"}

        # Client contacts are not concerned.
        assert login(client(MFA_HOST), contact.email, contact.password)

        # Nor can the cabinet picker bypass the rule: the hand-off gives a restricted session.
        newcomer = create_person(db_engine, memberships=[(mfa_firm, "staff", ["manager"], None)])
        platform = client("kabinet.test")
        login(platform, newcomer.email, newcomer.password)
        url = platform.execute(
            'mutation { openCabinet(key: "firm-mfa:staff") { ... on CabinetOpened { url } } }'
        )["openCabinet"]["url"]
        import httpx

        with httpx.Client(base_url=live_server.url) as http:
            response = http.get(url.split(MFA_HOST, 1)[1], headers={"host": MFA_HOST})
        assert response.status_code == 303
        handed = client(MFA_HOST)
        handed.cookies = {
            raw.split("=", 1)[0]: raw.split("=", 1)[1].split(";", 1)[0]
            for raw in response.headers.get_list("set-cookie")
        }
        assert handed.execute("{ viewer { mfaPending } }") == {"viewer": {"mfaPending": True}}
    finally:
        relog = client(MFA_HOST)
        login(relog, admin.email, admin.password, otp=totp_code(admin_secret, 1))
        assert relog.execute(SECURITY, {"on": False}) == {
            "updateSecuritySettings": {"requireStaffTotp": False}
        }
    assert login(client(MFA_HOST), newcomer.email, newcomer.password)


def test_security_settings_of_one_firm_are_out_of_reach_of_another(client, firms, people) -> None:
    a = client(firms["a"].host)
    login(a, people["a"].admin.email, people["a"].admin.password)
    b = client(firms["b"].host)
    b.cookies = dict(a.cookies)
    assert b.post({"query": SECURITY, "variables": {"on": True}}).status_code == 403
    assert a.execute("{ securitySettings { requireStaffTotp } }") == {
        "securitySettings": {"requireStaffTotp": False}
    }
