"""TOTP recovery codes (shown once, single use, regenerable), the words for a code used before,
and the firm admin's reset of another staff member's second factor (issue 12)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.support.auth import create_person, login, login_result, steady_clock, totp_code
from tests.support.ids import gid
from tests.support.mail import last_message_to, text_of

START = """mutation { startTotpEnrollment {
  __typename ... on TotpEnrollment { secret } ... on Error { code }
} }"""
CONFIRM = """mutation($code: String!) { confirmTotp(code: $code) {
  __typename ... on TotpChanged { recoveryCodes viewer { totpEnabled recoveryCodesLeft } }
  ... on Error { code }
} }"""
REGENERATE = """mutation($code: String!) { regenerateRecoveryCodes(code: $code) {
  __typename ... on RecoveryCodes { codes viewer { recoveryCodesLeft } } ... on Error { code }
} }"""
RESET = """mutation($id: ID!) { resetStaffTotp(membershipId: $id) {
  __typename ... on Member { id totpEnabled } ... on Error { code message }
} }"""
EN = {"accept-language": "en"}


def enroll_with_codes(c) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    secret = c.execute(START)["startTotpEnrollment"]["secret"]
    confirmed = c.execute(CONFIRM, {"code": totp_code(secret)})["confirmTotp"]
    assert confirmed["__typename"] == "TotpChanged"
    assert confirmed["viewer"] == {"totpEnabled": True, "recoveryCodesLeft": 10}
    return secret, confirmed["recoveryCodes"]


def membership_id(engine: sa.Engine, person_id: int, tenant_id: int) -> str:
    with engine.connect() as conn:
        number = conn.execute(
            sa.text(
                "SELECT id FROM shared.memberships WHERE person_id = :p AND tenant_id = :t "
                "AND kind = 'staff'"
            ),
            {"p": person_id, "t": tenant_id},
        ).scalar_one()
    return gid("Member", number)


def test_recovery_codes_work_once_and_regenerate(client, firms, db_engine) -> None:
    steady_clock()
    person = create_person(db_engine, memberships=[(firms["a"].id, "staff", ["manager"], None)])
    c = client(firms["a"].host)
    login(c, person.email, person.password)
    secret, codes = enroll_with_codes(c)
    assert len(codes) == 10 and len(set(codes)) == 10
    with db_engine.connect() as conn:
        stored = conn.execute(
            sa.text(
                "SELECT code_hash FROM shared.one_time_codes WHERE person_id = :p "
                "AND purpose = 'totp_recovery'"
            ),
            {"p": person.id},
        ).scalars()
        stored_hashes = set(stored)
    # Only hashes are kept: no code is stored as written.
    assert len(stored_hashes) == 10 and not stored_hashes & {c.replace("-", "") for c in codes}

    # A recovery code stands in for the TOTP code at login, once (case and dashes aside).
    first = codes[0]
    login(client(firms["a"].host), person.email, person.password, otp=first.upper())
    again = login_result(
        client(firms["a"].host), person.email, person.password, otp=first, headers=EN
    )
    assert again["__typename"] == "InvalidCredentials"
    assert again["code"] == "RECOVERY_CODE_USED"
    assert "already been used" in again["message"]
    wrong = login_result(client(firms["a"].host), person.email, person.password, otp="zzzzz-zzzzz")
    assert wrong["code"] == "INVALID_OTP"
    assert c.execute("{ viewer { recoveryCodesLeft } }") == {"viewer": {"recoveryCodesLeft": 9}}

    # A TOTP code accepted once is refused again with its own words.
    code = totp_code(secret, 1)
    login(client(firms["a"].host), person.email, person.password, otp=code)
    replay = login_result(client(firms["a"].host), person.email, person.password, otp=code)
    assert replay["code"] == "OTP_ALREADY_USED"
    assert "уже использован" in replay["message"]

    # Regenerating needs a valid code and voids the previous set.
    refused = c.execute(REGENERATE, {"code": "000000"})["regenerateRecoveryCodes"]
    assert refused["__typename"] == "ValidationError"
    fresh = c.execute(REGENERATE, {"code": codes[1]})["regenerateRecoveryCodes"]
    assert fresh["__typename"] == "RecoveryCodes"
    assert len(fresh["codes"]) == 10 and fresh["viewer"] == {"recoveryCodesLeft": 10}
    old = login_result(client(firms["a"].host), person.email, person.password, otp=codes[2])
    assert old["code"] == "INVALID_OTP"
    login(client(firms["a"].host), person.email, person.password, otp=fresh["codes"][0])


def test_firm_admin_resets_a_staff_members_second_factor(
    client, firms, people, db_engine, settings
) -> None:
    steady_clock()
    firm = firms["a"]
    member = create_person(db_engine, memberships=[(firm.id, "staff", ["manager"], None)])
    m = client(firm.host)
    login(m, member.email, member.password)
    enroll_with_codes(m)
    target = membership_id(db_engine, member.id, firm.id)

    # A staff member without the firm's settings right may not reset anyone's.
    manager = client(firm.host)
    login(manager, people["a"].manager.email, people["a"].manager.password)
    forbidden = manager.raw(RESET, {"id": target})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Another firm's admin cannot reach this firm's membership.
    other = client(firms["b"].host)
    login(other, people["b"].admin.email, people["b"].admin.password)
    foreign = other.execute(RESET, {"id": target})["resetStaffTotp"]
    assert foreign["__typename"] == "NotFoundError"

    admin = client(firm.host)
    login(admin, people["a"].admin.email, people["a"].admin.password)
    own = membership_id(db_engine, people["a"].admin.id, firm.id)
    assert admin.execute(RESET, {"id": own})["resetStaffTotp"]["code"] == "TOTP_RESET_SELF"

    done = admin.execute(RESET, {"id": target}, headers=EN)["resetStaffTotp"]
    assert done == {"__typename": "Member", "id": target, "totpEnabled": False}
    # They are told by e-mail, with a link to log in again.
    told = last_message_to(settings, member.email)
    assert "Второй фактор входа сброшен" in str(told["Subject"])
    assert f"{firm.host}" in text_of(told) and "/login" in text_of(told)
    # The person's sessions ended; they log in with the password alone now.
    assert m.execute("{ viewer { id } }") == {"viewer": None}
    assert login(client(firm.host), member.email, member.password)
    again = admin.execute(RESET, {"id": target}, headers=EN)["resetStaffTotp"]
    assert again["code"] == "TOTP_NOT_ENABLED" and again["message"]

    entries = admin.execute(
        'query { auditLog(first: 5, filter: {action: "member.totp_reset"}) { '
        "... on AuditEntryConnection { edges { node { objectId actionLabel } } } } }",
        headers=EN,
    )["auditLog"]["edges"]
    assert any(e["node"]["actionLabel"] == "Staff member's second factor reset" for e in entries), (
        entries
    )
